import type { StageSpec } from "./chain.js";
import type { PipelinePlan } from "./types.js";

/** The stages of a run, as specs: what `sxflow run` does to every entry range, and in that order. */
export interface RunStages {
  read: Extract<StageSpec, { stage: "read" }>;
  cut: Extract<StageSpec, { stage: "cut" }>;
  split: Extract<StageSpec, { stage: "split" }>;
  pad: Extract<StageSpec, { stage: "pad" }>;
  label: Extract<StageSpec, { stage: "label" }>;
  statistics: Extract<StageSpec, { stage: "statistics" }>;
  rows: Extract<StageSpec, { stage: "rows" }>;
}

export function runStages(plan: PipelinePlan): RunStages {
  const global = plan.groups.find((g) => g.fields.some((f) => f.role === "label"));
  if (!global) throw new Error("internal error: the plan has no label field");
  const labelField = global.fields.find((f) => f.role === "label")!;
  const layout = { groups: plan.groups, rowBytes: plan.rowBytes };
  return {
    read: { stage: "read", run: plan.id, tree: plan.tree, branches: plan.branches, files: plan.files, entryKey: plan.entryKey },
    cut: { stage: "cut", cuts: plan.cuts },
    split: { stage: "split", split: plan.split },
    pad: { stage: "pad", groups: plan.groups, histograms: plan.histograms },
    label: { stage: "label", group: global.name, field: labelField.name, labels: plan.samples.map((s) => s.label) },
    statistics: { stage: "statistics", groups: plan.groups, histograms: plan.histograms },
    rows: { stage: "rows", layout },
  };
}

/** The chain every task of a run goes through, in order. */
export function runChainSpecs(plan: PipelinePlan): StageSpec[] {
  const s = runStages(plan);
  return [s.read, s.cut, s.split, s.pad, s.label, s.statistics, s.rows];
}
