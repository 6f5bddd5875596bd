import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  emptyHistogram,
  emptyHistogramPartials,
  FINE_BINS,
  fieldHistogram,
  fineBinRange,
  finiteCount,
  maskedPositions,
  mergeHistogramPartials,
  mergeHistograms,
  multiplicityCounts,
} from "../../src/stages/histogram.js";
import type { FieldHistogram, HistogramPartials } from "../../src/stages/histogram.js";

const valueArb = fc.oneof(
  { weight: 8, arbitrary: fc.float({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 2, arbitrary: fc.integer({ min: -300, max: 300 }).map(Math.fround) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Infinity, -Infinity, 0, -0) },
);

describe("fieldHistogram", () => {
  it("puts every masked-in finite value in a bin whose range holds it, and counts NaN and infinities apart", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(valueArb, fc.boolean()), { maxLength: 300 }), (pairs) => {
        const values = Float32Array.from(pairs.map((p) => p[0]));
        const mask = Uint8Array.from(pairs.map((p) => (p[1] ? 1 : 0)));
        const h = fieldHistogram(values, mask);
        const kept = [...values].filter((_, i) => mask[i] === 1);
        expect(h.nan).toBe(kept.filter(Number.isNaN).length);
        expect(h.posInf).toBe(kept.filter((v) => v === Infinity).length);
        expect(h.negInf).toBe(kept.filter((v) => v === -Infinity).length);
        const finite = kept.filter(Number.isFinite);
        expect(finiteCount(h)).toBe(finite.length);
        // Sorted, distinct bins; each finite value's bin is listed and contains it.
        for (let k = 1; k < h.bins.length; k++) expect(h.bins[k]!).toBeGreaterThan(h.bins[k - 1]!);
        const expected = new Map<number, number>();
        for (const v of finite) {
          const bin = h.bins.find((b) => {
            const [lo, hi] = fineBinRange(b);
            return Object.is(v, -0) ? b >= FINE_BINS / 2 && lo <= 0 : v >= 0 ? lo <= v && v < hi && b < FINE_BINS / 2 : lo < v && v <= hi && b >= FINE_BINS / 2;
          });
          expect(bin, `value ${v}`).toBeDefined();
          expected.set(bin!, (expected.get(bin!) ?? 0) + 1);
        }
        expect(h.bins.map((b, k) => [b, h.counts[k]])).toEqual([...expected].sort((a, b) => a[0] - b[0]));
      }),
    );
  });

  it("lists the positions of a mask's set bytes, which a group's fields share", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (mask) => {
        expect([...maskedPositions(mask)]).toEqual([...mask.keys()].filter((i) => mask[i] !== 0));
      }),
    );
  });

  it("puts the largest float32 in the last finite bin", () => {
    const [lo, hi] = fineBinRange(fieldHistogram(Float32Array.of(3.4028234663852886e38)).bins[0]!);
    expect(lo).toBeLessThan(3.4028234663852886e38);
    expect(hi).toBeGreaterThan(3.4028234663852886e38);
  });

  it("has bins of at most 1/64 relative width, and one bin per integer up to 128", () => {
    for (const v of [1e-30, 0.013, 1, 2.5, 999.9, 4.2e5, 3e38]) {
      const h = fieldHistogram(Float32Array.of(v));
      const [lo, hi] = fineBinRange(h.bins[0]!);
      expect((hi - lo) / lo).toBeLessThanOrEqual(1 / 64 + 1e-12);
    }
    const ints = Int32Array.from({ length: 257 }, (_, i) => i - 128);
    const h = fieldHistogram(ints);
    expect(h.bins.length).toBe(257);
    expect(h.counts.every((c) => c === 1)).toBe(true);
  });

  it("bins float64, integer and bigint values by their float32 rounding", () => {
    const f64 = fieldHistogram(Float64Array.of(1.1, 2.2, 2.2, Number.NaN));
    const f32 = fieldHistogram(Float32Array.of(1.1, 2.2, 2.2, Number.NaN));
    expect(f64).toEqual(f32);
    expect(fieldHistogram(BigInt64Array.of(3n, 5n))).toEqual(fieldHistogram(Uint8Array.of(3, 5)));
  });

  it("sums to the same integers however the entries are split into partials and in any merge order", () => {
    fc.assert(
      fc.property(fc.array(fc.array(valueArb, { maxLength: 40 }), { minLength: 1, maxLength: 8 }), (chunks) => {
        const whole = fieldHistogram(Float32Array.from(chunks.flat()));
        const parts = chunks.map((c) => fieldHistogram(Float32Array.from(c)));
        expect(parts.reduce(mergeHistograms, emptyHistogram())).toEqual(whole);
        expect([...parts].reverse().reduce((a, b) => mergeHistograms(b, a), emptyHistogram())).toEqual(whole);
      }),
    );
  });

  it("rejects a mask of the wrong length", () => {
    expect(() => fieldHistogram(Float32Array.of(1, 2), Uint8Array.of(1))).toThrow(/mask of 1 entries for 2 values/);
  });
});

describe("multiplicity", () => {
  it("counts events per number of objects, with and without a selection", () => {
    // Offsets not starting at 0, as a sliced jagged column has.
    const offsets = Int32Array.of(5, 7, 7, 10, 11);
    expect(multiplicityCounts(offsets)).toEqual([1, 1, 1, 1]);
    const select = Uint8Array.of(9, 9, 9, 9, 9, 1, 0, 1, 1, 1, 0);
    expect(multiplicityCounts(offsets, select)).toEqual([2, 1, 0, 1]);
  });

  it("merges partials group by group, field by field", () => {
    const a: HistogramPartials = { fields: { jet: { pt: fieldHistogram(Float32Array.of(1, 2)) } }, multiplicity: { jet: [1, 2] } };
    const b: HistogramPartials = { fields: { jet: { pt: fieldHistogram(Float32Array.of(2, Number.NaN)), eta: fieldHistogram(Float32Array.of(0)) } }, multiplicity: { jet: [0, 1, 4], el: [3] } };
    const m = mergeHistogramPartials(mergeHistogramPartials(emptyHistogramPartials(), a), b);
    expect(m.multiplicity).toEqual({ jet: [1, 3, 4], el: [3] });
    const pt: FieldHistogram = m.fields.jet!.pt!;
    expect(pt).toEqual(fieldHistogram(Float32Array.of(1, 2, 2, Number.NaN)));
    expect(m.fields.jet!.eta).toEqual(fieldHistogram(Float32Array.of(0)));
  });
});
