import type { NumericArray } from "../batch/core.js";
import type { GroupPlan } from "./record.js";

/**
 * A row is one event across all groups: each group's `max` records laid out exactly as its HDF5
 * compound records (packed fields in order), the groups one after the other. Rows are what the
 * shuffle moves around; they are packed in the workers, and the writer copies each group's section
 * into its HDF5 dataset as it is.
 */

// Records are packed, so a field's bytes in a row are not aligned: DataView stores write them
// whole (little-endian, as the host holds them), not byte by byte. One function per value size,
// each with its loop over events: a switch per event met a new size after V8 had compiled the loop
// on the stack, and threw the code away.

function scatter1(src: Uint8Array, dst: Uint8Array, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number): void {
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i]! < 0) continue;
    for (let j = 0, s = i * count, d = rowOf[i]! * rowBytes + at; j < count; j++, d += stride) dst[d] = src[s++]!;
  }
}

function scatter2(src: Uint16Array, dst: DataView, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number): void {
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i]! < 0) continue;
    for (let j = 0, s = i * count, d = rowOf[i]! * rowBytes + at; j < count; j++, d += stride) dst.setUint16(d, src[s++]!, true);
  }
}

function scatter4(src: Uint32Array, dst: DataView, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number): void {
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i]! < 0) continue;
    for (let j = 0, s = i * count, d = rowOf[i]! * rowBytes + at; j < count; j++, d += stride) dst.setUint32(d, src[s++]!, true);
  }
}

function scatter8(src: Uint32Array, dst: DataView, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number): void {
  for (let i = 0; i < rowOf.length; i++) {
    if (rowOf[i]! < 0) continue;
    for (let j = 0, s = 2 * i * count, d = rowOf[i]! * rowBytes + at; j < count; j++, d += stride, s += 2) {
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

/** One field of every event (`count` values of `size` bytes each) into its place in the rows. */
function scatterField(values: NumericArray, size: number, out: Uint8Array, view: DataView, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number): void {
  const { buffer, byteOffset, byteLength } = values;
  if (values.BYTES_PER_ELEMENT !== size) throw new Error(`internal error: a field of ${size}-byte values holds ${values.BYTES_PER_ELEMENT}-byte ones`);
  if (size === 1) scatter1(new Uint8Array(buffer, byteOffset, byteLength), out, rowOf, rowBytes, at, stride, count);
  else if (size === 2) scatter2(new Uint16Array(buffer, byteOffset, byteLength / 2), view, rowOf, rowBytes, at, stride, count);
  else if (size === 4) scatter4(new Uint32Array(buffer, byteOffset, byteLength / 4), view, rowOf, rowBytes, at, stride, count);
  else scatter8(new Uint32Array(buffer, byteOffset, byteLength / 4), view, rowOf, rowBytes, at, stride, count);
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
      scatterField(columns[gi]![fi]!, f.size, out, view, rowOf, rowBytes, g.rowOffset + f.offset, g.recordBytes, g.max);
    }
  }
  return out;
}
