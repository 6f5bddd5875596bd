import type { EventBatch } from "./event-batch.js";

/**
 * One stage as a plain function on a batch of events, built once from its (serialisable) spec:
 * the same function runs in a stream Transform, in a worker of the `parallel` stage and in
 * `runPipeline`. It may change the batch it is given.
 */
export type Step = (eb: EventBatch) => EventBatch;
