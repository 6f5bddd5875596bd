export * from "./batch/index.js";
export { VERSION } from "./version.js";
export * from "./servicex/index.js";
export * from "./root/index.js";
export * from "./expr/index.js";
export * from "./parquet/index.js";
