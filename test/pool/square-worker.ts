import { threadId } from "node:worker_threads";
import { dispatcher } from "../../src/pool/index.js";

/** Test worker: squares a Float64Array in place and reports which thread did it. */
function square(payload: { values: Float64Array; delayMs: number }): { values: Float64Array; thread: number } {
  const end = Date.now() + payload.delayMs;
  while (Date.now() < end) {
    // Busy wait so tasks finish out of order across threads.
  }
  for (let i = 0; i < payload.values.length; i++) payload.values[i] = payload.values[i]! ** 2;
  return { values: payload.values, thread: threadId };
}

function fail(payload: { message: string }): never {
  throw new Error(payload.message);
}

export const handlers = { square, fail };
export type SquareHandlers = typeof handlers;
export default dispatcher(handlers);
