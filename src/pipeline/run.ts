import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { RunConfig } from "../config/index.js";
import { OutputDir } from "../output-dir/index.js";
import { BucketShuffler, SPLIT_NAMES } from "../stages/index.js";
import type { EventBatch } from "../stages/index.js";
import { finishRun, RunSink, startReportPage } from "./finish.js";
import { Progress } from "./progress.js";
import { PhaseTimer, ReportBuilder } from "./report.js";
import type { SplitBuckets } from "./second-pass.js";
import type { PipelineReport } from "./report.js";
import { earlyResults, noticeOf, passOneMemory, planSession, shuffleBuckets, withSession } from "./session.js";
import type { RunPipelineOptions, RunSession } from "./session.js";
import { runChainSpecs } from "./stages.js";
import { parallel, splitBlocks, statisticsStream, taskSource } from "./streams.js";

/**
 * Runs the conversion: every sample's files -> cuts -> padded groups -> labels and splits ->
 * globally shuffled train/val/test HDF5 files, norm_dict.yaml, class_dict.yaml and a report.
 * Outputs appear only when everything succeeded; on an error or an abort none is left behind.
 */
export function runPipeline(config: RunConfig | string, options: RunPipelineOptions = {}): Promise<PipelineReport> {
  return withSession(config, options, convert);
}

async function convert(session: RunSession): Promise<PipelineReport> {
  // The output directory first: a locked or unwritable one fails before any file is read.
  const output = await OutputDir.open(session.cfg.output.dir, noticeOf(session.options));
  try {
    return await convertInto(session, output);
  } finally {
    await output.close();
  }
}

async function convertInto(session: RunSession, output: OutputDir): Promise<PipelineReport> {
  const { cfg } = session;
  const { signal } = session.options;
  const phases = new PhaseTimer(session.started);
  phases.end("configuration and samples", session.samplesReady);
  const built = await planSession(session);
  const { plan, tasks, totalEntries } = built;
  phases.end("plan (scan files)");

  const report = new ReportBuilder(cfg, plan.groups);
  const sink = new RunSink(session, plan, output);
  const shufflers: (BucketShuffler | undefined)[] = [];
  const progress = session.options.progress ? new Progress(session.options.progress, totalEntries) : undefined;
  // Its thread loads the plotting library during the conversion; finishRun draws and closes it.
  const reportPage = startReportPage(session);
  try {
    const buckets = shuffleBuckets(session, built);
    if (buckets > 0) {
      // The splits' rows stay in memory together while they fit, and go to the second pass's threads from there.
      const memory = passOneMemory(session);
      for (let s = 0; s < SPLIT_NAMES.length; s++) {
        shufflers.push(await BucketShuffler.create({ rowBytes: plan.rowBytes, buckets, seed: cfg.shuffle.seed + s, tmpDir: output.staging, memory }));
      }
    }

    // Pass 1, built from the stream stages: the run's chain of stages on the pool, tasks in order
    // (everything downstream sees the same sequence for any worker count), the statistics merged
    // in that order, rows routed by their task's own shuffle stream, as a shard of the run routes them.
    const routeRows = async (eb: EventBatch): Promise<void> => {
      for (const [s, bytes] of splitBlocks(eb, plan.rowBytes)) {
        const shuffler = shufflers[s];
        if (shuffler) await shuffler.write(bytes, eb.header.index);
        else await sink.append(s, bytes);
      }
    };
    const route = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(eb: EventBatch, _encoding, callback) {
        report.add(eb.header);
        routeRows(eb).then(() => {
          progress?.update(report.eventsRead);
          callback();
        }, callback);
      },
    });
    const statistics = statisticsStream();
    const converted = parallel(runChainSpecs(plan), { pool: session.pool, signal, reuse: earlyResults(session, plan) });
    await pipeline(taskSource(tasks), converted, statistics, route);
    signal?.throwIfAborted();
    phases.end("convert (pass 1)");
    // Pass 2: each shuffled split's buckets, permuted on the workers, into its file.
    const spills: (SplitBuckets | undefined)[] = [];
    for (const [s, shuffler] of shufflers.entries()) {
      const buckets = shuffler?.bucketRows().map((b) => [
        ...(b.onDisk > 0 ? [{ shard: "this run", file: b.file, bytes: b.onDisk }] : []),
        ...(b.inMemory > 0 ? [{ rows: b.rows, bytes: b.inMemory }] : []),
      ]);
      spills.push(buckets && { seed: cfg.shuffle.seed + s, buckets });
    }
    const common = { session, sink, output, report, layout: plan, stats: statistics.partials, progress, phases };
    return await finishRun({ ...common, buckets: spills, pool: session.pool, removeBuckets: true, ...(reportPage ? { reportPage } : {}) });
  } catch (err) {
    progress?.done();
    await reportPage?.close();
    await sink.abort().catch(() => undefined);
    throw err;
  } finally {
    for (const s of shufflers) await s?.close().catch(() => undefined);
  }
}
