export { detectFormat, type FileFormat } from "./detect.js";
export { describeSource, openTreeSource } from "./tree-source.js";
export type { FileScan, Range, TreeSource } from "./tree-source.js";
export { materialiseSamples, neededBranches, runSampleRequests, SampleDeliveryError, sampleQuery } from "./samples.js";
export type { MaterialiseOptions, RunSampleRequest } from "./samples.js";
export { readDelivery, readFiles } from "./read-files.js";
export type { ReadFilesOptions } from "./read-files.js";
export { readStep, releaseRun } from "./read-step.js";
export type { FilePlan, ReadSpec, TaskSpec } from "./read-step.js";
