import { createWorkerPool } from "../pool/worker-pool.js";
import type { WorkerPool } from "../pool/worker-pool.js";
import type { WorkerHandlers } from "../worker.js";
import { workerModule } from "../worker-module.js";

/**
 * Starts a merge's threads (its second pass and compression; none for `workers` 0). Each loads the
 * second pass's modules as it starts (the pool's warm-up). A small module on purpose: the CLI
 * starts the threads before loading the merge's modules, as `sxflow run` does with its own.
 */
export function startMergePool(workers: number): Promise<WorkerPool<WorkerHandlers>> {
  return createWorkerPool<WorkerHandlers>({ module: workerModule(), workers, warm: "loadGather" });
}
