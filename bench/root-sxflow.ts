/** sxflow's reader as measured by bench/root.ts: open, iterate, and add up every value. */
import type { Column, NumericArray } from "../src/batch/types.js";
import { openRoot, type Tree } from "../src/root/index.js";

function sumArray(v: NumericArray): number {
  let s = 0;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    for (let i = 0; i < v.length; i++) s += Number(v[i]!);
  } else {
    for (let i = 0; i < v.length; i++) s += v[i]!;
  }
  return s;
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
