/** sxflow's reader as measured by bench/root.ts (the built package): open, iterate, and add up every value. */
import { readFileSync } from "node:fs";
import type { Column, NumericArray } from "../src/batch/types.js";
import { BasketPlace, readBasket, type RawBasket } from "../src/root/basket.js";
import { assembleColumn, decodeBasket } from "../src/root/decode.js";
import type { Tree } from "../src/root/index.js";
import type { Interpretation } from "../src/root/interpret.js";
import { sxflowPackage } from "./root-dist.js";

const { openRoot } = await sxflowPackage();

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

/**
 * Through the 32-bit words: Number() of each BigInt costs more than reading the branch (JSROOT
 * hands out plain numbers, which its loop sums directly). Same value per element as Number(v[i])
 * below 2^53, which the sums compared here stay under.
 */
function sumBig(v: BigInt64Array | BigUint64Array): number {
  const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
  const high = v instanceof BigInt64Array ? (i: number) => w[2 * i + 1]! : (i: number) => w[2 * i + 1]! >>> 0;
  let s = 0;
  for (let i = 0; i < v.length; i++) s += high(i) * 4294967296 + (w[2 * i]! >>> 0);
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

/**
 * Decoding alone on float-vector branches (`float[n]`, `std::vector<float>`), with the reader's
 * internal functions (from src/: the package does not export them): the decompressed
 * baskets are prepared once; each run copies them (decoding works in place, as on the reader's
 * own freshly decompressed buffers) and decodes and assembles one column per branch with the
 * reader's internal functions. The copy is timed too, so this is a lower bound.
 */
export async function floatVectorDecoder(file: string, treeName: string, branches: string[]): Promise<() => Promise<void>> {
  const bytes = readFileSync(file);
  const work = await withTree(file, treeName, async (tree) =>
    Promise.all(
      branches.map(async (name) => {
        const info = tree.branch(name);
        if (info.elementType !== "float32" || info.jaggedDepth !== 1) throw new Error(`${name} is not a float vector (${info.typeName})`);
        const interp: Interpretation = info.collection
          ? { kind: "counted", elementType: "float32", width: 1, counter: info.collection }
          : { kind: "vector", elementType: "float32" };
        const raws: RawBasket[] = [];
        for (const ref of tree.baskets(name)) {
          if (ref.seek < 0) throw new Error(`${name}: embedded baskets are not timed here`);
          const stored = new Uint8Array(bytes.buffer, bytes.byteOffset + ref.seek, ref.bytes);
          raws.push(await readBasket(stored, ref, new BasketPlace(name, ref.index, ref.seek)));
        }
        return { interp: interp as Exclude<Interpretation, { kind: "unsupported" } | { kind: "string" }>, raws };
      }),
    ),
  );
  return async () => {
    for (const { interp, raws } of work) {
      const pieces = raws.map((r) => decodeBasket({ nevbuf: r.nevbuf, data: r.data.slice(), offsets: r.offsets && r.offsets.slice() }, interp, "bench"));
      assembleColumn(pieces, interp, interp.elementType);
    }
  };
}
