import type { SerialisedExpression } from "../expr/index.js";
import type { FilePlan, TaskSpec } from "../sources/read-step.js";
import type { RecordLayout, SplitSpec, TaskHeader } from "../stages/index.js";

export type { FilePlan, TaskSpec };

/** Everything a worker needs, as plain structured-cloneable data. */
export interface PipelinePlan extends RecordLayout {
  /** Distinguishes runs, so that a worker keeps a run's files open between its tasks. */
  id: string;
  tree: string;
  /** Branches every task reads. */
  branches: string[];
  cuts: SerialisedExpression[];
  split: SplitSpec;
  samples: { name: string; label: number }[];
  files: FilePlan[];
  /** The split uses the entry number in the file as a key (column `entry`, added before the cuts). */
  entryKey: boolean;
  /** Tasks return histogram partials for the report page. */
  histograms: boolean;
}

/** A converted task: its counters and its packed rows, split by split. */
export interface TaskResult {
  header: TaskHeader;
  rows: Uint8Array;
}
