export * from "./batch/index.js";
export { VERSION } from "./version.js";
export * from "./parquet/index.js";
export * from "./stages/index.js";
export * from "./config/index.js";
