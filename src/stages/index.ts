export { objectColumn, padGlobal, padGroup, padValueFor, selectedObjects } from "./pad.js";
export type { GlobalGroup, GlobalGroupSpec, PadGroupSpec, PaddedGroup, Padding } from "./pad.js";
export {
  assignSplits,
  checkSplitRules,
  ENTRY_KEY,
  hashSplit,
  hashUniform,
  NO_SPLIT,
  parseSplitCondition,
  ruleSplit,
  SPLIT_NAMES,
} from "./split.js";
export type { SplitCondition, SplitName, SplitRuleTriplet, SplitSpec } from "./split.js";
export { layoutRecords, layoutRow, recordField } from "./record.js";
export type { GroupPlan, RecordField, RecordLayout } from "./record.js";
export { packRowsBySplit } from "./rows.js";
export {
  accumulateStats,
  batchStats,
  emptyStats,
  finalizePartials,
  finalizeStats,
  groupStats,
  mergePartials,
  mergeStats,
} from "./stats.js";
export type { FieldStats, MeanStd, NormDict, StatsPartials } from "./stats.js";
export { classWeights, countClasses } from "./class-weights.js";
export type { ClassWeightOptions } from "./class-weights.js";
export { BucketShuffler, bucketFile, bucketOrders, bucketsFor, gatherRows, gatherSections, permutedBuckets, pieceBytes, SECOND_PASS_CHUNK_ROWS, SHUFFLE_MEMORY_BYTES, ShuffleMemory } from "./shuffle.js";
export type { BucketRows, BucketShufflerOptions, PermutedBucketsOptions, RowSection } from "./shuffle.js";
export { batchTransform } from "./transform.js";
export { emptyHeader, fieldColumn, SPLIT_COLUMN, stageError } from "./event-batch.js";
export type { EventBatch, TaskHeader } from "./event-batch.js";
export type { Step } from "./step.js";
export { cutStep } from "./cut.js";
export type { CutSpec } from "./cut.js";
export { splitStep } from "./split-step.js";
export type { SplitStepSpec } from "./split-step.js";
export { padStep } from "./pad-step.js";
export type { PadSpec } from "./pad-step.js";
export { labelStep } from "./label.js";
export type { LabelSpec } from "./label.js";
export { statisticsStep } from "./statistics.js";
export type { StatisticsSpec } from "./statistics.js";
export { normaliseStep } from "./normalise.js";
export type { NormaliseSpec } from "./normalise.js";
export { rowsStep } from "./pack.js";
export type { RowsSpec } from "./pack.js";
export {
  emptyHistogram,
  emptyHistogramPartials,
  fieldHistogram,
  fineBinRange,
  finiteCount,
  mergeCounts,
  mergeHistogramPartials,
  mergeHistograms,
  multiplicityCounts,
} from "./histogram.js";
export type { FieldHistogram, HistogramPartials } from "./histogram.js";
