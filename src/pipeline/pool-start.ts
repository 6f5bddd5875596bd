import { createWorkerPool } from "../pool/worker-pool.js";
import type { WorkerPool } from "../pool/worker-pool.js";
import type { WorkerHandlers } from "../worker.js";
import { workerModule } from "../worker-module.js";
import { zstdModule } from "../wasm/zstd-module.js";

/**
 * Starts a conversion's worker threads (none for `workers` 0: tasks then run on the calling
 * thread). Each thread loads the chain's modules and the readers as soon as it starts (the
 * pool's warm-up), so that this overlaps what the caller still does before the first task. A
 * small module on purpose: the CLI starts the threads before loading the conversion's modules.
 * The threads receive zstd's WebAssembly module compiled here (a few ms), so that they share one
 * copy of its code and of its optimisation (wasm/zstd-module.ts).
 */
export function startConversionPool(workers: number): Promise<WorkerPool<WorkerHandlers>> {
  return createWorkerPool<WorkerHandlers>({ module: workerModule(), workers, warm: "loadPipeline", shared: workers > 0 ? { zstd: zstdModule() } : undefined });
}
