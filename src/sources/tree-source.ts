import type { Batch } from "../batch/core.js";
import type { ExprBranchInfo } from "../expr/index.js";
// The reading entry point, not the parquet index: workers do not need the writer (and its apache-arrow).
import { openParquet, type TreeRun } from "../parquet/read.js";
import { detectFormat, type FileFormat } from "./detect.js";
import { openRoot } from "../root/index.js";

/** An entry range [start, stop) of one tree. */
export interface Range {
  start: number;
  stop: number;
}

/**
 * One input tree, ROOT or Parquet behind the same face: its branches as the expression compiler
 * describes them, its natural work units and columnar reads of entry ranges.
 */
export interface TreeSource {
  readonly path: string;
  readonly format: FileFormat;
  readonly entries: number;
  /** Readable branches by name. */
  readonly branches: ReadonlyMap<string, ExprBranchInfo>;
  /** Every branch name, readable or not, for "did you mean" suggestions. */
  readonly allNames: readonly string[];
  /** Entry ranges that decode independently (ROOT clusters, Parquet row groups). */
  clusters(): Range[];
  /** Parquet files with a tree column: its runs, for opening the file again without a scan. */
  readonly treeRuns?: readonly TreeRun[];
  read(branches: string[], start: number, stop: number): Promise<Batch>;
  close(): Promise<void>;
}

async function openRootTree(path: string, tree: string): Promise<TreeSource> {
  const file = await openRoot(path);
  let t;
  try {
    t = await file.tree(tree);
  } catch (err) {
    await file.close();
    throw err;
  }
  const branches = new Map<string, ExprBranchInfo>();
  for (const b of t.branches) {
    if (!b.supported) continue;
    if (b.strings) {
      branches.set(b.name, b.kind === "jagged" ? { kind: "jagged", depth: b.jaggedDepth, strings: true } : { kind: "flat", strings: true });
      continue;
    }
    if (!b.elementType) continue;
    const info: ExprBranchInfo = { kind: b.kind, elementType: b.elementType };
    if (b.shape) info.shape = b.shape;
    if (b.kind === "jagged") info.depth = b.jaggedDepth;
    if (b.collection) info.collection = b.collection;
    branches.set(b.name, info);
  }
  return {
    path,
    format: "root",
    entries: t.entries,
    branches,
    allNames: t.branches.map((b) => b.name),
    clusters: () => t.clusters().map((c) => ({ start: c.entryStart, stop: c.entryStop })),
    read: (names, start, stop) => t.read(names, start, stop),
    close: () => file.close(),
  };
}

async function openParquetTree(path: string, tree: string, treeRuns?: readonly TreeRun[]): Promise<TreeSource> {
  let reader = await openParquet(path, treeRuns ? { treeRuns } : {});
  // ServiceX's `treename` column: keep only the configured tree's rows when the file holds others.
  const trees = reader.trees;
  // No rows of the tree is how ServiceX writes a tree whose entries were all cut (or that an input
  // lacked): the file holds none of its entries. A sample whose files all lack it is an error.
  const absent = trees.length > 0 && !trees.some((t) => t.name === tree);
  if (trees.length > 0 && !absent && !(trees.length === 1 && trees[0]!.name === tree)) {
    reader.close();
    reader = await openParquet(path, { tree, treeRuns: reader.treeRuns });
  }
  const r = reader;
  const branches = new Map<string, ExprBranchInfo>();
  for (const b of r.branches) {
    if (b.strings) {
      branches.set(b.name, b.kind === "jagged" ? { kind: "jagged", depth: b.depth!, strings: true } : { kind: "flat", strings: true });
      continue;
    }
    const info: ExprBranchInfo = { kind: b.kind, elementType: b.elementType };
    if (b.shape) info.shape = b.shape;
    if (b.depth !== undefined) info.depth = b.depth;
    branches.set(b.name, info);
  }
  return {
    path,
    format: "parquet",
    entries: absent ? 0 : r.entries,
    branches,
    allNames: [...r.branches.map((b) => b.name), ...r.unsupported.map((u) => u.name)],
    clusters: () => (absent ? [] : r.clusters()),
    ...(r.treeRuns.length > 0 ? { treeRuns: r.treeRuns } : {}),
    read: (names, start, stop) => r.read(names, start, stop),
    close: async () => r.close(),
  };
}

/**
 * Opens the tree `tree` of a ROOT or Parquet file, the format told by the file's first bytes;
 * `treeRuns` from an earlier open of a Parquet file spare the scan of its tree column.
 */
export async function openTreeSource(path: string, tree: string, format?: FileFormat, treeRuns?: readonly TreeRun[]): Promise<TreeSource> {
  const kind = format ?? (await detectFormat(path));
  return kind === "root" ? openRootTree(path, tree) : openParquetTree(path, tree, treeRuns);
}

/** What planning needs to know about a file: plain data, so that a worker can send it back. */
export interface FileScan {
  entries: number;
  clusters: Range[];
  treeRuns?: readonly TreeRun[];
  branches: ReadonlyMap<string, ExprBranchInfo>;
  allNames: readonly string[];
}

export function describeSource(source: TreeSource): FileScan {
  return {
    entries: source.entries,
    clusters: source.clusters(),
    ...(source.treeRuns ? { treeRuns: source.treeRuns } : {}),
    branches: new Map(source.branches),
    allNames: [...source.allNames],
  };
}
