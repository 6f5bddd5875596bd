import type { ElementType, NumericArray } from "../batch/types.js";
import { allocate } from "../batch/element-type.js";
import { Type } from "./metadata.js";

/**
 * Copies of Parquet PLAIN values into sxflow arrays, and dictionary look-ups. Widths that match
 * (float, double, int32 as int32/uint32, int64 as int64/uint64) are byte copies; INT32 holding
 * 8- and 16-bit integers narrows through the typed-array conversion (modulo 2^bits, as Arrow's
 * cast of in-range values gives the same). Booleans are bits, LSB first.
 */

/** Bytes per PLAIN value of a physical type (0 for BOOLEAN: bits). */
function plainWidth(physical: number): number {
  return physical === Type.INT64 || physical === Type.DOUBLE ? 8 : physical === Type.BOOLEAN ? 0 : 4;
}

/** Values [from, from + count) of a PLAIN section into `out` at `at`. */
export function copyPlain(src: Uint8Array, physical: number, from: number, count: number, out: NumericArray, at: number): void {
  if (count === 0) return;
  const width = plainWidth(physical);
  if (width === 0) {
    if ((from + count + 7) >>> 3 > src.length) throw new Error(`the page's PLAIN values end early (${src.length} bytes for ${from + count} booleans)`);
    unpackBooleans(src, from, count, out as Uint8Array, at);
    return;
  }
  const start = from * width;
  const end = start + count * width;
  if (end > src.length) throw new Error(`the page's PLAIN values end early (${src.length} bytes for ${from + count} values of ${width} bytes)`);
  if (out.BYTES_PER_ELEMENT === width) {
    new Uint8Array(out.buffer, out.byteOffset + at * width, count * width).set(src.subarray(start, end));
    return;
  }
  // INT32 into an 8- or 16-bit array: an aligned Int32Array view (or copy) of the source.
  const offset = src.byteOffset + start;
  // (A copy through the Uint8Array constructor: a Buffer's slice() would share its memory.)
  const ints = offset % 4 === 0 ? new Int32Array(src.buffer, offset, count) : new Int32Array(new Uint8Array(src.subarray(start, end)).buffer);
  (out as Int8Array).set(ints, at);
}

function unpackBooleans(src: Uint8Array, from: number, count: number, out: Uint8Array, at: number): void {
  for (let i = 0; i < count; i++) {
    const b = from + i;
    out[at + i] = (src[b >>> 3]! >>> (b & 7)) & 1;
  }
}

/** A dictionary page's PLAIN values as an array of the column's element type. */
export function plainDictionary(src: Uint8Array, physical: number, count: number, type: ElementType): NumericArray {
  const out = allocate(type, count);
  copyPlain(src, physical, 0, count, out, 0);
  return out;
}

/** out[at + i] = dict[indices[from + i]] for i < count, every index checked. */
export function gather(dict: NumericArray, indices: Int32Array, from: number, count: number, out: NumericArray, at: number): void {
  const size = dict.length;
  for (let i = 0; i < count; i++) {
    const k = indices[from + i]!;
    if (!(k >= 0 && k < size)) throw new Error(`dictionary index ${k} outside its ${size} values`);
  }
  if (dict instanceof BigInt64Array || dict instanceof BigUint64Array) gatherBig(dict as BigInt64Array, indices, from, count, out as BigInt64Array, at);
  else gatherNumbers(dict as Float64Array, indices, from, count, out as Float64Array, at);
}

function gatherNumbers(dict: Float64Array, indices: Int32Array, from: number, count: number, out: Float64Array, at: number): void {
  for (let i = 0; i < count; i++) out[at + i] = dict[indices[from + i]!]!;
}

function gatherBig(dict: BigInt64Array, indices: Int32Array, from: number, count: number, out: BigInt64Array, at: number): void {
  for (let i = 0; i < count; i++) out[at + i] = dict[indices[from + i]!]!;
}
