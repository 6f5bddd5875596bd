import { describe, expect, it } from "vitest";
import { concatBatches, filterBatch, sliceBatch, validateBatch } from "../../src/batch/index.js";
import type { Batch, Column } from "../../src/batch/index.js";

function sample(): Batch {
  // Three events: jets [1,2] [] [3]; nested [[1],[2,3]] [] [[4]]; a scalar and a fixed (2,) array.
  const jets: Column = { kind: "jagged", offsets: Int32Array.of(0, 2, 2, 3), values: Float32Array.of(1, 2, 3) };
  const nested: Column = {
    kind: "jagged",
    offsets: Int32Array.of(0, 2, 2, 3),
    values: { kind: "jagged", offsets: Int32Array.of(0, 1, 3, 4), values: Float64Array.of(1, 2, 3, 4) },
  };
  return {
    length: 3,
    columns: {
      jets,
      nested,
      id: { kind: "flat", values: BigUint64Array.of(10n, 11n, 12n) },
      fixed: { kind: "flat", shape: [2], values: Int16Array.of(1, 2, 3, 4, 5, 6) },
    },
  };
}

describe("batch operations", () => {
  it("slices flat, fixed, jagged and doubly jagged columns", () => {
    const s = sliceBatch(sample(), 1, 3);
    expect(s.length).toBe(2);
    const jets = s.columns.jets as Extract<Column, { kind: "jagged" }>;
    expect([...jets.offsets]).toEqual([0, 0, 1]);
    expect([...(jets.values as Float32Array)]).toEqual([3]);
    const nested = s.columns.nested as Extract<Column, { kind: "jagged" }>;
    const inner = nested.values as Extract<Column, { kind: "jagged" }>;
    expect([...nested.offsets]).toEqual([0, 0, 1]);
    expect([...inner.offsets]).toEqual([0, 1]);
    expect([...(inner.values as Float64Array)]).toEqual([4]);
    expect([...(s.columns.id!.values as BigUint64Array)]).toEqual([11n, 12n]);
    expect([...(s.columns.fixed!.values as Int16Array)]).toEqual([3, 4, 5, 6]);
    validateBatch(s);
  });

  it("concatenation of slices gives back the batch", () => {
    const b = sample();
    const c = concatBatches([sliceBatch(b, 0, 1), sliceBatch(b, 1, 2), sliceBatch(b, 2, 3)]);
    expect(c).toEqual(b);
  });

  it("filters events keeping jagged columns consistent", () => {
    const f = filterBatch(sample(), Uint8Array.of(1, 0, 1));
    expect(f.length).toBe(2);
    const nested = f.columns.nested as Extract<Column, { kind: "jagged" }>;
    const inner = nested.values as Extract<Column, { kind: "jagged" }>;
    expect([...nested.offsets]).toEqual([0, 2, 3]);
    expect([...inner.offsets]).toEqual([0, 1, 3, 4]);
    expect([...(inner.values as Float64Array)]).toEqual([1, 2, 3, 4]);
    expect([...(f.columns.fixed!.values as Int16Array)]).toEqual([1, 2, 5, 6]);
    validateBatch(f);
  });

  it("rejects out-of-range slices and mismatched masks", () => {
    expect(() => sliceBatch(sample(), 2, 5)).toThrow(/outside a batch of 3/);
    expect(() => filterBatch(sample(), Uint8Array.of(1))).toThrow(/mask of 1 entries/);
  });
});
