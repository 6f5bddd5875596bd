export * from "./batch/index.js";
export * from "./root/index.js";
export * from "./parquet/index.js";
export * from "./expr/index.js";
export * from "./hdf5/index.js";
export * from "./random/prng.js";
export * from "./stages/index.js";
export * from "./config/index.js";
export * from "./pool/index.js";
export * from "./metadata/index.js";
export * from "./servicex/index.js";
export * from "./sources/index.js";
export * from "./sinks/index.js";
export * from "./pipeline/index.js";
export * from "./shards/index.js";
export { loadRun, ReportPage } from "./report/write.js";
export { VERSION } from "./version.js";

// Names two modules share: the explicit exports below settle which one the package root means.
export type { BranchInfo } from "./root/index.js";
export { ELEMENT_TYPES } from "./config/index.js";
export { ELEMENT_TYPES as H5_ELEMENT_TYPES } from "./hdf5/index.js";
export type { DatasetSpec } from "./servicex/index.js";
export type { DatasetSpec as H5DatasetSpec } from "./hdf5/index.js";
