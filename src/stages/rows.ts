import type { NumericArray } from "../batch/core.js";
import type { GroupPlan } from "./record.js";

/**
 * A row is one event across all groups: each group's `max` records laid out exactly as its HDF5
 * compound records (packed fields in order), the groups one after the other. Rows are what the
 * shuffle moves around; they are packed in the workers, and the writer copies each group's section
 * into its HDF5 dataset as it is.
 */

function bytesOf(values: NumericArray): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Copies `count` items of `size` bytes from a dense source to a strided destination. */
function scatter(src: Uint8Array, s: number, dst: Uint8Array, d: number, stride: number, count: number, size: number): void {
  switch (size) {
    case 1:
      for (let j = 0; j < count; j++, d += stride) dst[d] = src[s++]!;
      return;
    case 2:
      for (let j = 0; j < count; j++, d += stride, s += 2) {
        dst[d] = src[s]!;
        dst[d + 1] = src[s + 1]!;
      }
      return;
    case 4:
      for (let j = 0; j < count; j++, d += stride, s += 4) {
        dst[d] = src[s]!;
        dst[d + 1] = src[s + 1]!;
        dst[d + 2] = src[s + 2]!;
        dst[d + 3] = src[s + 3]!;
      }
      return;
    default:
      for (let j = 0; j < count; j++, d += stride) for (let b = 0; b < size; b++) dst[d + b] = src[s++]!;
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

/** One field of every event (`per` bytes each) into its place in the rows. */
function scatterField(src: Uint8Array, per: number, out: Uint8Array, rowOf: Int32Array, rowBytes: number, at: number, stride: number, count: number, size: number): void {
  for (let i = 0; i < rowOf.length; i++) {
    const r = rowOf[i]!;
    if (r >= 0) scatter(src, i * per, out, r * rowBytes + at, stride, count, size);
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
  const rowOf = rowIndex(splits, splitRows);
  // Loops over events only in small helpers, and no forEach callbacks: V8 recompiled per-task
  // closures, and code following an on-stack-compiled loop, over and over.
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    for (let fi = 0; fi < g.fields.length; fi++) {
      const f = g.fields[fi]!;
      scatterField(bytesOf(columns[gi]![fi]!), g.max * f.size, out, rowOf, rowBytes, g.rowOffset + f.offset, g.recordBytes, g.max, f.size);
    }
  }
  return out;
}
