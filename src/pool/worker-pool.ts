import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { Piscina, workerData } from "piscina";

/**
 * The functions a worker module offers, by task name. A worker module exports its table as
 * `handlers` and `dispatcher(handlers)` as its default export; pools are typed by the table, so a
 * task name or payload that the table does not have is a compile error, not a lookup at run time.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler takes its own payload type
export type HandlerTable = Record<string, (payload: any) => unknown>;

/** One call of a task: what crosses to the worker thread. */
export interface TaskCall<H extends HandlerTable> {
  task: keyof H & string;
  payload: unknown;
}

/** What a pool tells its threads when it starts them. */
interface PoolThreadData {
  /** The task module, when the thread's entry is ts-worker.cjs. */
  sxflowTaskModule?: string;
  /** A handler that every thread runs (without payload) as soon as it has loaded the module. */
  sxflowWarm?: string;
  /** What the pool's owner gives every thread (see WorkerPoolOptions.shared). */
  sxflowShared?: unknown;
}

/** On a pool's thread: what its owner gave the pool's threads (`shared`), else undefined. */
export function sharedWithThread(): unknown {
  return (workerData as PoolThreadData | null | undefined)?.sxflowShared;
}

/** The default export of a worker module: runs the named handler of its table. */
export function dispatcher<H extends HandlerTable>(handlers: H): (call: TaskCall<H>) => unknown {
  // On a pool's thread (none on the calling thread of an in-thread pool): the warm-up handler
  // loads what the thread's first task will need while the pool's owner is still preparing it;
  // a failure there is the first task's to report.
  const warm = (workerData as PoolThreadData | null | undefined)?.sxflowWarm;
  if (warm) void Promise.resolve(undefined).then(handlers[warm]).catch(() => undefined);
  return (call) => {
    const fn = handlers[call.task];
    if (!fn) throw new Error(`worker: no task "${call.task}"`);
    return fn(call.payload);
  };
}

export interface WorkerPoolOptions {
  /** Module exporting a handler table (see HandlerTable), given as a URL beside the caller. */
  module: URL;
  /** Worker threads; 0 runs tasks on the calling thread (debugging, tiny inputs). */
  workers: number;
  /**
   * A handler of the module that each thread runs as soon as it starts (loading the modules its
   * tasks need), so that this happens while the caller still prepares the first tasks.
   */
  warm?: string;
  /**
   * Given to every thread as it starts (a structured clone: a WebAssembly.Module arrives compiled,
   * its code shared with this thread's copy); the worker module reads it with sharedWithThread().
   */
  shared?: unknown;
}

export interface WorkerPool<H extends HandlerTable> {
  readonly workers: number;
  run<K extends keyof H & string>(
    task: K,
    payload: Parameters<H[K]>[0],
    transferList?: ArrayBuffer[],
    signal?: AbortSignal,
  ): Promise<Awaited<ReturnType<H[K]>>>;
  close(): Promise<void>;
}

/** Default worker count: every core, as the pipeline is CPU-bound. */
export function defaultWorkerCount(): number {
  return availableParallelism();
}

/** The compiled `<name>.js` beside `base`, or its TypeScript source when running from sources (tsx, vitest). */
export function moduleBeside(base: string, name: string): URL {
  const js = new URL(`${name}.js`, base);
  return existsSync(js) ? js : new URL(`${name}.ts`, base);
}

/**
 * Workers load compiled JavaScript in production. Under tsx or vitest the task module is
 * TypeScript source, which a Node 20 worker cannot load by itself: a small CommonJS entry
 * registers tsx inside the worker first.
 */
function workerEntry(module: URL, warm: string | undefined, shared: unknown): { filename: string; workerData: PoolThreadData } {
  const data: PoolThreadData = warm ? { sxflowWarm: warm } : {};
  if (shared !== undefined) data.sxflowShared = shared;
  if (!module.pathname.endsWith(".ts")) return { filename: module.href, workerData: data };
  return { filename: new URL("./ts-worker.cjs", import.meta.url).href, workerData: { ...data, sxflowTaskModule: module.href } };
}

/**
 * A pool of `threads` (at least 1) worker threads running the module's handlers; each runs `warm`
 * first if given, and receives `shared` (see WorkerPoolOptions).
 */
export function createThreadPool<H extends HandlerTable>(module: URL, threads: number, warm?: keyof H & string, shared?: unknown): WorkerPool<H> {
  const piscina = new Piscina({ ...workerEntry(module, warm, shared), minThreads: threads, maxThreads: threads });
  let closing: Promise<void> | undefined;
  /** Tasks sent and not yet answered, including those whose caller stopped waiting (abort). */
  const inFlight = new Set<Promise<unknown>>();
  return {
    workers: threads,
    run(task, payload, transferList, signal) {
      type R = Awaited<ReturnType<H[typeof task]>>;
      // The signal is not handed to Piscina: when it cancels a task whose worker answers at the
      // same moment, Piscina throws "Unexpected message from Worker" as an uncaught exception.
      // An abort rejects at once here instead; the task finishes unobserved and close() ends it.
      if (signal?.aborted) return Promise.reject(signal.reason);
      // Piscina would start a new thread for it, which nothing would stop.
      if (closing) return Promise.reject(new Error(`worker pool: task "${task}" after the pool was closed`));
      const call: TaskCall<H> = { task, payload };
      const result = piscina.run(call, { transferList }) as Promise<R>;
      const settled: Promise<unknown> = result.then(
        (): void => void inFlight.delete(settled),
        (): void => void inFlight.delete(settled),
      );
      inFlight.add(settled);
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
    close: () => (closing ??= drainThenDestroy(piscina, inFlight)),
  };
}

/** How long close() waits for tasks in flight before it terminates their threads anyway. */
const DRAIN_MS = 10_000;

/**
 * Piscina's destroy() drops the tasks in flight; when one of their threads answers in that moment,
 * Piscina throws "Unexpected message from Worker" as an uncaught exception (seen after a failing
 * stage, whose sibling tasks were still running). Tasks are bounded pieces of work, so close()
 * lets them finish first; a thread stuck longer than DRAIN_MS is terminated regardless.
 */
async function drainThenDestroy(piscina: Piscina, inFlight: Set<Promise<unknown>>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, DRAIN_MS);
    timer.unref();
  });
  await Promise.race([Promise.allSettled([...inFlight]), timeout]);
  clearTimeout(timer);
  await piscina.destroy();
}

export async function createWorkerPool<H extends HandlerTable>(options: WorkerPoolOptions): Promise<WorkerPool<H>> {
  if (options.workers > 0) return createThreadPool<H>(options.module, options.workers, options.warm, options.shared);
  const { handlers } = (await import(options.module.href)) as { handlers: H };
  return {
    workers: 0,
    run(task, payload) {
      const fn = handlers[task];
      if (!fn) return Promise.reject(new Error(`worker module ${options.module.pathname} has no task "${task}"`));
      // A handler that throws at once rejects, as it does on a worker thread.
      return Promise.resolve(payload).then(fn) as Promise<Awaited<ReturnType<H[typeof task]>>>;
    },
    async close() {},
  };
}
