import path from "node:path";
import type { RunConfig } from "../config/index.js";
import type { OutputDir } from "../output-dir/index.js";
import { classWeights, finalizePartials, writeClassDict, writeFileAtomic, writeNormDict } from "../stages/index.js";
import type { NormDict, StatsPartials } from "../stages/index.js";
import { VERSION } from "../version.js";
import { PipelineError } from "./plan.js";
import type { Progress } from "./progress.js";
import type { PipelineReport, ReportBuilder } from "./report.js";
import { configAttr } from "./session.js";
import type { RunSession } from "./session.js";
import type { PipelinePlan } from "./types.js";
import { SPLIT_NAMES } from "./types.js";
import { SaltWriter } from "./writer.js";

/** Output file paths of a run. */
export function outputPaths(config: RunConfig): Record<string, string> {
  const { dir, name } = config.output;
  return {
    ...Object.fromEntries(SPLIT_NAMES.map((s) => [s, path.join(dir, `${name}_${s}.h5`)])),
    normDict: path.join(dir, "norm_dict.yaml"),
    classDict: path.join(dir, "class_dict.yaml"),
    report: path.join(dir, `${name}_report.json`),
  };
}

/** The three SALT files of a run, in the run's staging directory until `finishRun` commits them. */
export function createSaltWriter(session: RunSession, plan: Pick<PipelinePlan, "groups" | "rowBytes">, output: OutputDir): SaltWriter {
  const { cfg } = session;
  return new SaltWriter(plan, {
    dir: output.staging,
    name: cfg.output.name,
    compression: cfg.output.compression,
    level: cfg.output.level,
    encoderThreads: session.workers,
    attrs: { sxflow_version: VERSION, config: configAttr(cfg) },
  });
}

export interface FinishInput {
  session: RunSession;
  writer: SaltWriter;
  /** The locked output directory whose staging directory the writer writes into. */
  output: OutputDir;
  /** Counters of every task, added in task order. */
  report: ReportBuilder;
  /** Train statistics of every task, merged in task order. */
  stats: StatsPartials;
  /** The shuffle's second pass of a split, or undefined when its rows were appended during pass 1. */
  shuffled: (split: number) => AsyncIterable<Uint8Array> | undefined;
  progress?: Progress;
  /** Seconds spent elsewhere on this run (a merge's shards), added to the report's time. */
  otherSeconds?: number;
}

/**
 * Everything after the first pass, shared by a run and the merge of its shards so that both write
 * the same bytes: the normalisation and class weights, the shuffle's second pass into the SALT
 * files, their attributes, then norm_dict.yaml, class_dict.yaml and the report, all staged, then
 * committed into the output directory as one set (the previous outputs stay whole until then).
 */
export async function finishRun(input: FinishInput): Promise<PipelineReport> {
  const { session, writer, report, progress } = input;
  const { cfg } = session;
  const signal = session.options.signal;
  const outputs = outputPaths(cfg);
  let normDict: NormDict;
  try {
    normDict = finalizePartials(input.stats);
  } catch (err) {
    throw new PipelineError(`${(err as Error).message} (statistics of the train split, written to norm_dict.yaml)`);
  }
  const weights = classWeights(report.trainCounts(), { method: cfg.classWeights.method, empty: cfg.classWeights.empty, classNames: cfg.classes });

  for (let s = 0; s < SPLIT_NAMES.length; s++) {
    const rows = input.shuffled(s);
    if (!rows) continue;
    for await (const chunk of rows) {
      signal?.throwIfAborted();
      await writer.append(s, chunk);
    }
  }

  writer.setDatasetAttr(cfg.globalGroup, cfg.labelField, cfg.classes);
  SPLIT_NAMES.forEach((split, s) => {
    writer.setFileAttr(split, "num_events", writer.rows(s));
    writer.setFileAttr(split, "class_counts", JSON.stringify(Object.fromEntries(cfg.classes.map((c, k) => [c, report.perClass[s]![k]!]))));
  });
  const seconds = (performance.now() - session.started) / 1000 + (input.otherSeconds ?? 0);
  const final = report.finish({ sxflowVersion: VERSION, workers: session.workers, classWeights: weights, normDict, outputs, seconds });
  signal?.throwIfAborted();
  const staged = (p: string): string => input.output.staged(path.basename(p));
  await writer.close();
  await writeNormDict(staged(outputs.normDict!), normDict);
  await writeClassDict(staged(outputs.classDict!), { [cfg.globalGroup]: { [cfg.labelField]: weights } });
  await writeFileAtomic(staged(outputs.report!), `${JSON.stringify(final, null, 2)}\n`);
  signal?.throwIfAborted();
  await input.output.commit(Object.values(outputs).map((p) => path.basename(p)));
  progress?.done(`${final.eventsRead.toLocaleString("en-US")} events in ${seconds.toFixed(1)} s`);
  return final;
}
