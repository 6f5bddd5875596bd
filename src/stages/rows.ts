import type { NumericArray } from "../batch/core.js";
import type { GroupPlan } from "./record.js";

/**
 * A row is one event across all groups: each group's `max` records laid out exactly as its HDF5
 * compound records (packed fields in order), the groups one after the other. Rows are what the
 * shuffle moves around; they are packed in the workers, and the writer copies each group's section
 * into its HDF5 dataset as it is.
 */

/** A field's values as lanes of its element size (8-byte values as two 32-bit lanes): one load per value, whatever its type. */
function lanesOf(values: NumericArray, size: number): Uint8Array | Uint16Array | Uint32Array {
  const { buffer, byteOffset, byteLength } = values;
  if (values.BYTES_PER_ELEMENT !== size) throw new Error(`internal error: a field of ${size}-byte values holds ${values.BYTES_PER_ELEMENT}-byte ones`);
  if (size === 1) return new Uint8Array(buffer, byteOffset, byteLength);
  if (size === 2) return new Uint16Array(buffer, byteOffset, byteLength / 2);
  return new Uint32Array(buffer, byteOffset, byteLength / 4);
}

/**
 * Copies `count` items of `size` bytes from dense lanes (from lane `s`) to a strided destination.
 * Records are packed, so a field's bytes in a row are not aligned: DataView stores write them
 * whole (little-endian, as the host holds them), not byte by byte.
 */
function scatter(src: Uint8Array | Uint16Array | Uint32Array, s: number, dst: DataView, bytes: Uint8Array, d: number, stride: number, count: number, size: number): void {
  switch (size) {
    case 1:
      for (let j = 0; j < count; j++, d += stride) bytes[d] = src[s++]!;
      return;
    case 2:
      for (let j = 0; j < count; j++, d += stride) dst.setUint16(d, src[s++]!, true);
      return;
    case 4:
      for (let j = 0; j < count; j++, d += stride) dst.setUint32(d, src[s++]!, true);
      return;
    default:
      for (let j = 0; j < count; j++, d += stride, s += 2) {
        dst.setUint32(d, src[s]!, true);
        dst.setUint32(d + 4, src[s + 1]!, true);
      }
  }
}

/** Each event's row in the output (events of split s after those of splits below s), or -1 if dropped. */
function rowIndex(splits: Uint8Array, splitRows: readonly number[]): Int32Array {
  const next = new Int32Array(splitRows.length);
  for (let s = 1; s < splitRows.length; s++) next[s] = next[s - 1]! + splitRows[s - 1]!;
  const rowOf = new Int32Array(splits.length);
  for (let i = 0; i < splits.length; i++) rowOf[i] = splits[i]! < splitRows.length ? next[splits[i]!]!++ : -1;
  return rowOf;
}

/** One field of every event (`count` values each) into its place in the rows. */
function scatterField(src: Uint8Array | Uint16Array | Uint32Array, out: DataView, bytes: Uint8Array, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number, size: number): void {
  const per = size === 8 ? 2 * count : count;
  for (let i = 0; i < rowOf.length; i++) {
    const r = rowOf[i]!;
    if (r >= 0) scatter(src, i * per, out, bytes, r * rowBytes + at, stride, count, size);
  }
}

/**
 * Packs the events of a batch into rows grouped by split: every event with split index s goes to
 * the s-th block, in event order. `columns[g][k]` holds field k of group g in its storage type
 * (`n * max` values). Events whose split is not below `splitRows.length` are left out.
 */
export function packRowsBySplit(
  groups: readonly GroupPlan[],
  rowBytes: number,
  columns: readonly (readonly NumericArray[])[],
  splits: Uint8Array,
  splitRows: readonly number[],
): Uint8Array {
  const total = splitRows.reduce((a, b) => a + b, 0);
  const out = new Uint8Array(total * rowBytes);
  const view = new DataView(out.buffer);
  const rowOf = rowIndex(splits, splitRows);
  // Loops over events only in small helpers, and no forEach callbacks: V8 recompiled per-task
  // closures, and code following an on-stack-compiled loop, over and over.
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    for (let fi = 0; fi < g.fields.length; fi++) {
      const f = g.fields[fi]!;
      scatterField(lanesOf(columns[gi]![fi]!, f.size), view, out, rowOf, rowBytes, g.rowOffset + f.offset, g.recordBytes, g.max, f.size);
    }
  }
  return out;
}
