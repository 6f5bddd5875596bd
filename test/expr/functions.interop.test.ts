// interop: h5py
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { compileExpression } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { SYSTEM_PYTHON } from "../shared-data.js";
import { flat, lists } from "./helpers.js";

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

describe("every function and operator agrees with numpy (NaN, inf, -0 included)", () => {
  const expected = numpy(AGAINST_NUMPY);
  it.each(Object.keys(AGAINST_NUMPY))("%s", (expr) => {
    const got = lists(compileExpression(expr, SCHEMA).evaluate(BATCH)) as number[];
    const want = expected[expr]!;
    const bad = got.map((g, k) => [k, g, want[k]!] as const).filter(([, g, w]) => !close(g, w));
    expect(bad, `x=${X} y=${Y}`).toEqual([]);
  });
});
