import type { SerialisedExpression } from "../expr/index.js";
import type { TreeRun } from "../parquet/reader.js";
import type { FileFormat } from "../sources/detect.js";
import type { HistogramPartials, RecordLayout, SplitSpec, StatsPartials } from "../stages/index.js";

export interface FilePlan {
  path: string;
  format: FileFormat;
  sample: number;
  entries: number;
  /** Parquet: the tree column's runs from the scan, so that other threads need not scan again. */
  treeRuns?: readonly TreeRun[];
}

/** The unit of parallel work: an entry range of one file. */
export interface TaskSpec {
  index: number;
  file: number;
  start: number;
  stop: number;
}

/** Everything a worker needs, as plain structured-cloneable data. */
export interface PipelinePlan extends RecordLayout {
  /** Distinguishes runs, so that a worker rebuilds its compiled expressions once per run. */
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

/** What a worker returns besides the row bytes. */
export interface TaskHeader {
  index: number;
  sample: number;
  eventsRead: number;
  /** Events passing each cut alone, and all cuts up to and including it. */
  cutPass: number[];
  cutCumulative: number[];
  /** Rows per split (train, val, test), stored one split after the other in the buffer. */
  splitRows: number[];
  /** Events that match no split rule and are dropped. */
  unsplit: number;
  /** Per object group: objects kept by `select` and lost to truncation. */
  objects: Record<string, number>;
  truncated: Record<string, number>;
  /** Statistics of the train rows. */
  stats: StatsPartials;
  /** Histograms of the same entries as `stats`, and the multiplicity of every object group (all rows); empty without `plan.histograms`. */
  histograms: HistogramPartials;
}

export interface TaskResult {
  header: TaskHeader;
  rows: Uint8Array;
}
