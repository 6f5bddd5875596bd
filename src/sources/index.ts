export { detectFormat, type FileFormat } from "./detect.js";
export { describeSource, openTreeSource } from "./tree-source.js";
export type { FileScan, Range, TreeSource } from "./tree-source.js";
export { materialiseSamples, neededBranches, SampleDeliveryError, sampleQuery } from "./samples.js";
export type { MaterialiseOptions } from "./samples.js";
