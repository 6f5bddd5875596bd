export { ELEMENT_TYPES, runConfigSchema, SPLITS } from "./schema.js";
export type { FieldConfig, ObjectGroupConfig, ParsedRunConfig, RunConfigInput, SampleConfig, SplitConfig } from "./schema.js";
export { configPath, loadRunConfig, parseRunConfig, resolveRunConfig, RunConfigError } from "./load.js";
export type { ResolvedField, ResolvedGroup, ResolvedSample, RunConfig, SampleFile, ServiceXSampleSource } from "./load.js";
export { expandGlob } from "./glob.js";
export { didYouMean, editDistance } from "./did-you-mean.js";
export { splitSpecOf } from "./split-spec.js";
export { isNormalised, splitKeysOf } from "./normalised.js";
export type { NormaliseRules } from "./normalised.js";
