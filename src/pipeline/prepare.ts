import { loadRunConfig } from "../config/index.js";
import type { RunConfig } from "../config/index.js";
import type { SinkContext } from "../sinks/index.js";
import { materialiseSamples } from "../sources/index.js";
import type { MaterialiseOptions } from "../sources/index.js";
import { releaseRun } from "../sources/read-step.js";
import { VERSION } from "../version.js";
import { buildPlan } from "./plan.js";
import { bucketCount, configAttr } from "./session.js";
import { runStages } from "./stages.js";
import type { RunStages } from "./stages.js";
import type { PipelinePlan, TaskSpec } from "./types.js";

/** A run configuration made ready for a pipeline built by hand from the stream stages. */
export interface PreparedRun {
  config: RunConfig;
  plan: PipelinePlan;
  /** The entry ranges of every input, in run order (for taskSource). */
  tasks: TaskSpec[];
  /** The specs of every stage of `sxflow run`, for the stage factories and `parallel`. */
  stages: RunStages;
  /** Buckets per split for shuffleStream, as `sxflow run` picks them (0: the run does not shuffle). */
  buckets: number;
  /** What a sink of this run is created with: the same metadata as the files of `sxflow run`. */
  sinkContext(threads?: number): SinkContext;
  /** Closes the input files the read stage opened on this thread. */
  release(): Promise<void>;
}

export interface PrepareRunOptions {
  /** How samples given as ServiceX datasets or metadata categories are fetched. */
  servicex?: MaterialiseOptions;
  /** Memory for one shuffle bucket (default 256 MiB), as in runPipeline. */
  shuffleMemoryBytes?: number;
  signal?: AbortSignal;
}

/**
 * Loads a run configuration (ServiceX samples fetched, globs expanded), scans its inputs and plans
 * it: everything a hand-built stream pipeline needs to do what `sxflow run` does.
 */
export async function prepareRun(config: RunConfig | string, options: PrepareRunOptions = {}): Promise<PreparedRun> {
  const loaded = typeof config === "string" ? await loadRunConfig(config) : config;
  const cfg = await materialiseSamples(loaded, { ...options.servicex, signal: options.signal });
  const built = await buildPlan(cfg);
  const { plan, tasks } = built;
  const buckets = bucketCount(cfg, built, options.shuffleMemoryBytes);
  return {
    config: cfg,
    plan,
    tasks,
    stages: runStages(plan),
    buckets,
    sinkContext: (threads = 0) => ({ config: cfg, layout: plan, threads, attrs: { sxflow_version: VERSION, config: configAttr(cfg) } }),
    release: () => releaseRun(plan.id),
  };
}
