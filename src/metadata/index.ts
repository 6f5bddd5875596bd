export { MetadataError } from "./errors.js";
export {
  DATA_YEARS,
  DATA_YEAR_CAMPAIGN,
  LUMINOSITY_PB,
  MC_CAMPAIGNS,
  R_TAG_CAMPAIGN,
  isDataYear,
  isMcCampaign,
  isPeriod,
  luminosityPb,
} from "./campaigns.js";
export type { DataYear, McCampaign, Period } from "./campaigns.js";
export { parseContainerName } from "./container-name.js";
export type { ContainerName, DataContainerName, McContainerName } from "./container-name.js";
export type { ContainerInfo, SampleMetadata } from "./schema.js";
export { loadSampleMetadata, parseSampleMetadata } from "./load.js";
export type { SampleFilter } from "./select.js";
export { categoryStats, roundToHundredths, samplesWithNtuples } from "./summary.js";
export type { CategoryStats, NtupleSummary, StatsSelection } from "./summary.js";
export { ntupleDatasets, ntupleFiles, ntupleSamples, resolveCategorySamples, rucioScope } from "./datasets.js";
export type { CategorySampleRef, NtupleSample, NtupleSelection } from "./datasets.js";
export { categorySampleRefSchema } from "./config-ref.js";
