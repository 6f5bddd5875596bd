/**
 * ROOT TTree reader: `openRoot(path)` -> `RootFile` (keys, trees) -> `Tree` (branches, clusters,
 * `read`, `iterate`) -> columnar Batches (src/batch/types.ts).
 *
 * Decodes flat numbers of every width, bool, fixed arrays `x[N]`, counted arrays `x[n]` (with or
 * without entry-offset tables), std::vector / RVec / std::set of numbers, vector<vector<number>>,
 * strings (char*, std::string, TString, vectors and vectors of vectors of them) as string columns,
 * unsplit objects as one column per numeric member (objects.ts, from the file's streamer info),
 * out-of-line and embedded baskets, ROOT 5 and 6 class versions, big-file seeks. Other branches
 * (maps, sets of strings, leaf lists) are listed with their type and refused with a clear error.
 */
export { openRoot, RootFile, type KeyInfo, type OpenRootOptions } from "./file.js";
export { Tree, type BranchInfo, type Cluster, type IterateOptions } from "./tree.js";
export { RootError } from "./errors.js";
export type { BasketRef } from "./basket.js";
