import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { loadRunConfig } from "../config/index.js";
import { logDebug } from "../log.js";
import type { RunConfig } from "../config/index.js";
import { defaultWorkerCount } from "../pool/index.js";
import type { WorkerPool } from "../pool/index.js";
import type { SinkFactory } from "../sinks/index.js";
import { materialiseSamples, runSampleRequests } from "../sources/samples.js";
import { ProgressDisplay } from "../servicex/progress.js";
import { displayUrl, isUrl } from "../sources/byte-source.js";
import type { MaterialiseOptions } from "../sources/samples.js";
import { bucketsFor, SHUFFLE_MEMORY_BYTES, ShuffleMemory } from "../stages/index.js";
import type { EventBatch } from "../stages/index.js";
import type { WorkerHandlers } from "../worker.js";
import { EarlyConversion } from "./early.js";
import { startConversionPool } from "./pool-start.js";
import { buildPlan } from "./plan.js";
import type { BuiltPlan, FileScanner } from "./plan.js";
import type { ChainInput } from "./chain.js";
import { runChainSpecs } from "./stages.js";
import { parallel } from "./streams.js";
import type { PipelinePlan, TaskResult, TaskSpec } from "./types.js";

export interface RunPipelineOptions {
  /** Worker threads; 0 runs every task on the calling thread. Default: the config's `workers`, else every core. */
  workers?: number;
  /**
   * Worker threads already started for this run (startConversionPool), for example while the
   * caller loaded its modules. Used if it has the run's worker count, else closed and replaced;
   * the run closes it either way.
   */
  pool?: Promise<WorkerPool<WorkerHandlers>>;
  /** Aborting stops the pool and removes every partial output. */
  signal?: AbortSignal;
  /** A terminal stream to draw a progress bar on (nothing is drawn by default). */
  progress?: NodeJS.WriteStream;
  /**
   * Memory for the shuffle (default 256 MiB): twice the average bucket of the second pass (it
   * sets the bucket count); a quarter of it for the rows pass 1 keeps in memory before it writes
   * buckets to files.
   */
  shuffleMemoryBytes?: number;
  /** How samples given as ServiceX datasets or metadata categories are fetched (endpoint, cache...). */
  servicex?: MaterialiseOptions;
  /**
   * Where the rows of each split go instead of the SALT HDF5 files (sinks/split-sink.ts); the
   * norm and class dicts and the report are still written.
   */
  sink?: SinkFactory;
  /** Read only the first N entries of each sample (overrides the config's `maxEvents`). */
  maxEvents?: number;
  /** Told what the run did to its output directory besides writing (stale files removed...); default: stderr. */
  notice?: (message: string) => void;
}

/** The notice callback of a run: the caller's, else a line on stderr. */
export function noticeOf(options: RunPipelineOptions): (message: string) => void {
  return options.notice ?? ((message) => process.stderr.write(`sxflow: ${message}\n`));
}

/** What a conversion (a whole run, or one shard of it) works with: its config, threads and identity. */
export interface RunSession {
  cfg: RunConfig;
  /** Threads for conversion and compression (the resolved worker count). */
  workers: number;
  /** Converts tasks; runs them on the calling thread for a session that converts none (a merge). */
  pool: WorkerPool<WorkerHandlers>;
  /** Tells this run's open files and compiled plan apart in the workers. */
  runId: string;
  /** performance.now() when the run started. */
  started: number;
  /** performance.now() when the configuration was loaded and its samples materialised. */
  samplesReady: number;
  options: RunPipelineOptions;
  /** Results of `delivery: stream` files converted while their transform ran. */
  early?: EarlyConversion;
}

/**
 * The resolved configuration stored in every file's `config` attribute. The worker count given to
 * runPipeline is not part of it, so that the files do not depend on it. Shards and their merge
 * compare it to tell whether they belong to the same run.
 */
export function configAttr(config: RunConfig): string {
  // Signed URLs of streamed samples are recorded without their query: the signature is a credential.
  return JSON.stringify(config, (_key, value: unknown) => (typeof value === "string" && isUrl(value) ? displayUrl(value) : value));
}

/**
 * Loads and materialises the configuration, starts the worker pool, runs `body` and always stops
 * the pool again; an abort is reported with the caller's reason.
 */
export async function withSession<T>(
  config: RunConfig | string,
  options: RunPipelineOptions,
  body: (session: RunSession) => Promise<T>,
  converts = true,
): Promise<T> {
  const started = performance.now();
  // The threads start, and load the chain's modules and the readers, while this thread loads the
  // configuration when their count is known (the caller's pool or worker count), else once it is.
  const threads = (workers: number) => (converts ? workers : 0);
  const starting = options.pool ?? (options.workers !== undefined ? startConversionPool(threads(options.workers)) : undefined);
  let given: RunConfig;
  try {
    given = typeof config === "string" ? await loadRunConfig(config) : config;
  } catch (err) {
    await (await starting)?.close();
    throw err;
  }
  // Part of the configuration from here on: recorded in every output, compared by shards and merges.
  const loaded = options.maxEvents === undefined ? given : { ...given, maxEvents: options.maxEvents };
  const workers = options.workers ?? loaded.workers ?? defaultWorkerCount();
  let pool = await (starting ?? startConversionPool(threads(workers)));
  if (pool.workers !== threads(workers)) {
    await pool.close();
    pool = await startConversionPool(threads(workers));
  }
  const runId = randomUUID();
  logDebug("run.start", { config: loaded.source, run: runId, workers: pool.workers, samples: loaded.samples.length, maxEvents: loaded.maxEvents });
  // Files of `delivery: stream` samples are converted as the transform reports them, and the
  // progress lines show the conversion beside the transform.
  // (runSampleRequests builds the query, which checks the expressions: only for runs that stream.)
  const streams = converts && loaded.samples.some((s) => s.servicex?.delivery === "stream") ? runSampleRequests(loaded).filter((r) => r.stream) : [];
  const sx = options.servicex ?? {};
  const display = streams.length > 0 ? (sx.display ?? new ProgressDisplay(process.stderr, sx.progress ?? process.stderr.isTTY === true)) : undefined;
  for (const r of streams) display!.update(r.spec.Name, { converted: { files: 0, events: 0 } });
  // Once the delivery is over, the terminal belongs to the run's own progress bar.
  let delivering = true;
  const early = display
    ? new EarlyConversion(pool, loaded, options.signal, undefined, (request, converted) => delivering && display.update(request, { converted }))
    : undefined;
  try {
    // Samples named by ServiceX dataset or metadata category become local files (cached) or URLs first.
    const cfg = await materialiseSamples(loaded, {
      ...sx,
      signal: options.signal,
      ...(early ? { display: display!, onSampleFile: (sample: number, file: string, request: string) => early.add(sample, file, request) } : {}),
    });
    delivering = false;
    display?.stop();
    options.signal?.throwIfAborted();
    const samplesReady = performance.now();
    return await body({ cfg, workers, pool, runId, started, samplesReady, options, ...(early ? { early } : {}) });
  } catch (err) {
    // The pool reports an abort as its own error; the caller asked with a reason.
    throw options.signal?.aborted ? options.signal.reason : err;
  } finally {
    if (delivering) display?.stop();
    delivering = false;
    await early?.settle();
    // In-thread runs keep their files open in this thread until here; worker threads go with the pool.
    if (pool.workers === 0) await pool.run("releaseRun", runId).catch(() => undefined);
    await pool.close();
  }
}

/** Scans a file in a worker of the session, where it stays open for the run's tasks. */
export function poolScanner(session: RunSession): FileScanner {
  const { pool, runId } = session;
  const signal = session.options.signal;
  return async (path, format, tree) => {
    const s = await pool.run("scanFile", { run: runId, path, format, tree }, undefined, signal);
    return { ...s, branches: new Map(s.branches) };
  };
}

/** Plans the run: every file is scanned by the workers, concurrently, and stays open there for the tasks. */
export function planSession(session: RunSession): Promise<BuiltPlan> {
  return buildPlan(session.cfg, { id: session.runId, scan: poolScanner(session) });
}

/** The shuffle's bucket count for the whole run (0 when the run does not shuffle). */
export function shuffleBuckets(session: RunSession, built: BuiltPlan): number {
  return bucketCount(session.cfg, built, session.options.shuffleMemoryBytes);
}

/** The budget of rows pass 1 keeps in memory, shared by a run's (or a shard's) three splits: a quarter of the shuffle memory. */
export function passOneMemory(session: RunSession): ShuffleMemory {
  return new ShuffleMemory((session.options.shuffleMemoryBytes ?? SHUFFLE_MEMORY_BYTES) / 4);
}

/** Buckets per split for a plan: the configured count, or one per `memoryBytes` (default 256 MiB) of rows. */
export function bucketCount(cfg: RunConfig, built: BuiltPlan, memoryBytes = SHUFFLE_MEMORY_BYTES): number {
  if (!cfg.shuffle.enabled) return 0;
  return Math.min(cfg.shuffle.buckets ?? bucketsFor(built.totalEntries, built.plan.rowBytes, memoryBytes), 65536);
}

/** Results a `delivery: stream` run converted while ServiceX was still delivering, for `parallel`'s reuse. */
export function earlyResults(session: RunSession, plan: PipelinePlan): ((input: ChainInput) => Promise<EventBatch> | undefined) | undefined {
  const { early } = session;
  return early && ((input) => early.take(plan, input as TaskSpec));
}

/** Converts `tasks` on the pool (the run's chain of stages); results come in task order whatever the worker count. */
export async function* convertTasks(session: RunSession, plan: PipelinePlan, tasks: readonly TaskSpec[]): AsyncGenerator<TaskResult> {
  const converted = parallel(runChainSpecs(plan), { pool: session.pool, signal: session.options.signal, reuse: earlyResults(session, plan) });
  Readable.from(tasks).pipe(converted);
  for await (const eb of converted as AsyncIterable<EventBatch>) yield eb as TaskResult;
}
