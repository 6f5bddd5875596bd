/**
 * Struct-of-arrays in, array-of-structs out: copies one field's values into packed compound
 * records. Records are packed (no alignment padding, like numpy's default structured dtype), so
 * fields are copied byte-wise unless the layout happens to be aligned.
 */

import { float32ArrayToFloat16 } from "./float16.js";
import type { H5ElementType } from "./datatype.js";

export type ColumnArray =
  | Int8Array
  | Uint8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

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
  let src: Uint8Array;
  if (field.type === "float16" && values instanceof Float32Array) {
    const half = float32ArrayToFloat16(values.subarray(start, start + count));
    src = new Uint8Array(half.buffer);
  } else {
    const bpe = values.BYTES_PER_ELEMENT;
    src = new Uint8Array(values.buffer, values.byteOffset + start * bpe, count * bpe);
  }
  let d = dstPos + field.offset;
  if (field.type === "bool") {
    for (let i = 0; i < count; i++, d += recordSize) dst[d] = src[i] !== 0 ? 1 : 0;
    return;
  }
  const size = field.size;
  if (recordSize === size) {
    dst.set(src, d);
    return;
  }
  switch (size) {
    case 1:
      for (let i = 0; i < count; i++, d += recordSize) dst[d] = src[i];
      return;
    case 2:
      for (let i = 0, s = 0; i < count; i++, s += 2, d += recordSize) {
        dst[d] = src[s]; dst[d + 1] = src[s + 1];
      }
      return;
    case 4:
      if (recordSize % 4 === 0 && (dst.byteOffset + d) % 4 === 0 && src.byteOffset % 4 === 0) {
        const dv = new Uint32Array(dst.buffer, dst.byteOffset, dst.length >>> 2);
        const sv = new Uint32Array(src.buffer, src.byteOffset, count);
        const stride = recordSize >>> 2;
        for (let i = 0, k = d >>> 2; i < count; i++, k += stride) dv[k] = sv[i];
        return;
      }
      for (let i = 0, s = 0; i < count; i++, s += 4, d += recordSize) {
        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]; dst[d + 3] = src[s + 3];
      }
      return;
    default:
      for (let i = 0, s = 0; i < count; i++, s += 8, d += recordSize) {
        dst[d] = src[s]; dst[d + 1] = src[s + 1]; dst[d + 2] = src[s + 2]; dst[d + 3] = src[s + 3];
        dst[d + 4] = src[s + 4]; dst[d + 5] = src[s + 5]; dst[d + 6] = src[s + 6]; dst[d + 7] = src[s + 7];
      }
  }
}
