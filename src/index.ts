export * from "./batch/index.js";
export * from "./metadata/index.js";
export { VERSION } from "./version.js";
export * from "./pool/index.js";
