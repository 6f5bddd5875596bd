import type { NumericArray } from "../batch/core.js";

/**
 * Mergeable histograms for the run report.
 *
 * The bins are fixed before any data is seen, so partials from any split of the work (tasks,
 * workers, files, shards on other machines) add up to the same integers in any order: a value's
 * bin is the top of its float32 bit pattern (sign, 8 exponent bits, FINE_MANTISSA_BITS mantissa
 * bits), i.e. 64 bins per power of two, a relative width of 1/64 (1.6 %) at every scale from
 * 1e-38 to 3e38. The page's display binning (robust range from quantiles, log scale, per-field
 * overrides) is chosen later from the merged partial, and the distribution after normalisation is
 * the same counts on the axis mapped by (x - mean) / std, so no second pass over the data is needed.
 */
export const FINE_MANTISSA_BITS = 6;
const SHIFT = 23 - FINE_MANTISSA_BITS;
/** Number of fine bins (sign + exponent + kept mantissa bits). */
export const FINE_BINS = 1 << (32 - SHIFT);
const EXPONENT_MASK = 0x7f800000;

/**
 * Histogram of one field: sparse fine bins (ascending index) with their counts, and the entries
 * that have no bin: NaN and infinities are counted, never dropped silently.
 */
export interface FieldHistogram {
  bins: number[];
  counts: number[];
  nan: number;
  posInf: number;
  negInf: number;
}

/** Histograms of one class: group -> field -> histogram, and per object group the multiplicity (events with k objects at index k). */
export interface HistogramPartials {
  fields: Record<string, Record<string, FieldHistogram>>;
  multiplicity: Record<string, number[]>;
}

export function emptyHistogram(): FieldHistogram {
  return { bins: [], counts: [], nan: 0, posInf: 0, negInf: 0 };
}

export function emptyHistogramPartials(): HistogramPartials {
  return { fields: {}, multiplicity: {} };
}

/** The values as float32 bit patterns (a view when they already are float32). */
function float32Bits(values: NumericArray): Uint32Array {
  if (values instanceof Float32Array) return new Uint32Array(values.buffer, values.byteOffset, values.length);
  const f = new Float32Array(values.length);
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) f[i] = Number(values[i]!);
  } else {
    f.set(values);
  }
  return new Uint32Array(f.buffer);
}

/** One worker's dense scratch counts, zeroed again after each use (only the touched bins). */
let scratch: Uint32Array | undefined;

/** Positions of the set bytes of a mask, ascending: the entries a group's fields histogram (train, valid). */
export function maskedPositions(mask: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += mask[i] === 0 ? 0 : 1;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; k < n; i++) if (mask[i] !== 0) out[k++] = i;
  return out;
}

/**
 * Histogram of the entries whose mask byte is set (all entries without a mask); float64 and
 * 64-bit integer values are binned by their float32 rounding. Fields of one group share their
 * mask: `fieldHistogramAt` takes its set positions, found once (maskedPositions).
 */
export function fieldHistogram(values: NumericArray, mask?: Uint8Array): FieldHistogram {
  if (mask && mask.length !== values.length) throw new RangeError(`mask of ${mask.length} entries for ${values.length} values`);
  return fieldHistogramAt(values, mask && maskedPositions(mask));
}

/** Histogram of the entries at `positions` (all entries without). */
export function fieldHistogramAt(values: NumericArray, positions?: Int32Array): FieldHistogram {
  const bits = float32Bits(values);
  const dense = (scratch ??= new Uint32Array(FINE_BINS));
  const out = emptyHistogram();
  countBins(bits, positions, dense, out);
  collectBins(dense, out);
  return out;
}

/*
 * The two loops of fieldHistogramAt, each in a function of its own: one function holding both
 * was compiled on the stack during the first, then thrown away on reaching the second.
 */

/** Counts the entries (at `positions`, or all) into the dense bins; those without a bin into `out`. */
function countBins(bits: Uint32Array, positions: Int32Array | undefined, dense: Uint32Array, out: FieldHistogram): void {
  const n = positions ? positions.length : bits.length;
  let nan = 0;
  let negInf = 0;
  let posInf = 0;
  for (let k = 0; k < n; k++) {
    // A list of positions rather than a test per entry: which entries are train and valid
    // follows no pattern the CPU could predict.
    const b = bits[positions ? positions[k]! : k]!;
    if ((b & EXPONENT_MASK) === EXPONENT_MASK) {
      if ((b & 0x7fffff) !== 0) nan++;
      else if (b >>> 31) negInf++;
      else posInf++;
      continue;
    }
    dense[b >>> SHIFT]!++;
  }
  out.nan = nan;
  out.negInf = negInf;
  out.posInf = posInf;
}

/** Moves the non-zero dense bins into `out` (ascending), zeroing them for the next field. */
function collectBins(dense: Uint32Array, out: FieldHistogram): void {
  for (let k = 0; k < FINE_BINS; k++) {
    const c = dense[k]!;
    if (c === 0) continue;
    out.bins.push(k);
    out.counts.push(c);
    dense[k] = 0;
  }
}

/** Sum of two histograms (a merge of sorted sparse lists); the inputs are not changed. */
export function mergeHistograms(a: FieldHistogram, b: FieldHistogram): FieldHistogram {
  const out: FieldHistogram = { bins: [], counts: [], nan: a.nan + b.nan, posInf: a.posInf + b.posInf, negInf: a.negInf + b.negInf };
  let i = 0;
  let j = 0;
  while (i < a.bins.length || j < b.bins.length) {
    const x = i < a.bins.length ? a.bins[i]! : Infinity;
    const y = j < b.bins.length ? b.bins[j]! : Infinity;
    if (x === y) {
      out.bins.push(x);
      out.counts.push(a.counts[i++]! + b.counts[j++]!);
    } else if (x < y) {
      out.bins.push(x);
      out.counts.push(a.counts[i++]!);
    } else {
      out.bins.push(y);
      out.counts.push(b.counts[j++]!);
    }
  }
  return out;
}

/** Element-wise sum of two count lists of possibly different lengths. */
export function mergeCounts(a: readonly number[], b: readonly number[]): number[] {
  const out = a.length >= b.length ? [...a] : [...b];
  const short = a.length >= b.length ? b : a;
  for (let k = 0; k < short.length; k++) out[k]! += short[k]!;
  return out;
}

/** Sum of two partials, group by group and field by field. */
export function mergeHistogramPartials(a: HistogramPartials, b: HistogramPartials): HistogramPartials {
  const out = emptyHistogramPartials();
  for (const side of [a, b]) {
    for (const [group, fields] of Object.entries(side.fields)) {
      const target = (out.fields[group] ??= {});
      for (const [field, h] of Object.entries(fields)) target[field] = mergeHistograms(target[field] ?? emptyHistogram(), h);
    }
    for (const [group, counts] of Object.entries(side.multiplicity)) out.multiplicity[group] = mergeCounts(out.multiplicity[group] ?? [], counts);
  }
  return out;
}

/**
 * Events with k objects at index k, from a group's offsets (objects of event i at
 * offsets[i]..offsets[i+1]) and, when the group has a selection, its per-object keep values at
 * the same positions (non-zero: kept).
 */
export function multiplicityCounts(offsets: Int32Array, keep?: NumericArray): number[] {
  const out: number[] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    let n = offsets[i + 1]! - offsets[i]!;
    if (keep) {
      n = 0;
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) if (keep[k]) n++;
    }
    while (out.length <= n) out.push(0);
    out[n]!++;
  }
  return out;
}

const edgeView = new Uint32Array(1);
const edgeFloat = new Float32Array(edgeView.buffer);

function fromBits(bits: number): number {
  edgeView[0] = bits;
  return edgeFloat[0]!;
}

/** The value interval [lo, hi) covered by a fine bin (negative bins: (lo, hi]); the last finite bin ends at 2^128. */
export function fineBinRange(bin: number): [number, number] {
  const negative = bin >>> (31 - SHIFT) === 1;
  const magnitude = bin & ((1 << (31 - SHIFT)) - 1);
  const low = fromBits(magnitude << SHIFT);
  const next = (magnitude + 1) << SHIFT;
  const high = next >= EXPONENT_MASK ? 2 ** 128 : fromBits(next);
  return negative ? [-high, -low] : [low, high];
}

/** Entries of a histogram that fell into bins (NaN and infinities excluded). */
export function finiteCount(h: FieldHistogram): number {
  let n = 0;
  for (const c of h.counts) n += c;
  return n;
}
