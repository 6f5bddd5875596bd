import type { RunConfig } from "../config/index.js";
import type { OutputDir } from "../output-dir/index.js";
import { writeFileAtomic } from "../sinks/atomic-write.js";
import { outputPaths } from "../sinks/paths.js";
import { writeClassDict, writeNormDict } from "../sinks/salt-dicts.js";
import { saltSink } from "../sinks/split-sink.js";
import type { RunSummary, SaltSplitSink, SinkContext, SinkFactory, SplitSink } from "../sinks/split-sink.js";
import { classWeights, finalizePartials, SECOND_PASS_CHUNK_ROWS, SPLIT_NAMES } from "../stages/index.js";
import type { WorkerPool } from "../pool/index.js";
import type { WorkerHandlers } from "../worker.js";
import { secondPass } from "./second-pass.js";
import type { PermutedBucket, SplitBuckets } from "./second-pass.js";
import type { NormDict, RecordLayout, StatsPartials } from "../stages/index.js";
import { VERSION } from "../version.js";
import { PipelineError } from "./plan.js";
import type { Progress } from "./progress.js";
import { writeSaltConfig } from "../sinks/salt-config.js";
import { ReportPage } from "../report/write.js";
import { PhaseTimer } from "./report.js";
import type { PipelineReport, ReportBuilder } from "./report.js";
import { configAttr } from "./session.js";
import type { RunSession } from "./session.js";
import { count } from "../text/count.js";

/** The configuration with the output directory replaced by the run's staging directory. */
function staged(cfg: RunConfig, output: OutputDir): RunConfig {
  return { ...cfg, output: { ...cfg.output, dir: output.staging } };
}

/** The Arrow sink, loaded with its first use: apache-arrow is not loaded by runs that write HDF5. */
const arrowSink: SinkFactory = (context) => {
  const sink = import("../sinks/arrow.js").then((m) => m.arrowSplitSink(context));
  sink.catch(() => undefined);
  return {
    append: async (split, rows) => (await sink).append(split, rows),
    close: async (summary) => (await sink).close(summary),
    abort: async () => (await sink).abort(),
  };
};

/**
 * A run's sink (the SALT files unless the options name another), counting the rows of each split.
 * It writes into the run's staging directory; `finishRun` commits what it wrote.
 */
export class RunSink implements SplitSink {
  readonly rows: number[] = SPLIT_NAMES.map(() => 0);
  private readonly sink: SplitSink;
  private readonly groups: SaltSplitSink | undefined;

  /** `pool`: worker threads to compress on (default: the session's). */
  constructor(
    session: RunSession,
    private readonly layout: RecordLayout,
    output: OutputDir,
    workers: WorkerPool<WorkerHandlers> = session.pool,
  ) {
    const { cfg } = session;
    // The files record the configuration as given (output.dir included), not the staging directory.
    // Chunks are compressed on the run's own worker threads: no extra threads to start.
    const pool = workers.workers > 0 ? { pool: workers } : {};
    const context: SinkContext = { config: staged(cfg, output), layout, threads: session.workers, ...pool, attrs: { sxflow_version: VERSION, config: configAttr(cfg) } };
    if (session.options.sink || cfg.output.format === "arrow") {
      this.sink = (session.options.sink ?? arrowSink)(context);
    } else {
      const salt = saltSink(context);
      this.sink = salt;
      this.groups = salt;
    }
  }

  /** Whether the sink takes rows group by group (appendGroups): the SALT files do. */
  get byGroup(): boolean {
    return this.groups !== undefined;
  }

  append(split: number, rows: Uint8Array): Promise<void> {
    this.rows[split]! += rows.length / this.layout.rowBytes;
    return this.sink.append(split, rows);
  }

  appendGroups(split: number, groups: readonly Uint8Array[], rows: number): Promise<void> {
    this.rows[split]! += rows;
    return this.groups!.appendGroups(split, groups, rows);
  }

  close(summary: RunSummary): Promise<void> {
    return this.sink.close(summary);
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}

/**
 * A permuted bucket into the sink, SECOND_PASS_CHUNK_ROWS rows at a time: the pieces in which the
 * single-threaded second pass gave them, which decide how the datasets' chunks interleave.
 */
async function appendBucket(sink: RunSink, layout: RecordLayout, bucket: PermutedBucket, byGroup: boolean): Promise<void> {
  const { split, rows, bytes } = bucket;
  const widths = layout.groups.map((g) => g.recordBytes * (g.global ? 1 : g.max));
  const starts = widths.map((_w, g) => rows * widths.slice(0, g).reduce((a, b) => a + b, 0));
  for (let at = 0; at < rows; at += SECOND_PASS_CHUNK_ROWS) {
    const end = Math.min(rows, at + SECOND_PASS_CHUNK_ROWS);
    if (byGroup) await sink.appendGroups(split, widths.map((w, g) => bytes.subarray(starts[g]! + at * w, starts[g]! + end * w)), end - at);
    else await sink.append(split, bytes.subarray(at * layout.rowBytes, end * layout.rowBytes));
  }
}

/**
 * Starts the report page's thread when the run writes a page: called as the conversion starts, so
 * that the plotting library loads (on its own thread) during the run rather than after it.
 */
export function startReportPage(session: RunSession): ReportPage | undefined {
  return session.cfg.report.html ? new ReportPage(session.workers) : undefined;
}

export interface FinishInput {
  session: RunSession;
  sink: RunSink;
  layout: RecordLayout;
  /** The locked output directory whose staging directory the sink writes into. */
  output: OutputDir;
  /** Counters of every task, added in task order. */
  report: ReportBuilder;
  /** Train statistics of every task, merged in task order. */
  stats: StatsPartials;
  /** Each split's shuffle buckets for the second pass (none for a split whose rows were appended during pass 1). */
  buckets: readonly (SplitBuckets | undefined)[];
  /** Threads of the second pass (and of the sink's compression). */
  pool: WorkerPool<WorkerHandlers>;
  /** Remove the bucket files as the second pass reads them (a run's own spill). */
  removeBuckets?: boolean;
  /** Rows of a split to append in order without a shuffle (a merge of unshuffled shards). */
  unshuffled?: (split: number) => AsyncIterable<Uint8Array> | undefined;
  progress?: Progress;
  /** Seconds spent elsewhere on this run (a merge's shards), added to the report's time. */
  otherSeconds?: number;
  /** The run's phases so far; the phases of this function are added. */
  phases?: PhaseTimer;
  /** The report page, if its thread started earlier (startReportPage); closed here. */
  reportPage?: ReportPage;
}

/**
 * Everything after the first pass, shared by a run and the merge of its shards so that both write
 * the same bytes: the normalisation and class weights, the shuffle's second pass into the SALT
 * files, their attributes, then norm_dict.yaml, class_dict.yaml and the report, all staged, then
 * committed into the output directory as one set (the previous outputs stay whole until then).
 */
export async function finishRun(input: FinishInput): Promise<PipelineReport> {
  const page = input.reportPage ?? startReportPage(input.session);
  try {
    return await finish(input, page);
  } finally {
    await page?.close();
  }
}

async function finish(input: FinishInput, page: ReportPage | undefined): Promise<PipelineReport> {
  const { session, sink, report, progress } = input;
  const phases = input.phases ?? new PhaseTimer();
  const { cfg } = session;
  const signal = session.options.signal;
  const outputs = outputPaths(cfg);
  const files = outputPaths(staged(cfg, input.output));
  let normDict: NormDict;
  try {
    normDict = finalizePartials(input.stats);
  } catch (err) {
    throw new PipelineError(`${(err as Error).message} (statistics of the train split, written to norm_dict.yaml)`);
  }
  const weights = classWeights(report.trainCounts(), { method: cfg.classWeights.method, empty: cfg.classWeights.empty, classNames: cfg.classes });
  const histograms = report.histogramResult();
  // Everything the page shows but the times is final: drawn while the files are written.
  const reportOf = (seconds: number, phases: Record<string, number>) =>
    report.finish({ sxflowVersion: VERSION, workers: session.workers, classWeights: weights, normDict, outputs, seconds, phases });
  if (histograms) page?.draw({ label: cfg.output.name, report: reportOf(0, {}), histograms });

  for (let s = 0; s < SPLIT_NAMES.length; s++) {
    const rows = input.unshuffled?.(s);
    if (!rows) continue;
    for await (const chunk of rows) {
      signal?.throwIfAborted();
      await sink.append(s, chunk);
    }
  }
  if (input.buckets.some((b) => b)) {
    const { byGroup } = sink;
    const permuted = secondPass(input.pool, input.buckets, { layout: input.layout, byGroup, remove: input.removeBuckets === true, ...(signal ? { signal } : {}) });
    for await (const bucket of permuted) await appendBucket(sink, input.layout, bucket, byGroup);
    phases.end("shuffle (pass 2)");
  }

  signal?.throwIfAborted();
  const elapsed = () => (performance.now() - session.started) / 1000 + (input.otherSeconds ?? 0);
  await sink.close({ rows: sink.rows, classCounts: report.perClass });
  await writeNormDict(files.normDict!, normDict);
  await writeClassDict(files.classDict!, { [cfg.globalGroup]: { [cfg.labelField]: weights } });
  // Staged like the rest, but naming the files where they will be once committed.
  await writeSaltConfig(files.saltConfig!, {
    globalGroup: cfg.globalGroup,
    labelField: cfg.labelField,
    classes: cfg.classes,
    normDict,
    files: { train: outputs.train!, val: outputs.val!, test: outputs.test!, normDict: outputs.normDict!, classDict: outputs.classDict! },
    version: VERSION,
  });
  phases.end("write files");
  const final = reportOf(elapsed(), phases.seconds);
  if (files.page && histograms && page) {
    await page.write({ label: cfg.output.name, report: final, histograms }, files.histograms!, files.page);
    phases.end("report page");
    const seconds = elapsed();
    Object.assign(final, { seconds, eventsPerSecond: seconds > 0 ? Math.round(final.eventsRead / seconds) : 0, phases: { ...phases.seconds } });
  }
  await writeFileAtomic(files.report!, `${JSON.stringify(final, null, 2)}\n`);
  signal?.throwIfAborted();
  await input.output.commit();
  progress?.done(`${count(final.eventsRead)} events in ${final.seconds.toFixed(1)} s`);
  return final;
}
