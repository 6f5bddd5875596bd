import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { loadRunConfig } from "../config/index.js";
import type { RunConfig } from "../config/index.js";
import { createWorkerPool, defaultWorkerCount, moduleBeside, orderedMap } from "../pool/index.js";
import type { WorkerPool } from "../pool/index.js";
import { outputPaths, SaltWriter, writeClassDict, writeFileAtomic, writeNormDict } from "../sinks/index.js";
import { materialiseSamples } from "../sources/index.js";
import type { MaterialiseOptions } from "../sources/index.js";
import { BucketShuffler, bucketsFor, classWeights, finalizePartials, mergePartials, SPLIT_NAMES } from "../stages/index.js";
import type { NormDict, StatsPartials } from "../stages/index.js";
import { VERSION } from "../version.js";
import type { WorkerHandlers } from "../worker.js";
import { buildPlan, PipelineError } from "./plan.js";
import type { FileScanner } from "./plan.js";
import { Progress } from "./progress.js";
import { ReportBuilder } from "./report.js";
import type { PipelineReport } from "./report.js";

export interface RunPipelineOptions {
  /** Worker threads; 0 runs every task on the calling thread. Default: the config's `workers`, else every core. */
  workers?: number;
  /** Aborting stops the pool and removes every partial output. */
  signal?: AbortSignal;
  /** A terminal stream to draw a progress bar on (nothing is drawn by default). */
  progress?: NodeJS.WriteStream;
  /** Memory for one shuffle bucket in the second pass (default 256 MiB); sets the bucket count. */
  shuffleMemoryBytes?: number;
  /** How samples given as ServiceX datasets or metadata categories are fetched (endpoint, cache...). */
  servicex?: MaterialiseOptions;
}

/**
 * The resolved configuration stored in every file's `config` attribute. The worker count given to
 * runPipeline is not part of it, so that the files do not depend on it.
 */
function configAttr(config: RunConfig): string {
  return JSON.stringify(config);
}

/**
 * Runs the conversion: every sample's files -> cuts -> padded groups -> labels and splits ->
 * globally shuffled train/val/test HDF5 files, norm_dict.yaml, class_dict.yaml and a report.
 * Outputs appear only when everything succeeded; on an error or an abort none is left behind.
 */
export async function runPipeline(config: RunConfig | string, options: RunPipelineOptions = {}): Promise<PipelineReport> {
  const started = performance.now();
  const loaded = typeof config === "string" ? await loadRunConfig(config) : config;
  // Samples named by ServiceX dataset or metadata category become local files first (cached).
  const cfg = await materialiseSamples(loaded, { ...options.servicex, signal: options.signal });
  options.signal?.throwIfAborted();
  const workers = options.workers ?? cfg.workers ?? defaultWorkerCount();
  const pool = await createWorkerPool<WorkerHandlers>({ module: moduleBeside(import.meta.url, "../worker"), workers });
  const runId = randomUUID();
  try {
    return await convert(cfg, options, pool, runId, started);
  } catch (err) {
    // The pool reports an abort as its own error; the caller asked with a reason.
    throw options.signal?.aborted ? options.signal.reason : err;
  } finally {
    // In-thread runs keep their files open in this thread until here; worker threads go with the pool.
    if (pool.workers === 0) await pool.run("releaseRun", runId).catch(() => undefined);
    await pool.close();
  }
}

async function convert(cfg: RunConfig, options: RunPipelineOptions, pool: WorkerPool<WorkerHandlers>, runId: string, started: number): Promise<PipelineReport> {
  const { signal } = options;
  const workers = pool.workers;
  // Files are scanned by the workers, concurrently, and stay open there for the tasks.
  const scan: FileScanner = async (path, format, tree) => {
    const s = await pool.run("scanFile", { run: runId, path, format, tree }, undefined, signal);
    return { ...s, branches: new Map(s.branches) };
  };
  const { plan, tasks, totalEntries } = await buildPlan(cfg, { id: runId, scan });
  const outputs = outputPaths(cfg);
  await mkdir(cfg.output.dir, { recursive: true });

  const report = new ReportBuilder(cfg);
  const writer = new SaltWriter(plan, {
    dir: cfg.output.dir,
    name: cfg.output.name,
    compression: cfg.output.compression,
    level: cfg.output.level,
    encoderThreads: workers,
    attrs: { sxflow_version: VERSION, config: configAttr(cfg) },
  });
  const shufflers: (BucketShuffler | undefined)[] = [];
  const progress = options.progress ? new Progress(options.progress, totalEntries) : undefined;
  let wrote: string[] = [];
  try {
    if (cfg.shuffle.enabled) {
      const buckets = cfg.shuffle.buckets ?? bucketsFor(totalEntries, plan.rowBytes, options.shuffleMemoryBytes ?? 256 * 2 ** 20);
      for (let s = 0; s < SPLIT_NAMES.length; s++) {
        shufflers.push(await BucketShuffler.create({ rowBytes: plan.rowBytes, buckets: Math.min(buckets, 65536), seed: cfg.shuffle.seed + s, tmpDir: cfg.output.dir }));
      }
    }

    // Pass 1: tasks in order; everything downstream of this loop sees the same sequence for any worker count.
    const task = workers > 0 ? "convertRangeMoved" : "convertRange";
    const run = (t: (typeof tasks)[number]) => pool.run(task, { plan, task: t }, undefined, signal);
    let stats: StatsPartials = {};
    for await (const result of orderedMap(tasks, run, { concurrency: Math.max(2, workers * 2), signal })) {
      const h = result.header;
      report.add(h);
      stats = mergePartials(stats, h.stats);
      let offset = 0;
      for (let s = 0; s < SPLIT_NAMES.length; s++) {
        const bytes = result.rows.subarray(offset, offset + h.splitRows[s]! * plan.rowBytes);
        offset += bytes.length;
        if (bytes.length === 0) continue;
        const shuffler = shufflers[s];
        if (shuffler) await shuffler.write(bytes);
        else await writer.append(s, bytes);
      }
      progress?.update(report.eventsRead);
    }
    signal?.throwIfAborted();

    let normDict: NormDict;
    try {
      normDict = finalizePartials(stats);
    } catch (err) {
      throw new PipelineError(`${(err as Error).message} (statistics of the train split, written to norm_dict.yaml)`);
    }
    const weights = classWeights(report.trainCounts(), { method: cfg.classWeights.method, empty: cfg.classWeights.empty, classNames: cfg.classes });

    // Pass 2: each shuffled split's buckets, permuted, into its file.
    for (const [s, shuffler] of shufflers.entries()) {
      if (!shuffler) continue;
      for await (const chunk of shuffler.rows()) {
        signal?.throwIfAborted();
        await writer.append(s, chunk);
      }
    }

    writer.setDatasetAttr(cfg.globalGroup, cfg.labelField, cfg.classes);
    SPLIT_NAMES.forEach((split, s) => {
      writer.setFileAttr(split, "num_events", writer.rows(s));
      writer.setFileAttr(split, "class_counts", JSON.stringify(Object.fromEntries(cfg.classes.map((c, k) => [c, report.perClass[s]![k]!]))));
    });
    const seconds = (performance.now() - started) / 1000;
    const final = report.finish({ sxflowVersion: VERSION, workers, classWeights: weights, normDict, outputs, seconds });
    signal?.throwIfAborted();
    // Each output is renamed into place when complete; should a later one fail, those already in
    // place are removed again, so that no incomplete set of outputs is left.
    await writer.close();
    wrote = SPLIT_NAMES.map((s) => outputs[s]!);
    await writeNormDict(outputs.normDict!, normDict);
    wrote.push(outputs.normDict!);
    await writeClassDict(outputs.classDict!, { [cfg.globalGroup]: { [cfg.labelField]: weights } });
    wrote.push(outputs.classDict!);
    await writeFileAtomic(outputs.report!, `${JSON.stringify(final, null, 2)}\n`);
    progress?.done(`${final.eventsRead.toLocaleString("en-US")} events in ${seconds.toFixed(1)} s`);
    return final;
  } catch (err) {
    progress?.done();
    await writer.abort().catch(() => undefined);
    await Promise.all(wrote.map((p) => rm(p, { force: true })));
    throw err;
  } finally {
    for (const s of shufflers) await s?.close().catch(() => undefined);
  }
}
