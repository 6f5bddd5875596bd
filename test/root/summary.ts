import type { Column, NumericArray } from "../../src/batch/types.js";

/** The per-branch summary expected.json holds (computed by uproot), recomputed from a column. */
export interface Summary {
  entries: number;
  values: number;
  sum: number;
  sum_abs: number;
  min: number | null;
  max: number | null;
  first: number[];
  last: number[];
  counts_sum?: number;
  counts_max?: number;
  counts_first?: number[];
}

function leafValues(c: Column): NumericArray {
  let v: Column | NumericArray = c;
  while (!ArrayBuffer.isView(v)) v = (v as Column).values;
  return v;
}

export function summarise(c: Column, entries: number): Summary {
  const values = leafValues(c);
  const big = values instanceof BigInt64Array || values instanceof BigUint64Array;
  const n = values.length;
  const at = (i: number): number => (big ? Number((values as BigInt64Array)[i]!) : (values as Float64Array)[i]!);
  let sum = 0;
  let sumAbs = 0;
  let min = Infinity;
  let max = -Infinity;
  let nan = false;
  for (let i = 0; i < n; i++) {
    const x = at(i);
    if (Number.isNaN(x)) nan = true;
    sum += x;
    sumAbs += Math.abs(x);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const out: Summary = {
    entries,
    values: n,
    sum,
    sum_abs: sumAbs,
    min: n === 0 ? null : nan ? NaN : min,
    max: n === 0 ? null : nan ? NaN : max,
    first: Array.from({ length: Math.min(5, n) }, (_, i) => at(i)),
    last: Array.from({ length: Math.min(5, n) }, (_, i) => at(n - Math.min(5, n) + i)),
  };
  if (c.kind === "jagged") {
    const o = c.offsets;
    let cs = 0;
    let cm = 0;
    for (let i = 0; i + 1 < o.length; i++) {
      const k = o[i + 1]! - o[i]!;
      cs += k;
      if (k > cm) cm = k;
    }
    out.counts_sum = cs;
    out.counts_max = cm;
    out.counts_first = Array.from(o.subarray(1, Math.min(11, o.length)), (x, i) => x - o[i]!);
  }
  return out;
}

/** expected.json writes non-finite numbers as strings. */
export function num(x: unknown): number | null {
  if (x === null || x === undefined) return null;
  if (x === "NaN") return NaN;
  if (x === "Infinity") return Infinity;
  if (x === "-Infinity") return -Infinity;
  return x as number;
}
