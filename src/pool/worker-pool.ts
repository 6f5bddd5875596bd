import { availableParallelism } from "node:os";
import { Piscina } from "piscina";

/** A named task function exported by a worker module. */
export type TaskFunction = (payload: unknown) => unknown;

export interface WorkerPoolOptions {
  /** Module exporting the task functions by name, given as a URL beside the caller. */
  module: URL;
  /** Worker threads; 0 runs tasks on the calling thread (debugging, tiny inputs). */
  workers: number;
}

export interface WorkerPool {
  readonly workers: number;
  run<R>(task: string, payload: unknown, transferList?: ArrayBuffer[], signal?: AbortSignal): Promise<R>;
  close(): Promise<void>;
}

/** Default worker count: every core, as the pipeline is CPU-bound. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/**
 * Workers load compiled JavaScript in production. Under tsx or vitest the task module is
 * TypeScript source, which a Node 20 worker cannot load by itself: a small CommonJS entry
 * registers tsx inside the worker first.
 */
function workerEntry(module: URL): { filename: string; workerData?: { sxflowTaskModule: string } } {
  if (!module.pathname.endsWith(".ts")) return { filename: module.href };
  return { filename: new URL("./ts-worker.cjs", import.meta.url).href, workerData: { sxflowTaskModule: module.href } };
}

export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  if (options.workers <= 0) {
    const tasks = (await import(options.module.href)) as Record<string, TaskFunction>;
    return {
      workers: 0,
      async run<R>(task: string, payload: unknown): Promise<R> {
        const fn = tasks[task];
        if (!fn) throw new Error(`worker module ${options.module.pathname} has no task "${task}"`);
        return (await fn(payload)) as R;
      },
      async close() {},
    };
  }
  const piscina = new Piscina({
    ...workerEntry(options.module),
    minThreads: options.workers,
    maxThreads: options.workers,
  });
  return {
    workers: options.workers,
    run<R>(task: string, payload: unknown, transferList?: ArrayBuffer[], signal?: AbortSignal): Promise<R> {
      // The signal is not handed to Piscina: when it cancels a task whose worker answers at the
      // same moment, Piscina throws "Unexpected message from Worker" as an uncaught exception.
      // An abort rejects at once here instead; the task finishes unobserved and close() ends it.
      if (signal?.aborted) return Promise.reject(signal.reason);
      const result = piscina.run(payload, { name: task, transferList }) as Promise<R>;
      if (!signal) return result;
      result.catch(() => undefined);
      return new Promise<R>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        result.then(
          (value) => {
            signal.removeEventListener("abort", onAbort);
            resolve(value);
          },
          (err: unknown) => {
            signal.removeEventListener("abort", onAbort);
            reject(err);
          },
        );
      });
    },
    close: () => piscina.destroy(),
  };
}
