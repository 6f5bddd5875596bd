export * from "./batch/index.js";
export { VERSION } from "./version.js";
export * from "./hdf5/index.js";
