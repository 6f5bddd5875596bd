import type { ElementType } from "../batch/core.js";
import type { SerialisedExpression } from "../expr/index.js";
import type { H5ElementType } from "../hdf5/index.js";
import type { FileFormat, TreeRun } from "../parquet/index.js";
import type { HistogramPartials, SplitSpec, StatsPartials } from "../stages/index.js";

export type { ExprBranchInfo } from "../expr/index.js";

/**
 * Split key standing for the entry number in the file, for inputs without an event identity
 * (e.g. ntuples without eventNumber); a real branch of that name takes precedence.
 */
export const ENTRY_KEY = "entry";

export const SPLIT_NAMES = ["train", "val", "test"] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/**
 * One field of an output record. `value` is the type the pad stage produces, `h5` the type stored
 * (float16 for half precision), `storage` the typed array that holds the stored bits.
 */
export interface RecordField {
  name: string;
  role: "expr" | "label" | "valid";
  value: ElementType;
  h5: H5ElementType;
  storage: ElementType;
  size: number;
  /** Byte offset inside one object record of the group. */
  offset: number;
  /** Expression source, for messages (expr fields only). */
  source?: string;
  expr?: SerialisedExpression;
  /** Enters the normalisation statistics. */
  stats: boolean;
}

/** One output dataset: the global group `(N,)` or an object group `(N, max)`. */
export interface GroupPlan {
  name: string;
  global: boolean;
  /** Slots per event; 1 for the global group. */
  max: number;
  padding: "zero" | "nan";
  select?: SerialisedExpression;
  sort?: SerialisedExpression;
  fields: RecordField[];
  /** Bytes of one object record (the HDF5 compound record). */
  recordBytes: number;
  /** Byte offset of this group's `max` records inside a row. */
  rowOffset: number;
}

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
export interface PipelinePlan {
  /** Distinguishes runs, so that a worker rebuilds its compiled expressions once per run. */
  id: string;
  tree: string;
  /** Branches every task reads. */
  branches: string[];
  cuts: SerialisedExpression[];
  groups: GroupPlan[];
  split: SplitSpec;
  samples: { name: string; label: number }[];
  files: FilePlan[];
  /** Bytes of one event across all groups (the shuffle record). */
  rowBytes: number;
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
