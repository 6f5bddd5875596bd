import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  batchStats,
  emptyStats,
  finalizePartials,
  finalizeStats,
  groupStats,
  mergePartials,
  mergeStats,
} from "../../src/stages/stats.js";
import type { FieldStats } from "../../src/stages/stats.js";

/** Straight two-pass float64 mean and population std over the kept entries. */
function twoPass(values: number[]): { mean: number; std: number } {
  const kept = values.filter((v) => !Number.isNaN(v));
  const mean = kept.reduce((s, v) => s + v, 0) / kept.length;
  const variance = kept.reduce((s, v) => s + (v - mean) ** 2, 0) / kept.length;
  return { mean, std: Math.sqrt(variance) };
}

const valueArb = fc.oneof(
  { weight: 9, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(Number.NaN) },
);

describe("stats", () => {
  it("matches a two-pass float64 computation over valid, non-NaN entries", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(valueArb, fc.boolean()), { minLength: 1, maxLength: 200 }), (pairs) => {
        const values = Float64Array.from(pairs.map((p) => p[0]));
        const valid = Uint8Array.from(pairs.map((p) => (p[1] ? 1 : 0)));
        const kept = pairs.filter((p) => p[1]).map((p) => p[0]);
        const s = batchStats(values, valid);
        expect(s.count).toBe(kept.filter((v) => !Number.isNaN(v)).length);
        if (s.count === 0) return;
        const ref = twoPass(kept);
        expect(s.mean).toBeCloseTo(ref.mean, 6);
        expect(Math.sqrt(s.m2 / s.count)).toBeCloseTo(ref.std, 6);
      }),
    );
  });

  it("merges to the same result in any order and grouping", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(valueArb, { maxLength: 30 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (chunks, rotation) => {
          const parts = chunks.map((c) => batchStats(Float64Array.from(c)));
          const forward = parts.reduce(mergeStats, emptyStats());
          const r = rotation % parts.length;
          const rotated = [...parts.slice(r), ...parts.slice(0, r)].reverse();
          // Tree-shaped merge of the rotated order, as workers would combine their partials.
          const tree = (ps: FieldStats[]): FieldStats =>
            ps.length <= 1 ? (ps[0] ?? emptyStats()) : mergeStats(tree(ps.slice(0, ps.length >> 1)), tree(ps.slice(ps.length >> 1)));
          const other = tree(rotated);
          const all = chunks.flat();
          expect(other.count).toBe(forward.count);
          if (forward.count === 0) return;
          const ref = twoPass(all);
          for (const s of [forward, other]) {
            expect(s.mean).toBeCloseTo(ref.mean, 5);
            expect(Math.sqrt(s.m2 / s.count)).toBeCloseTo(ref.std, 5);
          }
        },
      ),
    );
  });

  it("keeps precision where float32 accumulation would not", () => {
    const n = 100_000;
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = 1e6 + (i % 2);
    const s = finalizeStats(batchStats(values), "event.x");
    expect(s.mean).toBe(1e6 + 0.5);
    expect(s.std).toBe(0.5);
  });

  it("errors on empty, zero-std and non-finite fields, naming them", () => {
    expect(() => finalizeStats(emptyStats(), "jet.pt")).toThrow(/jet.pt: no valid/);
    expect(() => finalizePartials({ jet: { btag: batchStats(Float32Array.from([1, 1, 1])) } })).toThrow(
      /normalisation of jet.btag: std is 0 over 3 entries/,
    );
    expect(() => finalizeStats(batchStats(Float64Array.from([1, Infinity])), "el.eta")).toThrow(/el.eta: non-finite/);
  });

  it("computes group statistics over valid slots and merges partials per field", () => {
    const jet = { name: "jet", fields: { pt: Float32Array.from([10, 20, 0, 30, 0, 0]) }, valid: Uint8Array.from([1, 1, 0, 1, 0, 0]) };
    const a = { jet: groupStats(jet, ["pt"]) };
    const b = { jet: groupStats({ ...jet, fields: { pt: Float32Array.from([40, 0, 0, 0, 0, 0]) }, valid: Uint8Array.from([1, 0, 0, 0, 0, 0]) }, ["pt"]) };
    const norm = finalizePartials(mergePartials(a, b));
    expect(norm.jet!.pt!.mean).toBe(25);
    expect(norm.jet!.pt!.std).toBeCloseTo(Math.sqrt(125), 12);
    expect(() => groupStats(jet, ["eta"])).toThrow(/jet.eta is not a field/);
  });
});
