import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { JaggedColumn } from "../../src/batch/index.js";
import { padGlobal, padGroup } from "../../src/stages/pad.js";
import type { Padding } from "../../src/stages/pad.js";

/** Builds a jagged column from per-event JS arrays (test side only). */
function jagged(events: number[][], ctor: { from(a: number[]): Float32Array | Int32Array | Float64Array } = Float32Array): JaggedColumn {
  const offsets = new Int32Array(events.length + 1);
  const flat: number[] = [];
  events.forEach((e, i) => {
    flat.push(...e);
    offsets[i + 1] = offsets[i]! + e.length;
  });
  return { kind: "jagged", offsets, values: ctor.from(flat) };
}

interface Reference {
  values: Record<string, number[][]>;
  truncated: number;
}

/** The straightforward per-event algorithm, written independently of the implementation. */
function reference(
  events: Record<string, number[][]>,
  max: number,
  select?: number[][],
  sortBy?: number[][],
): Reference {
  const names = Object.keys(events);
  const n = events[names[0]!]!.length;
  const values: Record<string, number[][]> = Object.fromEntries(names.map((f) => [f, []]));
  let truncated = 0;
  for (let i = 0; i < n; i++) {
    let idx = events[names[0]!]![i]!.map((_, j) => j);
    if (select) idx = idx.filter((j) => select[i]![j]);
    if (sortBy) {
      const key = (j: number) => (Number.isNaN(sortBy[i]![j]!) ? -Infinity : sortBy[i]![j]!);
      idx = [...idx].sort((a, b) => (key(b) > key(a) ? 1 : key(b) < key(a) ? -1 : a - b));
    }
    truncated += Math.max(0, idx.length - max);
    idx = idx.slice(0, max);
    for (const f of names) values[f]!.push(idx.map((j) => events[f]![i]![j]!));
  }
  return { values, truncated };
}

function checkAgainst(
  out: ReturnType<typeof padGroup>,
  ref: Reference,
  max: number,
  padding: Padding,
): void {
  for (const [f, evs] of Object.entries(ref.values)) {
    const arr = out.fields[f]!;
    expect(arr.length).toBe(evs.length * max);
    evs.forEach((kept, i) => {
      for (let j = 0; j < max; j++) {
        const slot = i * max + j;
        if (j < kept.length) {
          expect(out.valid[slot]).toBe(1);
          expect(arr[slot]).toBe(Math.fround(kept[j]!));
        } else {
          expect(out.valid[slot]).toBe(0);
          if (padding === "nan") expect(arr[slot]).toBeNaN();
          else expect(arr[slot]).toBe(0);
        }
      }
    });
  }
  expect(out.truncated).toBe(ref.truncated);
}

const eventsArb = fc
  .array(fc.integer({ min: 0, max: 9 }), { minLength: 0, maxLength: 40 })
  .chain((counts) =>
    fc.record({
      pt: fc.tuple(...counts.map((c) => fc.array(fc.integer({ min: 0, max: 5 }).map((v) => v * 10), { minLength: c, maxLength: c }))),
      eta: fc.tuple(...counts.map((c) => fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: c, maxLength: c }))),
      sel: fc.tuple(...counts.map((c) => fc.array(fc.integer({ min: 0, max: 1 }), { minLength: c, maxLength: c }))),
      max: fc.integer({ min: 1, max: 6 }),
      padding: fc.constantFrom<Padding>("zero", "nan"),
    }),
  );

describe("padGroup", () => {
  it("matches a per-event reference for every combination of select and sort (ties, truncation, empty events)", () => {
    fc.assert(
      fc.property(eventsArb, ({ pt, eta, sel, max, padding }) => {
        const events = { pt: pt as number[][], eta: eta as number[][] };
        const fields = { pt: jagged(events.pt), eta: jagged(events.eta) };
        const selMask = Uint8Array.from((sel as number[][]).flat());
        const selColumn = jagged(sel as number[][], Int32Array);
        for (const useSelect of [false, "mask", "column"] as const) {
          for (const useSort of [false, true]) {
            const out = padGroup({
              name: "jet",
              maxObjects: max,
              fields,
              padding,
              ...(useSelect ? { select: useSelect === "mask" ? selMask : selColumn } : {}),
              ...(useSort ? { sortBy: fields.pt } : {}),
            });
            const ref = reference(events, max, useSelect ? (sel as number[][]) : undefined, useSort ? events.pt : undefined);
            checkAgainst(out, ref, max, padding);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it("matches the reference when the keys already come in order (ties, NaN and -Infinity last), in every event or all but one", () => {
    const key = fc.oneof(fc.integer({ min: 0, max: 4 }).map((v) => v * 10), fc.constant(Number.NaN), fc.constant(-Infinity));
    const rank = (v: number) => (Number.isNaN(v) ? -Infinity : v);
    fc.assert(
      fc.property(
        fc.array(fc.array(key, { maxLength: 8 }), { maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        fc.constantFrom<Padding>("zero", "nan"),
        (lists, max, spoil, padding) => {
          // Sorted as the pad stage sorts (stable, descending): the input is already in its order.
          const pt = lists.map((l) => [...l].sort((a, b) => rank(b) - rank(a) || 0));
          const cases = [pt];
          const unsorted = pt.findIndex((l) => l.some((v, j) => j > 0 && rank(v) < rank(l[0]!)));
          // One event out of order, the others in order: the whole batch must take the sorting path.
          if (unsorted >= 0) cases.push(pt.map((l, i) => (i === unsorted ? [...l].reverse() : l)));
          for (const events of cases) {
            const idx = events.map((l) => l.map((_, j) => j + 100 * (spoil % 7)));
            const fields = { pt: jagged(events, Float64Array), idx: jagged(idx, Float64Array) };
            const out = padGroup({ name: "jet", maxObjects: max, fields, sortBy: fields.pt, padding });
            checkAgainst(out, reference({ pt: events, idx }, max, undefined, events), max, padding);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("ranks NaN keys as -Infinity (last), keeps ties in input order and counts truncated objects", () => {
    const pt = [[5, Number.NaN, 7, 7, 1, 7], [], [3]];
    const idx = [[0, 1, 2, 3, 4, 5], [], [0]];
    const out = padGroup({
      name: "jet",
      maxObjects: 4,
      fields: { pt: jagged(pt, Float64Array), idx: jagged(idx, Int32Array) },
      sortBy: jagged(pt, Float64Array),
      padding: "nan",
    });
    expect(Array.from(out.fields.idx as Int32Array)).toEqual([2, 3, 5, 0, -1, -1, -1, -1, 0, -1, -1, -1]);
    expect(Array.from(out.valid)).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(out.truncated).toBe(2);
    expect(out.types).toEqual({ pt: "float64", idx: "int32" });
  });

  it("reads offsets that do not start at zero and casts types", () => {
    const values = Float64Array.from([99, 1.5, 2.5, 3.5, 0, 4.5]);
    const column: JaggedColumn = { kind: "jagged", offsets: Int32Array.from([1, 3, 3, 6]), values };
    const btag: JaggedColumn = { kind: "jagged", offsets: Int32Array.from([0, 2, 2, 5]), values: Float64Array.from([1, 0, 2, 0, 1]) };
    const out = padGroup({
      name: "jet",
      maxObjects: 2,
      fields: { pt: column, btag },
      casts: { pt: "float32", btag: "bool" },
      select: Uint8Array.from([1, 1, 1, 0, 1]),
    });
    expect(out.fields.pt).toBeInstanceOf(Float32Array);
    expect(Array.from(out.fields.pt as Float32Array)).toEqual([1.5, 2.5, 0, 0, 3.5, 4.5]);
    expect(Array.from(out.fields.btag as Uint8Array)).toEqual([1, 0, 0, 0, 1, 1]);
    expect(out.types.btag).toBe("bool");
  });

  it("converts 64-bit integer columns", () => {
    const ids: JaggedColumn = { kind: "jagged", offsets: Int32Array.from([0, 2]), values: BigInt64Array.from([5n, -7n]) };
    const out = padGroup({ name: "trk", maxObjects: 3, fields: { id: ids }, padding: "nan" });
    expect(Array.from(out.fields.id as BigInt64Array)).toEqual([5n, -7n, -1n]);
    const asFloat = padGroup({ name: "trk", maxObjects: 3, fields: { id: ids }, casts: { id: "float32" } });
    expect(Array.from(asFloat.fields.id as Float32Array)).toEqual([5, -7, 0]);
    const nan: JaggedColumn = { kind: "jagged", offsets: Int32Array.from([0, 1]), values: Float32Array.from([Number.NaN]) };
    expect(() => padGroup({ name: "trk", maxObjects: 1, fields: { d0: nan }, casts: { d0: "int64" } })).toThrow(
      'group "trk", field "d0": cannot cast the non-finite value NaN to int64',
    );
  });

  it("names the branches whose multiplicities differ", () => {
    const a = jagged([[1, 2], [3]]);
    const b = jagged([[1, 2], [3, 4]]);
    expect(() =>
      padGroup({ name: "jet", maxObjects: 3, fields: { pt: a, eta: b }, sources: { pt: "jet_pt_NOSYS", eta: "jet_eta" } }),
    ).toThrow(/group "jet": field "pt" \(jet_pt_NOSYS\) and field "eta" \(jet_eta\) have different multiplicities at event 1 \(1 vs 2\)/);
    expect(() => padGroup({ name: "jet", maxObjects: 3, fields: { pt: a }, select: new Uint8Array(2) })).toThrow(/3 objects/);
    expect(() => padGroup({ name: "jet", maxObjects: 3, fields: { pt: a }, select: b })).toThrow(
      /group "jet": field "pt" and the selection have different multiplicities at event 1/,
    );
    expect(() => padGroup({ name: "jet", maxObjects: 3, fields: { pt: a }, sortBy: b })).toThrow(/and the sort key have different/);
    expect(() => padGroup({ name: "jet", maxObjects: 0, fields: { pt: a } })).toThrow(/positive integer/);
  });
});

describe("padGlobal", () => {
  it("copies and casts flat columns and rejects jagged ones", () => {
    const out = padGlobal({
      name: "event",
      fields: { met: { kind: "flat", values: Float64Array.from([1.25, 2]) }, run: { kind: "flat", values: BigUint64Array.from([3n, 4n]) } },
      casts: { met: "float32", run: "int32" },
    });
    expect(out.length).toBe(2);
    expect(out.fields.met).toBeInstanceOf(Float32Array);
    expect(Array.from(out.fields.run as Int32Array)).toEqual([3, 4]);
    expect(() => padGlobal({ name: "event", fields: { met: jagged([[1]]) }, sources: { met: "met_met_NOSYS" } })).toThrow(
      /group "event" is global .* field "met" \(met_met_NOSYS\) is jagged/,
    );
    expect(() =>
      padGlobal({ name: "event", fields: { a: { kind: "flat", values: new Float32Array(2) }, b: { kind: "flat", values: new Float32Array(3) } } }),
    ).toThrow(/"b" holds 3 events but "a" holds 2/);
  });
});
