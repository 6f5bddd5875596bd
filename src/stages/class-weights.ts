import type { NumericArray } from "../batch/core.js";

/**
 * Adds the label counts of one batch into `counts` (indexed by class); entries whose `valid` byte
 * is 0 are skipped. A label outside 0..counts.length-1 is an error naming `name`.
 */
export function countClasses(counts: Float64Array, labels: NumericArray, name: string, valid?: Uint8Array): Float64Array {
  const c = counts.length;
  for (let i = 0; i < labels.length; i++) {
    if (valid && valid[i] === 0) continue;
    const v = Number(labels[i]);
    if (!(Number.isInteger(v) && v >= 0 && v < c)) {
      throw new RangeError(`${name}: label ${v} at entry ${i} is not a class index 0..${c - 1}`);
    }
    counts[v]!++;
  }
  return counts;
}

/** numpy's round(x, 2): half to even on x * 100. */
function round2(x: number): number {
  const y = x * 100;
  const r = Math.round(y);
  const even = Math.abs(y % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  return even / 100;
}

export interface ClassWeightOptions {
  /** `upp`: round((N / n_c) / min_k(N / n_k), 2), UPP's formula; `raw`: N / n_c. */
  method?: "upp" | "raw";
  /** What an empty class gets: `error` (default) throws, `zero` gives weight 0. */
  empty?: "error" | "zero";
  /** Class names for messages. */
  classNames?: readonly string[];
}

/**
 * Class weights as a list indexed by class index (SALT's `weight=` convention), unlike UPP, which
 * orders by sorted unique label value. `counts[c]` is the number of entries of class c.
 */
export function classWeights(counts: ArrayLike<number>, options: ClassWeightOptions = {}): number[] {
  const method = options.method ?? "upp";
  const total = Array.from(counts).reduce((s, n) => s + n, 0);
  const emptyClasses: string[] = [];
  const raw = Array.from(counts, (n, c) => {
    if (n > 0) return total / n;
    emptyClasses.push(options.classNames?.[c] ? `${c} (${options.classNames[c]})` : `${c}`);
    return 0;
  });
  if (emptyClasses.length > 0 && (options.empty ?? "error") === "error") {
    throw new Error(`class weights: no training entries for class ${emptyClasses.join(", ")}`);
  }
  if (method === "raw") return raw;
  const nonEmpty = raw.filter((w) => w > 0);
  if (nonEmpty.length === 0) throw new Error("class weights: no training entries at all");
  const min = Math.min(...nonEmpty);
  return raw.map((w) => (w > 0 ? round2(w / min) : 0));
}
