import { describe, expect, it } from "vitest";
import { compileCut, compileExpression, cutMask } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { flat, jagged, lists } from "./helpers.js";

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-13 * Math.max(Math.abs(a), Math.abs(b));
}
const JETS: Batch = {
  length: 4,
  columns: {
    v: jagged([[1, NaN, 3], [], [NaN], [2, 2]]),
    pt: jagged([[10, 20, 30], [], [5], [7, 8]]),
    met: flat([100, 200, 300, 400]),
  },
};
const JET_SCHEMA = {
  v: { kind: "jagged", elementType: "float64" },
  pt: { kind: "jagged", elementType: "float64" },
  met: { kind: "flat", elementType: "float64" },
} as const;
const on = (e: string, batch = JETS): number[] | number[][] => lists(compileExpression(e, JET_SCHEMA).evaluate(batch));
const N = NaN;

describe("reductions along the objects of each event (axis=1), NaN and empty lists", () => {
  const cases: [string, number[]][] = [
    ["num(v)", [3, 0, 1, 2]],
    ["count(v)", [3, 0, 1, 2]],
    ["count_nonzero(v)", [3, 0, 1, 2]],
    ["sum(v)", [N, 0, N, 4]],
    ["nansum(v)", [4, 0, 0, 4]],
    ["prod(v)", [N, 1, N, 4]],
    ["nanprod(v)", [3, 1, 1, 4]],
    ["any(v)", [1, 0, 1, 1]],
    ["all(v)", [1, 1, 1, 1]],
    ["all(v > 1)", [0, 1, 0, 1]],
    ["min(v)", [1, N, Infinity, 2]],
    ["max(v)", [3, N, -Infinity, 2]],
    ["nanmin(v)", [1, N, N, 2]],
    ["nanmax(v)", [3, N, N, 2]],
    ["argmax(v)", [2, N, 0, 0]],
    ["argmin(v)", [0, N, 0, 0]],
    ["nanargmax(v)", [2, N, N, 0]],
    ["nanargmin(v)", [0, N, N, 0]],
    ["mean(v)", [N, N, N, 2]],
    ["nanmean(v)", [2, N, N, 2]],
    ["var(pt)", [200 / 3, N, 0, 0.25]],
    ["std(pt)", [Math.sqrt(200 / 3), N, 0, 0.5]],
    ["nanvar(v)", [1, N, N, 0]],
    ["nanstd(v)", [1, N, N, 0]],
    ["firsts(pt)", [10, N, 5, 7]],
    ["sum(pt, axis=1)", [60, 0, 5, 15]],
    ["sum(pt, axis=-1)", [60, 0, 5, 15]],
    ["sum(pt > 6)", [3, 0, 0, 2]],
    ["num(pt[pt > 6])", [3, 0, 0, 2]],
    ["count(pt[pt > 6])", [3, 0, 0, 2]],
    ["max(pt[pt > 6])", [30, N, N, 8]],
    ["sum(pt * met / 100)", [60, 0, 15, 60]],
  ];
  it.each(cases)("%s", (expr, want) => {
    const got = on(expr) as number[];
    expect(got.map((g, k) => close(g, want[k]!))).toEqual(want.map(() => true));
  });
});

describe("missing values (min/max of nothing, masked per-event values)", () => {
  const cut = (e: string): number[] => Array.from(cutMask(JETS, compileCut(e, JET_SCHEMA)));
  it("any comparison with a missing value is false, also after ~ and in where()", () => {
    expect(cut("max(pt) > 0")).toEqual([1, 0, 1, 1]);
    expect(cut("max(pt) <= 0")).toEqual([0, 0, 0, 0]);
    expect(cut("max(pt) != 12345")).toEqual([1, 0, 1, 1]);
    expect(cut("~(max(pt) > 0)")).toEqual([0, 0, 0, 0]);
    expect(cut("(max(pt) > 0) | (met > 150)")).toEqual([1, 0, 1, 1]);
    expect(cut("where(met > 150, max(pt) > 0, True)")).toEqual([1, 0, 1, 1]);
    expect(cut("isnan(max(pt))")).toEqual([0, 0, 0, 0]);
  });
  it("a missing per-event value broadcast over objects is missing for each object and skipped by reductions", () => {
    expect(on("pt - max(pt[pt > 6])")).toEqual([[-20, -10, 0], [], [N], [-1, 0]]);
    expect(on("num(pt[pt - max(pt[pt > 6]) < 0])")).toEqual([2, 0, 0, 1]);
    expect(on("count(pt - max(pt[pt > 6]))")).toEqual([3, 0, 0, 2]);
    expect(on("num(pt - max(pt[pt > 6]))")).toEqual([3, 0, 1, 2]);
  });
  it("masking a per-event value with a per-event mask makes it missing where the mask is false", () => {
    expect(on("met[met > 150]")).toEqual([N, 200, 300, 400]);
    expect(Array.from(cutMask(JETS, compileCut("met[met > 150] < 350", JET_SCHEMA)))).toEqual([0, 1, 1, 0]);
  });
});

describe("broadcasting, slicing and where", () => {
  it("broadcasts per-event values over objects", () => {
    expect(on("pt + met")).toEqual([[110, 120, 130], [], [305], [407, 408]]);
    expect(on("met / pt")).toEqual([[10, 5, 100 / 30], [], [60], [400 / 7, 50]]);
    expect(on("where(pt > 9, pt, met)")).toEqual([[10, 20, 30], [], [300], [400, 400]]);
    expect(on("where(met > 250, pt, 0)")).toEqual([[0, 0, 0], [], [5], [7, 8]]);
  });
  it("slices objects with Python semantics", () => {
    expect(on("pt[:, :2]")).toEqual([[10, 20], [], [5], [7, 8]]);
    expect(on("pt[:, 1:]")).toEqual([[20, 30], [], [], [8]]);
    expect(on("pt[:, -2:]")).toEqual([[20, 30], [], [5], [7, 8]]);
    expect(on("pt[:, ::-1]")).toEqual([[30, 20, 10], [], [5], [8, 7]]);
    expect(on("pt[:, ::2]")).toEqual([[10, 30], [], [5], [7]]);
    expect(on("num(pt[:, :2][pt[:, :2] > 8])")).toEqual([2, 0, 0, 0]);
  });
  it("x[:, i] takes one object per event and fails, like awkward, when an event has too few", () => {
    const nonEmpty: Batch = { length: 2, columns: { pt: jagged([[3, 4], [5]]), v: jagged([[], []]), met: flat([0, 0]) } };
    expect(on("pt[:, 0]", nonEmpty)).toEqual([3, 5]);
    expect(on("pt[:, -1]", nonEmpty)).toEqual([4, 5]);
    expect(() => on("pt[:, 1]", nonEmpty)).toThrow(/pt\[:, 1\]: event 1 of the batch has 1 objects, so index 1 is out of range/);
  });
});

describe("numpy typing details", () => {
  const F32 = { f: { kind: "flat", elementType: "float32" }, g: { kind: "jagged", elementType: "float32" } } as const;
  const b: Batch = { length: 2, columns: { f: flat([0.1, 1e8], Float32Array), g: jagged([[0.1], [2.2, 3]], Float32Array) } };
  it("a Python literal compared with or combined with float32 is first converted to float32 (NEP 50)", () => {
    expect(lists(compileExpression("f > 0.1", F32).evaluate(b))).toEqual([0, 1]);
    expect(lists(compileExpression("f == 0.1", F32).evaluate(b))).toEqual([1, 0]);
    expect(lists(compileExpression("g < 2.2", F32).evaluate(b))).toEqual([[1], [0, 0]]);
    const c = compileExpression("f * 3 + 1", F32);
    expect(c.dtype).toBe("float32");
    expect(lists(c.evaluate(b))).toEqual([Math.fround(Math.fround(Math.fround(0.1) * 3) + 1), Math.fround(3e8 + 1)]);
    expect(compileExpression("f * 1.5", { f: { kind: "flat", elementType: "int32" } }).dtype).toBe("float64");
  });
  it("rounds half to even and folds constants with Python rules", () => {
    const c = (e: string): number => (lists(compileExpression(e, F32).evaluate(b)) as number[])[0]!;
    expect([c("round(0.5)"), c("round(1.5)"), c("round(2.5)"), c("round(-2.5)")]).toEqual([0, 2, 2, -2]);
    expect([c("-7 // 2"), c("-7 % 3"), c("7 % -3"), c("2 ** -1"), c("True + True")]).toEqual([-4, 2, -2, 0.5, 2]);
    expect([c("1 < 2 < 3"), c("3 > 2 > 2")]).toEqual([1, 0]);
  });
});
