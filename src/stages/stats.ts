import type { NumericArray } from "../batch/core.js";
import { maskedPositions } from "./histogram.js";

/**
 * Mergeable running statistics of one field: count, mean and sum of squared deviations (M2) in
 * float64. A plain object of numbers, so workers can post it back to the main thread as is.
 */
export interface FieldStats {
  count: number;
  mean: number;
  m2: number;
}

/** group -> field -> partial statistics. */
export type StatsPartials = Record<string, Record<string, FieldStats>>;

export interface MeanStd {
  mean: number;
  std: number;
}

export function emptyStats(): FieldStats {
  return { count: 0, mean: 0, m2: 0 };
}

/** Chan et al.'s parallel combination of two partials; exact up to rounding in any order. */
export function mergeStats(a: FieldStats, b: FieldStats): FieldStats {
  if (b.count === 0) return { ...a };
  if (a.count === 0) return { ...b };
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + ((delta * delta * a.count) / count) * b.count,
  };
}

/**
 * Statistics of the values of one batch whose `valid` byte is set (all values when `valid` is
 * absent), NaN ignored; two passes in float64 over the batch, so the partial is as exact as a
 * direct computation.
 */
export function batchStats(values: NumericArray, valid?: Uint8Array): FieldStats {
  if (valid && valid.length !== values.length) {
    throw new RangeError(`valid mask of ${valid.length} entries for ${values.length} values`);
  }
  return batchStatsAt(values, valid && maskedPositions(valid));
}

/**
 * batchStats of the entries at `positions` (ascending; all entries without): the same sums in the
 * same order as with a mask, but no test per entry, which the CPU mispredicts on padded slots, and
 * the fields of a group share one list.
 */
export function batchStatsAt(values: NumericArray, positions?: Int32Array): FieldStats {
  const v = (values instanceof BigInt64Array || values instanceof BigUint64Array ? Float64Array.from(values, Number) : values) as Float64Array;
  const n = positions ? positions.length : v.length;
  const sum = sumAt(v, positions, n);
  const count = passCount;
  if (count === 0) return emptyStats();
  const mean = sum / count;
  let m2 = squaresAt(v, positions, n, mean);
  const comp = passComp;
  // Corrected two-pass: removes the rounding error left in `mean`.
  m2 -= (comp * comp) / count;
  return { count, mean: mean + comp / count, m2: Math.max(m2, 0) };
}

/*
 * The two passes, each a function of its own that returns through these: one function holding
 * both loops was compiled on the stack during its first loop, then thrown away on reaching the
 * second (no type feedback there yet), and again for each array type met: 15 deoptimisations in
 * a worker's first tasks, each followed by another compilation.
 */
let passCount = 0;
let passComp = 0;

/** The sum of the non-NaN entries (their number in passCount). */
function sumAt(v: Float64Array, positions: Int32Array | undefined, n: number): number {
  let count = 0;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const x = v[positions ? positions[k]! : k]!;
    if (x !== x) continue;
    count++;
    sum += x;
  }
  passCount = count;
  return sum;
}

/** The sum of squared deviations from `mean` of the non-NaN entries (the deviations' sum in passComp). */
function squaresAt(v: Float64Array, positions: Int32Array | undefined, n: number, mean: number): number {
  let m2 = 0;
  let comp = 0;
  for (let k = 0; k < n; k++) {
    const x = v[positions ? positions[k]! : k]!;
    if (x !== x) continue;
    const d = x - mean;
    m2 += d * d;
    comp += d;
  }
  passComp = comp;
  return m2;
}

/** Adds a batch of one field into a partial. */
export function accumulateStats(stats: FieldStats, values: NumericArray, valid?: Uint8Array): FieldStats {
  return mergeStats(stats, batchStats(values, valid));
}

/** Merges partials group by group and field by field (fields present on either side are kept). */
export function mergePartials(a: StatsPartials, b: StatsPartials): StatsPartials {
  const out: StatsPartials = {};
  for (const side of [a, b]) {
    for (const [group, fields] of Object.entries(side)) {
      const target = (out[group] ??= {});
      for (const [field, stats] of Object.entries(fields)) {
        target[field] = mergeStats(target[field] ?? emptyStats(), stats);
      }
    }
  }
  return out;
}

/**
 * Population mean and standard deviation (ddof = 0, as UPP). `name` (e.g. `jet.pt`) is named in
 * the error when there are no entries, or the std is zero or not finite: SALT's InputNorm would
 * divide by it.
 */
export function finalizeStats(stats: FieldStats, name: string): MeanStd {
  if (stats.count === 0) throw new Error(`normalisation of ${name}: no valid, non-NaN entries`);
  const std = Math.sqrt(stats.m2 / stats.count);
  if (!Number.isFinite(stats.mean) || !Number.isFinite(std)) {
    throw new Error(`normalisation of ${name}: non-finite mean ${stats.mean} or std ${std} (infinite inputs?)`);
  }
  if (std === 0) {
    throw new Error(`normalisation of ${name}: std is 0 over ${stats.count} entries (constant field); drop it from the inputs`);
  }
  return { mean: stats.mean, std };
}

/** group -> field -> {mean, std}, the content of SALT's norm_dict.yaml. */
export type NormDict = Record<string, Record<string, MeanStd>>;

/** Finalises every field of every group, naming `group.field` in errors. */
export function finalizePartials(partials: StatsPartials): NormDict {
  const out: NormDict = {};
  for (const [group, fields] of Object.entries(partials)) {
    out[group] = {};
    for (const [field, stats] of Object.entries(fields)) out[group][field] = finalizeStats(stats, `${group}.${field}`);
  }
  return out;
}

/**
 * Statistics of the named fields of a padded or global group: constituent groups count only
 * valid slots, global groups (no `valid`) every event.
 */
export function groupStats(
  group: { name: string; fields: Record<string, NumericArray>; valid?: Uint8Array },
  fields: readonly string[],
): Record<string, FieldStats> {
  const out: Record<string, FieldStats> = {};
  for (const f of fields) {
    const values = group.fields[f];
    if (!values) throw new Error(`normalisation input ${group.name}.${f} is not a field of group "${group.name}"`);
    out[f] = batchStats(values, group.valid);
  }
  return out;
}
