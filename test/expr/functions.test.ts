import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileCut, compileExpression, cutMask } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { SYSTEM_PYTHON } from "../shared-data.js";
import { flat, jagged, lists } from "./helpers.js";

const X = [-2.5, -1.5, -0.5, -0, 0, 0.5, 1.5, 2.5, 3.7, -3.7, 1e-3, 0.9, 100, NaN, Infinity, -Infinity];
const Y = [2, -0.75, 3, 1, -1, 0.5, NaN, -2.5, 1.25, 4, -0.001, 0.3, 7, 1, 2, Infinity];
const I = [7, -7, 7, -7, 0, 5, 12, -12, 3, 255, 1, 2, 0, 9, 10, -1];
const J = [2, 2, -3, -3, 3, 0, 5, 5, -2, 16, 1, 3, 4, -4, 3, 1];

const SCHEMA = {
  x: { kind: "flat", elementType: "float64" },
  y: { kind: "flat", elementType: "float64" },
  i: { kind: "flat", elementType: "int64" },
  j: { kind: "flat", elementType: "int32" },
} as const;

const BATCH: Batch = {
  length: X.length,
  columns: {
    x: flat(X),
    y: flat(Y),
    i: { kind: "flat", values: BigInt64Array.from(I.map(BigInt)) },
    j: flat(J, Int32Array),
  },
};

const repr = (v: number): string => (Object.is(v, -0) ? "-0.0" : String(v));

/** numpy's answers: one list per expression, floats as repr strings (nan, inf survive). */
function numpy(exprs: Record<string, string>): Record<string, number[]> {
  const script = `
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
x = np.array(${JSON.stringify(X.map(repr))}, dtype=np.float64)
y = np.array(${JSON.stringify(Y.map(repr))}, dtype=np.float64)
i = np.array(${JSON.stringify(I)}, dtype=np.int64)
j = np.array(${JSON.stringify(J)}, dtype=np.int32)
exprs = json.loads(sys.stdin.read())
print(json.dumps({k: [repr(float(v)) for v in np.asarray(eval(e)).astype(np.float64)] for k, e in exprs.items()}))
`;
  const out = execFileSync(SYSTEM_PYTHON, ["-c", script], { input: JSON.stringify(exprs) }).toString();
  const parsed = JSON.parse(out) as Record<string, string[]>;
  const num = (s: string): number => (s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s));
  return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, v.map(num)]));
}

function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= 1e-13 * Math.max(Math.abs(a), Math.abs(b));
}

// sxflow expression -> the same in numpy
const AGAINST_NUMPY: Record<string, string> = {
  "abs(x)": "np.abs(x)", "absolute(x)": "np.absolute(x)", "fabs(x)": "np.fabs(x)", "sqrt(x)": "np.sqrt(x)",
  "cbrt(x)": "np.cbrt(x)", "square(x)": "np.square(x)", "exp(x)": "np.exp(x)", "expm1(x)": "np.expm1(x)",
  "exp2(x)": "np.exp2(x)", "log(x)": "np.log(x)", "log10(x)": "np.log10(x)", "log2(x)": "np.log2(x)",
  "log1p(x)": "np.log1p(x)", "sin(x)": "np.sin(x)", "cos(x)": "np.cos(x)", "tan(x)": "np.tan(x)",
  "arcsin(x)": "np.arcsin(x)", "arccos(x)": "np.arccos(x)", "arctan(x)": "np.arctan(x)", "sinh(x)": "np.sinh(x)",
  "cosh(x)": "np.cosh(x)", "tanh(x)": "np.tanh(x)", "arcsinh(x)": "np.arcsinh(x)", "arccosh(x)": "np.arccosh(x)",
  "arctanh(x)": "np.arctanh(x)", "ceil(x)": "np.ceil(x)", "floor(x)": "np.floor(x)", "trunc(x)": "np.trunc(x)",
  "rint(x)": "np.rint(x)", "round(x)": "np.round(x)", "sign(x)": "np.sign(x)", "isnan(x)": "np.isnan(x)",
  "isinf(x)": "np.isinf(x)", "isfinite(x)": "np.isfinite(x)", "signbit(x)": "np.signbit(x)",
  "deg2rad(x)": "np.deg2rad(x)", "rad2deg(x)": "np.rad2deg(x)", "logical_not(x)": "np.logical_not(x)",
  "negative(x)": "np.negative(x)", "-x": "-x", "+x": "+x",
  "arctan2(x, y)": "np.arctan2(x, y)", "hypot(x, y)": "np.hypot(x, y)", "minimum(x, y)": "np.minimum(x, y)",
  "maximum(x, y)": "np.maximum(x, y)", "fmin(x, y)": "np.fmin(x, y)", "fmax(x, y)": "np.fmax(x, y)",
  "copysign(x, y)": "np.copysign(x, y)", "logical_and(x, y)": "np.logical_and(x, y)",
  "logical_or(x, y)": "np.logical_or(x, y)", "logical_xor(x, y)": "np.logical_xor(x, y)",
  "x + y": "x + y", "x - y": "x - y", "x * y": "x * y", "x / y": "x / y", "x // y": "x // y", "x % y": "x % y",
  "x ** y": "x ** y", "x == y": "x == y", "x != y": "x != y", "x < y": "x < y", "x <= y": "x <= y",
  "x > y": "x > y", "x >= y": "x >= y", "where(x > y, x, y)": "np.where(x > y, x, y)",
  "i // j": "i // j", "i % j": "i % j", "i & j": "i & j", "i | j": "i | j", "i ^ j": "i ^ j", "~i": "~i",
  "i * j - 3": "i * j - 3", "i / j": "i / j", "(i > 0) & (j > 0)": "(i > 0) & (j > 0)",
  "(x > 0) | (i < 0)": "(x > 0) | (i < 0)", "~(x > 0)": "~(x > 0)", "(x > 0) ^ (y > 0)": "(x > 0) ^ (y > 0)",
  "x > 1 & j": "x > (1 & j)", "2 * x ** 2 - -x / 4": "2 * x ** 2 - -x / 4", "x % 0": "x % 0", "x // 0": "x // 0",
  "power(x, 2)": "np.power(x, 2)", "remainder(i, 3)": "np.remainder(i, 3)", "j % -3": "j % -3",
};

describe.skipIf(!existsSync(SYSTEM_PYTHON))("every function and operator agrees with numpy (NaN, inf, -0 included)", () => {
  const expected = numpy(AGAINST_NUMPY);
  it.each(Object.keys(AGAINST_NUMPY))("%s", (expr) => {
    const got = lists(compileExpression(expr, SCHEMA).evaluate(BATCH)) as number[];
    const want = expected[expr]!;
    const bad = got.map((g, k) => [k, g, want[k]!] as const).filter(([, g, w]) => !close(g, w));
    expect(bad, `x=${X} y=${Y}`).toEqual([]);
  });
});

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
