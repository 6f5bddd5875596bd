export { openRoot, RootFile, type KeyInfo } from "./file.js";
export { Tree, type BranchInfo, type Cluster, type IterateOptions } from "./tree.js";
export { RootError } from "./errors.js";
export type { BasketRef } from "./basket.js";
