/** sxflow's reader as measured by bench/root.ts: open, iterate, and add up every value. */
import type { Column, NumericArray } from "../src/batch/types.js";
import { openRoot, type Tree } from "../src/root/index.js";

// One loop per common array type: a single loop over every typed-array type turns megamorphic
// and then costs more per value than reading it did (issue-816: a quarter of the run time).
function sumF32(v: Float32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

function sumF64(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

function sumI32(v: Int32Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

function sumBig(v: BigInt64Array | BigUint64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += Number(v[i]!);
  return s;
}

function sumOther(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

function sumArray(v: NumericArray): number {
  if (v instanceof Float32Array) return sumF32(v);
  if (v instanceof Float64Array) return sumF64(v);
  if (v instanceof Int32Array) return sumI32(v);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return sumBig(v);
  return sumOther(v);
}

function sumColumn(c: Column): number {
  return ArrayBuffer.isView(c.values) ? sumArray(c.values) : sumColumn(c.values);
}

/** Iterates every entry of `branches` of an open tree and returns the per-branch sums of all values. */
export async function sxflowIterate(tree: Tree, branches: string[]): Promise<Map<string, number>> {
  const sums = new Map(branches.map((b) => [b, 0]));
  for await (const batch of tree.iterate({ branches })) {
    for (const b of branches) sums.set(b, sums.get(b)! + sumColumn(batch.columns[b]!));
  }
  return sums;
}

/** Opens the file and the tree, then calls `use`; the file is closed afterwards. */
export async function withTree<T>(file: string, treeName: string, use: (tree: Tree) => Promise<T>): Promise<T> {
  const f = await openRoot(file);
  try {
    return await use(await f.tree(treeName));
  } finally {
    await f.close();
  }
}

/** The whole read: open, tree metadata, iterate, close. */
export function sxflowRead(file: string, treeName: string, branches: string[]): Promise<Map<string, number>> {
  return withTree(file, treeName, (tree) => sxflowIterate(tree, branches));
}
