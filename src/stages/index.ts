export { padGlobal, padGroup, padValueFor } from "./pad.js";
export type { GlobalGroup, GlobalGroupSpec, PadGroupSpec, PaddedGroup, Padding } from "./pad.js";
export { assignSplits, checkSplitRules, hashSplit, hashUniform, NO_SPLIT, parseSplitCondition, ruleSplit } from "./split.js";
export type { SplitCondition, SplitRuleTriplet, SplitSpec } from "./split.js";
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
export { classDictYaml, normDictYaml, pyyamlFloat, writeClassDict, writeNormDict } from "./salt-dicts.js";
export { writeFileAtomic } from "./atomic-write.js";
export { assignBuckets, permutation, splitmix32, Xoshiro128 } from "./prng.js";
export { BucketShuffler, bucketsFor, permutedBuckets } from "./shuffle.js";
export type { BucketShufflerOptions, PermutedBucketsOptions } from "./shuffle.js";
export { packRows, rowLayout, unpackRows } from "./row-layout.js";
export type { RowField, RowLayout, UnpackedRows } from "./row-layout.js";
export { batchTransform } from "./transform.js";
export { takeEvents } from "./take.js";
