import type { H5ElementType } from "../../hdf5/index.js";
import { float16ToNumber } from "../../hdf5/index.js";
import type { GroupLayout } from "./decode.js";

/**
 * Fills the tensor of one group for `size` rows: row r's records start at byte `starts[r]` of
 * `bytes`; `out` gets `[size, slots, F]` values, `valid` `[size, slots]` flags (object groups).
 */
export type GroupKernel = (bytes: Uint8Array, view: DataView, starts: Int32Array, size: number, out: Float32Array, valid: Uint8Array) => void;

let halfTable: Float32Array | undefined;

/** Every float16 bit pattern's value (all exact in float32): one indexed load per half value. */
function halves(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16ToNumber(h);
  }
  return halfTable;
}

/** The expression reading one stored value of `type` at byte `p` as a number. */
function load(type: H5ElementType, p: string): string {
  switch (type) {
    case "bool":
    case "uint8":
      return `bytes[${p}]`;
    case "int8":
      return `view.getInt8(${p})`;
    case "int16":
      return `view.getInt16(${p}, true)`;
    case "uint16":
      return `view.getUint16(${p}, true)`;
    case "int32":
      return `view.getInt32(${p}, true)`;
    case "uint32":
      return `view.getUint32(${p}, true)`;
    // Two 32-bit halves: the sum is rounded once, as Number(bigint) is, without allocating a BigInt.
    case "int64":
      return `(view.getInt32(${p} + 4, true) * 4294967296 + view.getUint32(${p}, true))`;
    case "uint64":
      return `(view.getUint32(${p} + 4, true) * 4294967296 + view.getUint32(${p}, true))`;
    case "float16":
      return `H[view.getUint16(${p}, true)]`;
    case "float32":
      return `view.getFloat32(${p}, true)`;
    case "float64":
      return `view.getFloat64(${p}, true)`;
  }
}

/** A number as JavaScript source that reads back as exactly the same double. */
function literal(x: number): string {
  return Object.is(x, -0) ? "-0" : `(${String(x)})`;
}

const cache = new Map<string, GroupKernel>();
/** Kernels kept (one per layout and norm dict met): a bound, not a working-set size. */
const CACHE_LIMIT = 64;

/**
 * The kernel of a group layout, generated once per layout: one pass over the records with every
 * field's offset, type and normalisation written into the loop as constants, so that each load is
 * a single unaligned read and nothing in the loop is polymorphic. Normalised values are
 * `(x - mean) / std` in float64 (the constants are the exact doubles), stored as float32; padded
 * slots are written as 0, so the output need not start zeroed.
 */
export function groupKernel(g: GroupLayout): GroupKernel {
  const nf = g.fields.length;
  const values = g.fields.map(({ field, norm }) => {
    const x = load(field.type, `p + ${field.offset}`);
    return norm ? `(${x} - ${literal(norm.mean)}) / ${literal(norm.std)}` : x;
  });
  const fill = values.map((v, k) => `out[o + ${k}] = ${v};`).join(" ");
  const zero = values.map((_, k) => `out[o + ${k}] = 0;`).join(" ");
  const slot =
    g.validOffset < 0
      ? `valid[s] = 1; ${fill}`
      : `if (bytes[p + ${g.validOffset}] !== 0) { valid[s] = 1; ${fill} } else { valid[s] = 0; ${zero} }`;
  const src = `"use strict";
    for (let r = 0, s = 0, o = 0; r < size; r++) {
      let p = starts[r];
      for (let j = 0; j < ${g.slots}; j++, s++, o += ${nf}, p += ${g.recordSize}) { ${slot} }
    }`;
  let kernel = cache.get(src);
  if (!kernel) {
    const make = new Function("H", `return function groupKernel(bytes, view, starts, size, out, valid) { ${src} };`) as (h: Float32Array) => GroupKernel;
    kernel = make(g.fields.some((f) => f.field.type === "float16") ? halves() : new Float32Array(0));
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(src, kernel);
  }
  return kernel;
}
