import { emptyHistogram, FINE_BINS, fineBinRange, mergeHistograms } from "../stages/histogram.js";
import type { FieldHistogram } from "../stages/histogram.js";

/** A field's binning from the config (`report.binning."group.field"`); missing keys are chosen from the data. */
export interface BinningOverride {
  min?: number;
  max?: number;
  bins?: number;
  log?: boolean;
}

export interface DisplayBinning {
  edges: number[];
  log: boolean;
}

/** One series on the display bins, with what fell outside them. */
export interface RebinnedHistogram {
  counts: number[];
  underflow: number;
  overflow: number;
}

const DEFAULT_BINS = 50;
/** Quantiles that bound the robust range: a handful of outliers does not squeeze the bulk into one bin. */
const LOW_QUANTILE = 0.001;
const HIGH_QUANTILE = 0.999;
/** A positive field spanning at least this ratio gets a log axis. */
const LOG_SPAN = 1000;
/** Integer fields with at most this many distinct values get one bin per value. */
const MAX_INTEGER_BINS = 100;
/** Up to this many occupied fine bins, the range is centred on them rather than taken from quantiles. */
const FEW_VALUES = 3;

interface Piece {
  lo: number;
  hi: number;
  count: number;
}

/** The fine bins of several histograms, summed and ordered by value. */
function pieces(histograms: readonly FieldHistogram[]): Piece[] {
  // The sum keeps the bins in index order: positive values ascending in the lower half of the
  // indices, then negative values descending in the upper half.
  const sum = histograms.reduce(mergeHistograms, emptyHistogram());
  let negative = sum.bins.findIndex((b) => b >= FINE_BINS / 2);
  if (negative < 0) negative = sum.bins.length;
  const out: Piece[] = [];
  const add = (k: number) => {
    const [lo, hi] = fineBinRange(sum.bins[k]!);
    out.push({ lo, hi, count: sum.counts[k]! });
  };
  for (let k = sum.bins.length - 1; k >= negative; k--) add(k);
  for (let k = 0; k < negative; k++) add(k);
  return out;
}

/** The q-quantile, interpolated linearly inside the fine bin that holds it. */
function quantile(sorted: readonly Piece[], total: number, q: number): number {
  const target = q * total;
  let seen = 0;
  for (const p of sorted) {
    if (seen + p.count >= target) return p.lo + ((target - seen) / p.count) * (p.hi - p.lo);
    seen += p.count;
  }
  return sorted[sorted.length - 1]!.hi;
}

/**
 * Display bins for one field, common to every series drawn on the same axes: one bin per value
 * for integer fields with few values, otherwise `bins` bins over the 0.1 %-99.9 % quantile range
 * (log-spaced when the field is positive and spans three decades or more). Overrides win.
 */
export function displayBinning(histograms: readonly FieldHistogram[], integer: boolean, override: BinningOverride = {}): DisplayBinning {
  const sorted = pieces(histograms);
  const total = sorted.reduce((n, p) => n + p.count, 0);
  if (total === 0) {
    const min = override.min ?? 0;
    return { edges: linear(min, override.max ?? min + 1, override.bins ?? 1), log: false };
  }
  const min = sorted[0]!.lo;
  const max = sorted[sorted.length - 1]!.hi;
  if (integer && override.bins === undefined && override.log !== true) {
    const lo = Math.ceil(override.min ?? min);
    const hi = Math.floor(override.max ?? (max - (max - min) * 1e-9));
    if (hi - lo + 1 <= MAX_INTEGER_BINS) {
      const edges: number[] = [];
      for (let v = lo; v <= hi + 1; v++) edges.push(v - 0.5);
      return { edges, log: false };
    }
  }
  let lo = override.min ?? quantile(sorted, total, LOW_QUANTILE);
  let hi = override.max ?? quantile(sorted, total, HIGH_QUANTILE);
  if (sorted.length <= FEW_VALUES && override.min === undefined && override.max === undefined) {
    // Few distinct values: quantiles inside one fine bin would draw its 1.6 % width; show them all.
    lo = sorted[0]!.lo;
    hi = sorted[sorted.length - 1]!.hi;
    const mid = (lo + hi) / 2;
    if (hi - lo < Math.abs(mid) * 0.1) {
      const pad = Math.max(Math.abs(mid) * 0.5, 1e-30);
      lo = mid - pad;
      hi = mid + pad;
    }
  } else if (!(hi > lo)) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.5;
    lo -= pad;
    hi += pad;
  }
  const bins = override.bins ?? DEFAULT_BINS;
  const log = override.log ?? (lo > 0 && hi / lo >= LOG_SPAN);
  if (log && !(lo > 0)) throw new Error(`a log axis needs a positive lower edge, got ${lo}`);
  return { edges: log ? logarithmic(lo, hi, bins) : linear(lo, hi, bins), log };
}

function linear(lo: number, hi: number, bins: number): number[] {
  return Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + ((hi - lo) * k) / bins));
}

function logarithmic(lo: number, hi: number, bins: number): number[] {
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: bins + 1 }, (_, k) => (k === 0 ? lo : k === bins ? hi : Math.exp(a + ((b - a) * k) / bins)));
}

/** First index k with edges[k] > x (edges ascending). */
function upperBound(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A histogram on display bins. A fine bin that straddles display edges is shared in proportion
 * to the overlap (its entries taken as uniform inside its 1.6 % width); entries outside the edges
 * are counted as under- and overflow.
 */
export function rebin(h: FieldHistogram, edges: readonly number[]): RebinnedHistogram {
  const n = edges.length - 1;
  const out: RebinnedHistogram = { counts: new Array<number>(n).fill(0), underflow: 0, overflow: 0 };
  const first = edges[0]!;
  const last = edges[n]!;
  h.bins.forEach((b, i) => {
    const c = h.counts[i]!;
    const [lo, hi] = fineBinRange(b);
    const width = hi - lo;
    if (hi <= first) return void (out.underflow += c);
    if (lo >= last) return void (out.overflow += c);
    if (lo < first) out.underflow += (c * (first - lo)) / width;
    if (hi > last) out.overflow += (c * (hi - last)) / width;
    for (let k = Math.max(upperBound(edges, lo) - 1, 0); k < n && edges[k]! < hi; k++) {
      const overlap = Math.min(hi, edges[k + 1]!) - Math.max(lo, edges[k]!);
      if (overlap > 0) out.counts[k]! += (c * overlap) / width;
    }
  });
  return out;
}
