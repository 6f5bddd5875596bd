import type { RunConfig } from "../config/index.js";
import { buildUprootRaw } from "../servicex/query.js";
import type { SampleSpec } from "../servicex/spec.js";
import { outputPaths } from "../sinks/paths.js";
import { neededBranches, runSampleRequests, sampleQuery } from "../sources/samples.js";
import { buildPlan } from "./plan.js";

/** One sample of a run's plan. */
export interface PlannedSample {
  name: string;
  label: number;
  className: string;
  /** Local files the run reads (with maxEvents, only the first ones that hold enough entries), with their entries. */
  files: { path: string; entries: number }[];
  /** Files the sample has in all (more than `files` when maxEvents leaves some unread). */
  filesTotal: number;
  /** Tasks (entry ranges) and the entries they cover; unknown (undefined) for a ServiceX sample before its fetch. */
  tasks?: number;
  entries?: number;
  /** For a ServiceX sample: each dataset's deliver() request and its endpoint. */
  servicex?: { endpoint: string | undefined; delivery: "download" | "stream"; request: SampleSpec }[];
}

/** What `sxflow run` would do, found without reading an event or writing a file. */
export interface RunPlanDescription {
  config: string;
  tree: string;
  maxEvents?: number;
  batchSize: number;
  samples: PlannedSample[];
  /** Branches every task reads (checked against the first local file's schema when `branchesChecked`). */
  branches: string[];
  branchesChecked: boolean;
  /** The UprootRaw selection sent to ServiceX for every ServiceX sample (absent when the run has none). */
  servicexQuery?: string;
  /** The files the run writes, by role. */
  outputs: Record<string, string>;
}

/**
 * The plan of a run (`sxflow run --dry-run`): local inputs are opened for their entry counts and
 * schema (every check the run makes before reading events), ServiceX samples are described by the
 * requests the run would send; nothing is fetched, read or written.
 */
export async function describeRun(config: RunConfig, defaultEndpoint?: string): Promise<RunPlanDescription> {
  const hasLocal = config.samples.some((s) => s.files.length > 0);
  const built = hasLocal ? await buildPlan(config, { unfetched: true }) : undefined;
  const requests = runSampleRequests(config, defaultEndpoint);
  const samples = config.samples.map((s, i): PlannedSample => {
    const fileIndexes = built ? built.plan.files.flatMap((f, k) => (f.sample === i ? [k] : [])) : [];
    const tasks = built ? built.tasks.filter((t) => fileIndexes.includes(t.file)) : [];
    const out: PlannedSample = {
      name: s.name,
      label: s.label,
      className: config.classes[s.label]!,
      files: fileIndexes.map((k) => ({ path: built!.plan.files[k]!.path, entries: built!.plan.files[k]!.entries })),
      filesTotal: s.files.length,
    };
    if (!s.servicex) return { ...out, tasks: tasks.length, entries: tasks.reduce((n, t) => n + t.stop - t.start, 0) };
    const delivery = s.servicex.delivery ?? "download";
    return { ...out, servicex: requests.filter((r) => r.sample === i).map((r) => ({ endpoint: r.endpoint, delivery, request: r.spec })) };
  });
  return {
    config: config.source,
    tree: config.tree,
    ...(config.maxEvents !== undefined ? { maxEvents: config.maxEvents } : {}),
    batchSize: config.batchSize,
    samples,
    branches: built ? built.plan.branches : neededBranches(config),
    branchesChecked: built !== undefined,
    ...(requests.length > 0 ? { servicexQuery: buildUprootRaw(sampleQuery(config)) } : {}),
    outputs: outputPaths(config),
  };
}
