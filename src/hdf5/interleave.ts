/**
 * Struct-of-arrays in, array-of-structs out: copies one field's values into packed compound
 * records. Records are packed (no alignment padding, like numpy's default structured dtype), so
 * fields are copied byte-wise unless the layout happens to be aligned.
 */

import { float32ArrayToFloat16 } from "./float16.js";
import type { H5ElementType } from "./datatype.js";
import type { NumericArray } from "../batch/types.js";

/** A field's values: the typed arrays of sxflow's batches. */
export type ColumnArray = NumericArray;

type Ctor = abstract new (...args: never[]) => ColumnArray;

/** The typed arrays accepted for each field type (float16 also takes raw half bits). */
const ACCEPTED: Record<H5ElementType, Ctor[]> = {
  bool: [Uint8Array],
  int8: [Int8Array],
  uint8: [Uint8Array],
  int16: [Int16Array],
  uint16: [Uint16Array],
  int32: [Int32Array],
  uint32: [Uint32Array],
  int64: [BigInt64Array],
  uint64: [BigUint64Array],
  float16: [Float32Array, Uint16Array],
  float32: [Float32Array],
  float64: [Float64Array],
};

export function acceptsArray(type: H5ElementType, values: unknown): values is ColumnArray {
  return ACCEPTED[type].some((c) => values instanceof c);
}

export function acceptedNames(type: H5ElementType): string {
  return ACCEPTED[type].map((c) => c.name).join(" or ");
}

export interface FieldCopy {
  type: H5ElementType;
  offset: number;
  size: number;
}

/**
 * Writes elements [start, start + count) of `values` into records starting at byte `dstPos` of
 * `dst`, `recordSize` bytes apart.
 */
export function copyField(
  dst: Uint8Array, dstPos: number, recordSize: number, field: FieldCopy,
  values: ColumnArray, start: number, count: number,
): void {
  let buffer: ArrayBufferLike;
  let byteOffset: number;
  if (field.type === "float16" && values instanceof Float32Array) {
    const half = float32ArrayToFloat16(values.subarray(start, start + count));
    buffer = half.buffer;
    byteOffset = 0;
  } else {
    buffer = values.buffer;
    byteOffset = values.byteOffset + start * values.BYTES_PER_ELEMENT;
  }
  const size = field.size;
  let d = dstPos + field.offset;
  if (recordSize === size && field.type !== "bool") {
    dst.set(new Uint8Array(buffer, byteOffset, count * size), d);
    return;
  }
  // Records are packed, so stores are unaligned: DataView stores beat byte-by-byte copies.
  const view = new DataView(dst.buffer, dst.byteOffset, dst.byteLength);
  switch (size) {
    case 1: {
      const src = new Uint8Array(buffer, byteOffset, count);
      if (field.type === "bool") for (let i = 0; i < count; i++, d += recordSize) dst[d] = src[i] !== 0 ? 1 : 0;
      else for (let i = 0; i < count; i++, d += recordSize) dst[d] = src[i];
      return;
    }
    case 2: {
      const src = new Uint16Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++, d += recordSize) view.setUint16(d, src[i], true);
      return;
    }
    case 4: {
      const src = new Uint32Array(buffer, byteOffset, count);
      for (let i = 0; i < count; i++, d += recordSize) view.setUint32(d, src[i], true);
      return;
    }
    default: {
      const src = new Uint32Array(buffer, byteOffset, count * 2);
      for (let i = 0, s = 0; i < count; i++, s += 2, d += recordSize) {
        view.setUint32(d, src[s], true);
        view.setUint32(d + 4, src[s + 1], true);
      }
    }
  }
}
