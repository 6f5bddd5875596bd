/**
 * Per-event reductions of a list of objects (awkward's axis=1), one pass over the values.
 * Results are per event; `valid` marks events whose result is not missing (awkward's None).
 *
 * Empty lists: num/count/count_nonzero/sum give 0, prod 1, any false, all true; min, max,
 * argmin, argmax and firsts are missing; mean, var, std are NaN (0/0, as in awkward).
 * NaN: sum/prod/mean/var/std propagate it; min/max skip it (awkward's kernels compare with
 * `<`/`>`), a non-empty list of only NaN gives +inf/-inf (the identity) like awkward;
 * argmin/argmax keep the first element unless a later one compares strictly better, so a
 * leading NaN wins, as in awkward; the nan* variants ignore NaN entirely (all-NaN: missing).
 */
import type { ReduceFn } from "./functions.js";
import type { Values } from "./kernels.js";

export interface Reduced {
  values: Float64Array;
  valid?: Uint8Array;
}

export function reduceObjects(fn: ReduceFn, values: Values, offsets: Int32Array): Reduced {
  const n = offsets.length - 1;
  const out = new Float64Array(n);
  // Every loop is in a function of its own: V8 compiles a loop on the stack while it runs, and
  // code around it that had not run yet (another case) would throw that code away.
  switch (fn) {
    case "num":
    case "count":
      return lengths(offsets, out);
    case "count_nonzero":
    case "any":
    case "all":
      return nonZero(fn, values, offsets, out);
    case "sum":
    case "nansum":
    case "prod":
    case "nanprod":
      return fold(fn, values, offsets, out);
    case "min":
    case "max":
    case "nanmin":
    case "nanmax":
      return extremum(fn, values, offsets, out);
    case "argmin":
    case "argmax":
    case "nanargmin":
    case "nanargmax":
      return argExtremum(fn, values, offsets, out);
    case "mean":
    case "nanmean":
    case "var":
    case "nanvar":
    case "std":
    case "nanstd":
      return moments(fn, values, offsets, out);
    case "firsts":
      return firsts(values, offsets, out);
  }
}

function lengths(offsets: Int32Array, out: Float64Array): Reduced {
  for (let e = 0; e < out.length; e++) out[e] = offsets[e + 1]! - offsets[e]!;
  return { values: out };
}

function nonZero(fn: "count_nonzero" | "any" | "all", values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  for (let e = 0; e < out.length; e++) {
    let c = 0;
    const a = offsets[e]!, b = offsets[e + 1]!;
    for (let j = a; j < b; j++) c += +(values[j] !== 0);
    out[e] = fn === "count_nonzero" ? c : fn === "any" ? (c > 0 ? 1 : 0) : c === b - a ? 1 : 0;
  }
  return { values: out };
}

function fold(fn: "sum" | "nansum" | "prod" | "nanprod", values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  const product = fn === "prod" || fn === "nanprod";
  const skipNaN = fn === "nansum" || fn === "nanprod";
  for (let e = 0; e < out.length; e++) {
    let acc = product ? 1 : 0;
    for (let j = offsets[e]!, b = offsets[e + 1]!; j < b; j++) {
      const v = values[j]!;
      if (skipNaN && v !== v) continue;
      acc = product ? acc * v : acc + v;
    }
    out[e] = acc;
  }
  return { values: out };
}

function firsts(values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  const valid = new Uint8Array(out.length);
  for (let e = 0; e < out.length; e++) {
    const a = offsets[e]!;
    if (offsets[e + 1]! > a) {
      out[e] = values[a]!;
      valid[e] = 1;
    } else {
      out[e] = NaN;
    }
  }
  return { values: out, valid };
}

function extremum(fn: "min" | "max" | "nanmin" | "nanmax", values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  const n = offsets.length - 1;
  const valid = new Uint8Array(n);
  const isMax = fn === "max" || fn === "nanmax";
  const nanVariant = fn === "nanmin" || fn === "nanmax";
  for (let e = 0; e < n; e++) {
    const a = offsets[e]!, b = offsets[e + 1]!;
    let acc = isMax ? -Infinity : Infinity;
    let seen = 0;
    for (let j = a; j < b; j++) {
      const v = values[j]!;
      if (v === v) seen++;
      if (isMax ? v > acc : v < acc) acc = v;
    }
    if (b > a && (seen > 0 || !nanVariant)) {
      out[e] = acc;
      valid[e] = 1;
    } else {
      out[e] = NaN;
    }
  }
  return { values: out, valid };
}

function argExtremum(fn: "argmin" | "argmax" | "nanargmin" | "nanargmax", values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  const n = offsets.length - 1;
  const valid = new Uint8Array(n);
  const isMax = fn === "argmax" || fn === "nanargmax";
  const skipNaN = fn === "nanargmin" || fn === "nanargmax";
  for (let e = 0; e < n; e++) {
    const a = offsets[e]!, b = offsets[e + 1]!;
    let best = -1;
    let bestValue = 0;
    for (let j = a; j < b; j++) {
      const v = values[j]!;
      if (skipNaN && v !== v) continue;
      if (best < 0 || (isMax ? v > bestValue : v < bestValue)) {
        best = j - a;
        bestValue = v;
      }
    }
    if (best >= 0) {
      out[e] = best;
      valid[e] = 1;
    } else {
      out[e] = NaN;
    }
  }
  return { values: out, valid };
}

function moments(fn: "mean" | "nanmean" | "var" | "nanvar" | "std" | "nanstd", values: Values, offsets: Int32Array, out: Float64Array): Reduced {
  const n = offsets.length - 1;
  const skipNaN = fn.startsWith("nan");
  const kind = skipNaN ? fn.slice(3) : fn;
  for (let e = 0; e < n; e++) {
    const a = offsets[e]!, b = offsets[e + 1]!;
    let sum = 0;
    let count = 0;
    for (let j = a; j < b; j++) {
      const v = values[j]!;
      if (skipNaN && v !== v) continue;
      sum += v;
      count++;
    }
    const mean = sum / count;
    if (kind === "mean") {
      out[e] = mean;
      continue;
    }
    let ss = 0;
    for (let j = a; j < b; j++) {
      const v = values[j]!;
      if (skipNaN && v !== v) continue;
      ss += (v - mean) * (v - mean);
    }
    out[e] = kind === "var" ? ss / count : Math.sqrt(ss / count);
  }
  return { values: out };
}
