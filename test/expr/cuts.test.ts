import { describe, expect, it } from "vitest";
import { applyCut, compileCut, compileExpression, cutMask } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { flat, jagged, lists } from "./helpers.js";

const CUTS = [
  "num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 3",
  "num(jet_eta[abs(jet_eta) < 2.2]) > 0",
  "num(jet_GN2v01_FixedCutBEff_77_select[jet_GN2v01_FixedCutBEff_77_select > 0]) > 1",
  "num(el_pt_NOSYS) > 1",
  "num(el_eta[abs(el_eta) < 2.2]) > 0",
];
const SELECTION =
  "(num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 3) & (num(jet_eta[abs(jet_eta) < 2.2]) > 0)\n" +
  "& (num(jet_GN2v01_FixedCutBEff_77_select[jet_GN2v01_FixedCutBEff_77_select > 0]) > 1)\n" +
  "& (num(el_pt_NOSYS) > 1) & (num(el_eta[abs(el_eta) < 2.2]) > 0)";

const SCHEMA = {
  jet_pt_NOSYS: { kind: "jagged", elementType: "float32" },
  jet_eta: { kind: "jagged", elementType: "float32" },
  jet_GN2v01_FixedCutBEff_77_select: { kind: "jagged", elementType: "int8" },
  el_pt_NOSYS: { kind: "jagged", elementType: "float32" },
  el_eta: { kind: "jagged", elementType: "float32" },
  eventNumber: { kind: "flat", elementType: "uint64" },
  met: { kind: "flat", elementType: "float32" },
} as const;

// Hand-built events; the comment says which of the five cuts each one fails.
const EVENTS = [
  // 0: passes everything
  { pt: [30000, 27000, 28000, 50000], eta: [0.1, 2.5, -1, 3], b: [1, 1, 0, 0], elPt: [10000, 20000], elEta: [0.5, 3.0] },
  // 1: no jets, no electrons: fails 1, 2, 3, 4, 5
  { pt: [], eta: [], b: [], elPt: [], elEta: [] },
  // 2: a jet exactly at 26000 does not count (strict >): 3 jets pass, fails 1
  { pt: [26000, 30000, 30000, 30000], eta: [0, 0, 0, 0], b: [1, 1, 1, 1], elPt: [1, 2], elEta: [0, 0] },
  // 3: every |eta| >= 2.2: fails 2
  { pt: [40000, 40000, 40000, 40000, 40000], eta: [2.5, -2.5, 2.2, -2.2, 4], b: [1, 1, 0, 0, 0], elPt: [1, 2], elEta: [1, 1] },
  // 4: one electron only: fails 4
  { pt: [40000, 40000, 40000, 40000], eta: [0, 0, 0, 0], b: [1, 1, 0, 0], elPt: [5000], elEta: [0] },
  // 5: electrons at |eta| == 2.2 exactly (float32(2.2) is not < 2.2 in float32): fails 5
  { pt: [40000, 40000, 40000, 40000], eta: [0, 0, 0, 0], b: [1, 1, 0, 0], elPt: [5000, 6000], elEta: [2.2, -2.2] },
  // 6: passes, with |eta| just inside and tag values > 1
  { pt: [40000, 40000, 40000, 40000, 1], eta: [-2.19, 9, 9, 9, 9], b: [0, 0, 2, 3, 0], elPt: [5000, 6000, 7000], elEta: [9, -2.19, 9] },
  // 7: six good jets, no electrons: fails 4 and 5
  { pt: [40000, 40000, 40000, 40000, 40000, 40000], eta: [0, 0, 0, 0, 0, 0], b: [1, 1, 1, 1, 1, 1], elPt: [], elEta: [] },
  // 8: a single b-tag: fails 3
  { pt: [40000, 40000, 40000, 40000], eta: [0, 0, 0, 0], b: [0, 1, 0, 0], elPt: [5000, 6000], elEta: [0, 0] },
];
const EXPECTED_PER_CUT = [
  [1, 0, 0, 1, 1, 1, 1, 1, 1],
  [1, 0, 1, 0, 1, 1, 1, 1, 1],
  [1, 0, 1, 1, 1, 1, 1, 1, 0],
  [1, 0, 1, 1, 0, 1, 1, 0, 1],
  [1, 0, 1, 1, 1, 0, 1, 0, 1],
];

function batch(): Batch {
  return {
    length: EVENTS.length,
    columns: {
      jet_pt_NOSYS: jagged(EVENTS.map((e) => e.pt), Float32Array),
      jet_eta: jagged(EVENTS.map((e) => e.eta), Float32Array),
      jet_GN2v01_FixedCutBEff_77_select: jagged(EVENTS.map((e) => e.b), Int8Array),
      el_pt_NOSYS: jagged(EVENTS.map((e) => e.elPt), Float32Array),
      el_eta: jagged(EVENTS.map((e) => e.elEta), Float32Array),
      eventNumber: { kind: "flat", values: BigUint64Array.from(EVENTS.map((_, i) => BigInt(1000 + i))) },
      met: flat(EVENTS.map((_, i) => i * 10), Float32Array),
    },
  };
}

describe("the five cuts of the integration-challenge selection", () => {
  it.each(CUTS.map((c, i) => [c, EXPECTED_PER_CUT[i]!] as const))("%s", (cut, expected) => {
    const compiled = compileCut(cut, SCHEMA);
    expect(compiled.kind).toBe("event");
    expect(compiled.elementType).toBe("bool");
    expect(Array.from(cutMask(batch(), compiled))).toEqual(expected);
  });

  it("the joined selection is the AND of the five, reads only the five branches, and filters consistently", () => {
    const compiled = compileCut(SELECTION, SCHEMA);
    expect([...compiled.freeBranches].sort()).toEqual(
      ["el_eta", "el_pt_NOSYS", "jet_GN2v01_FixedCutBEff_77_select", "jet_eta", "jet_pt_NOSYS"],
    );
    const expected = EVENTS.map((_, i) => (EXPECTED_PER_CUT.every((row) => row[i]) ? 1 : 0));
    expect(expected).toEqual([1, 0, 0, 0, 0, 0, 1, 0, 0]);
    const b = batch();
    expect(Array.from(compiled.evaluate(b).values as Uint8Array)).toEqual(expected);

    const kept = applyCut(b, compiled);
    expect(kept.length).toBe(2);
    expect(lists(kept.columns.jet_pt_NOSYS!)).toEqual([EVENTS[0]!.pt, EVENTS[6]!.pt]);
    expect(lists(kept.columns.el_eta!)).toEqual([EVENTS[0]!.elEta, EVENTS[6]!.elEta].map((l) => l.map(Math.fround)));
    expect(lists(kept.columns.met!)).toEqual([0, 60]);
    expect(Array.from(kept.columns.eventNumber!.values as BigUint64Array)).toEqual([1000n, 1006n]);
  });

  it("the per-event counts behind the cuts", () => {
    const b = batch();
    const count = (e: string): number[] => lists(compileExpression(e, SCHEMA).evaluate(b)) as number[];
    expect(count("num(jet_pt_NOSYS[jet_pt_NOSYS > 26000])")).toEqual([4, 0, 3, 5, 4, 4, 4, 6, 4]);
    expect(count("num(el_pt_NOSYS)")).toEqual([2, 0, 2, 2, 1, 2, 3, 0, 2]);
    expect(count("count_nonzero(jet_GN2v01_FixedCutBEff_77_select)")).toEqual([2, 0, 4, 2, 2, 2, 2, 6, 1]);
  });

  it("64-bit integer branches (BigUint64Array) take part in arithmetic and comparisons", () => {
    const b = batch();
    expect(Array.from(cutMask(b, compileCut("(eventNumber % 2 == 0) & (met >= 20)", SCHEMA)))).toEqual([0, 0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it("a cut that gives one value per object is refused", () => {
    expect(() => compileCut("jet_pt_NOSYS > 26000", SCHEMA)).toThrow(/one value per event.*any\(/);
  });
});

describe("a reduction compared with a constant", () => {
  it("selects the same events written either way round, for every comparison and reduction", () => {
    const b = batch();
    const reductions = [
      "num(jet_pt_NOSYS[jet_pt_NOSYS > 26000])",
      "count_nonzero(abs(jet_eta) < 2.2)",
      "sum(jet_pt_NOSYS / 1000)",
      "any(el_eta > 0.4)",
      "all(jet_GN2v01_FixedCutBEff_77_select > 0)",
      "num(el_pt_NOSYS)",
    ];
    const mirror: Record<string, string> = { ">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!=" };
    for (const r of reductions) {
      const counts = compileExpression(r, SCHEMA).evaluate(b).values as Float64Array;
      for (const [op, back] of Object.entries(mirror)) {
        for (const k of [0, 1, 2, 3, 100.5]) {
          const want = Uint8Array.from(counts, (c) => (op === ">" ? c > k : op === ">=" ? c >= k : op === "<" ? c < k : op === "<=" ? c <= k : op === "==" ? c === k : c !== k) ? 1 : 0);
          expect(cutMask(b, compileCut(`${r} ${op} ${k}`, SCHEMA))).toEqual(want);
          expect(cutMask(b, compileCut(`${k} ${back} ${r}`, SCHEMA))).toEqual(want);
        }
      }
    }
  });
});
