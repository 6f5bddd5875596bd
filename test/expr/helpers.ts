import type { Column, NumericArray } from "../../src/batch/types.js";

type Ctor = { new (n: number): NumericArray; from(v: ArrayLike<number>): NumericArray };

/** A jagged column from per-event lists. */
export function jagged(lists: number[][], ctor: Ctor = Float64Array, bool = false): Column {
  const offsets = new Int32Array(lists.length + 1);
  lists.forEach((l, i) => (offsets[i + 1] = offsets[i]! + l.length));
  return { kind: "jagged", offsets, values: ctor.from(lists.flat()), ...(bool ? { elementType: "bool" as const } : {}) };
}

/** A flat column, one value per event. */
export function flat(values: number[], ctor: Ctor = Float64Array, bool = false): Column {
  return { kind: "flat", values: ctor.from(values), ...(bool ? { elementType: "bool" as const } : {}) };
}

/** Per-event lists of a jagged column (or per-event values of a flat one) as plain arrays. */
export function lists(column: Column): number[][] | number[] {
  if (column.kind === "flat") return Array.from(column.values as ArrayLike<number>);
  const v = column.values as ArrayLike<number>;
  const out: number[][] = [];
  for (let e = 0; e + 1 < column.offsets.length; e++) {
    out.push(Array.from({ length: column.offsets[e + 1]! - column.offsets[e]! }, (_, k) => v[column.offsets[e]! + k]!));
  }
  return out;
}
