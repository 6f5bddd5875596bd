import { describe, expect, it } from "vitest";
import { displayBinning, rebin } from "../../src/report/binning.js";
import { fieldHistogram } from "../../src/stages/histogram.js";

/** Deterministic pseudo-random numbers (xorshift), so the expected figures do not depend on a seedless RNG. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function directCounts(values: ArrayLike<number>, edges: readonly number[]): { counts: number[]; under: number; over: number } {
  const counts = new Array<number>(edges.length - 1).fill(0);
  let under = 0;
  let over = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < edges[0]!) under++;
    else if (v >= edges[edges.length - 1]!) over++;
    else counts[edges.findIndex((e, k) => v >= e && v < edges[k + 1]!)]!++;
  }
  return { counts, under, over };
}

describe("display binning", () => {
  it("gives a linear robust range for a gaussian-like field and rebins close to a direct count", () => {
    const r = rng(7);
    const values = Float32Array.from({ length: 20000 }, () => (r() + r() + r() + r() - 2) * 1.5);
    const h = fieldHistogram(values);
    const b = displayBinning([h], false);
    expect(b.log).toBe(false);
    expect(b.edges.length).toBe(51);
    // The 0.1 % and 99.9 % quantiles of a sum of four uniforms scaled to [-3, 3]: inside, not at the ends.
    expect(b.edges[0]!).toBeGreaterThan(-3);
    expect(b.edges[0]!).toBeLessThan(-2);
    const re = rebin(h, b.edges);
    const direct = directCounts(values, b.edges);
    const total = re.counts.reduce((a, c) => a + c, 0) + re.underflow + re.overflow;
    expect(total).toBeCloseTo(values.length, 6);
    // Sharing straddling fine bins moves at most a few per cent of a bin's entries.
    re.counts.forEach((c, k) => expect(Math.abs(c - direct.counts[k]!)).toBeLessThanOrEqual(Math.max(8, direct.counts[k]! * 0.06)));
    expect(Math.abs(re.underflow - direct.under)).toBeLessThan(10);
  });

  it("uses a log axis for a positive field spanning decades", () => {
    const r = rng(3);
    const values = Float32Array.from({ length: 5000 }, () => 20e3 * Math.exp(r() * 9));
    const b = displayBinning([fieldHistogram(values)], false);
    expect(b.log).toBe(true);
    expect(b.edges[b.edges.length - 1]! / b.edges[0]!).toBeGreaterThan(1000);
  });

  it("gives integer fields one bin per value, and obeys overrides", () => {
    const h = fieldHistogram(Int32Array.of(0, 1, 1, 2, 5));
    expect(displayBinning([h], true).edges).toEqual([-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]);
    expect(rebin(h, [-0.5, 0.5, 1.5, 2.5, 3.5, 4.5, 5.5]).counts).toEqual([1, 2, 1, 0, 0, 1]);
    const o = displayBinning([h], true, { min: 0, max: 10, bins: 5 });
    expect(o.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(displayBinning([fieldHistogram(Float32Array.of(1, 10))], false, { log: true, bins: 1 }).log).toBe(true);
  });

  it("shares the axes of several series and copes with a constant or empty field", () => {
    const a = fieldHistogram(Float32Array.of(1, 1, 1));
    const b = displayBinning([a], false);
    expect(b.edges[0]!).toBeLessThan(1);
    expect(b.edges[b.edges.length - 1]!).toBeGreaterThan(1);
    expect(rebin(a, b.edges).counts.reduce((x, y) => x + y, 0)).toBeCloseTo(3, 9);
    expect(displayBinning([fieldHistogram(Float32Array.of(Number.NaN))], false).edges).toEqual([0, 1]);
  });
});
