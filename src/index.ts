export * from "./batch/index.js";
export { VERSION } from "./version.js";
export * from "./servicex/index.js";
export * from "./root/index.js";
export * from "./expr/index.js";
export * from "./parquet/index.js";
// root and expr both export a BranchInfo; the ROOT reader's is the one users meet at the top level.
export type { BranchInfo } from "./root/index.js";
