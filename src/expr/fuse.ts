/**
 * Loop fusion: an element-wise sub-expression (operators and math functions over the objects of
 * one collection, or over events) becomes one generated loop instead of one loop and one
 * temporary array per operation; a reduction of such a sub-expression (count_nonzero, any,
 * all, sum, and num(x[mask])) accumulates inside the same loop.
 *
 * The generated source holds only operators and Math functions from fixed tables, numeric
 * literals and array indices; no text of the user's expression reaches it. Functions are
 * cached by their source, so each distinct loop is compiled once per process.
 */
import { binaryScalar, UNARY, type BinaryFn, type DType, type UnaryFn } from "./functions.js";
import type { Values } from "./kernels.js";
import type { Level, Plan } from "./plan.js";

/** Inputs of a fused loop, each evaluated by the ordinary evaluator. */
export interface FusedLoop {
  /** Sub-plans read element by element at the loop's level. */
  elementLeaves: Plan[];
  /** Per-event sub-plans read once per event inside a per-object loop. */
  eventLeaves: Plan[];
  /** Body: one JS expression reading `a<k>[j]` and `v<k>`. */
  body: string;
}

const COMPARE_JS: Partial<Record<BinaryFn, string>> = { eq: "===", ne: "!==", lt: "<", le: "<=", gt: ">", ge: ">=" };
const ARITH_JS: Partial<Record<BinaryFn, string>> = { add: "+", sub: "-", mul: "*", div: "/" };
const MATH_JS: Partial<Record<UnaryFn, string>> = {
  abs: "Math.abs", sqrt: "Math.sqrt", exp: "Math.exp", log: "Math.log", log10: "Math.log10", log2: "Math.log2",
  sin: "Math.sin", cos: "Math.cos", tan: "Math.tan", sinh: "Math.sinh", cosh: "Math.cosh", tanh: "Math.tanh",
  floor: "Math.floor", ceil: "Math.ceil", trunc: "Math.trunc", cbrt: "Math.cbrt", expm1: "Math.expm1",
  log1p: "Math.log1p", arcsin: "Math.asin", arccos: "Math.acos", arctan: "Math.atan",
};
/** Results that are exact in float32 when the operand is: no rounding call needed. */
const EXACT_UNARY: ReadonlySet<UnaryFn> = new Set(["neg", "pos", "abs", "floor", "ceil", "trunc", "not", "isnan", "isinf", "isfinite", "signbit", "sign"]);

function literal(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "(-Infinity)";
  if (Object.is(x, -0)) return "(-0)";
  return x < 0 ? `(${x})` : String(x);
}

function isElementwise(p: Plan): p is Extract<Plan, { op: "unary" | "binary" | "where" }> {
  return p.op === "unary" || p.op === "binary" || p.op === "where";
}

/** Builds the fused loop body of an element-wise plan evaluated at `level`. */
export function fuse(plan: Plan, level: Level): FusedLoop {
  const elementLeaves: Plan[] = [];
  const eventLeaves: Plan[] = [];
  const leaf = (p: Plan): string => {
    if (level === "object" && p.level === "event") {
      eventLeaves.push(p);
      return `v${eventLeaves.length - 1}`;
    }
    elementLeaves.push(p);
    return `a${elementLeaves.length - 1}[j]`;
  };
  const round = (dtype: DType, js: string): string => (dtype === "float32" ? `Math.fround(${js})` : js);
  const emit = (p: Plan): string => {
    if (p.op === "const") return literal(p.value);
    if (!isElementwise(p) || p.level !== level) return leaf(p);
    if (p.op === "unary") {
      const x = emit(p.arg);
      let js: string;
      if (p.fn === "neg") js = `(-${x})`;
      else if (p.fn === "pos") js = x;
      else if (p.fn === "not") js = `(+(${x} === 0))`;
      else if (MATH_JS[p.fn]) js = `${MATH_JS[p.fn]}(${x})`;
      else js = `U.${p.fn}(${x})`;
      return EXACT_UNARY.has(p.fn) ? js : round(p.dtype, js);
    }
    if (p.op === "binary") {
      const a = emit(p.left);
      const b = emit(p.right);
      const cmp = COMPARE_JS[p.fn];
      if (cmp) return `(+(${a} ${cmp} ${b}))`;
      const bothBool = p.left.dtype === "bool" && p.right.dtype === "bool";
      if (bothBool && (p.fn === "and" || p.fn === "or" || p.fn === "xor")) {
        return `(${a} ${p.fn === "and" ? "&" : p.fn === "or" ? "|" : "^"} ${b})`;
      }
      const ar = ARITH_JS[p.fn];
      if (ar) return round(p.dtype, `(${a} ${ar} ${b})`);
      const intDiv = !isFloatType(p.left.dtype) && !isFloatType(p.right.dtype);
      return round(p.dtype, `B(${JSON.stringify(p.fn)}, ${a}, ${b}, ${intDiv})`);
    }
    return `(${emit(p.cond)} !== 0 ? ${emit(p.then)} : ${emit(p.otherwise)})`;
  };
  const body = emit(plan);
  return { elementLeaves, eventLeaves, body };
}

function isFloatType(t: DType): boolean {
  return t === "float32" || t === "float64";
}

/** What a fused loop produces: the element values, or one accumulation per event. */
export type FusedOutput = "map" | "count_nonzero" | "count_bool" | "sum" | "any" | "all";

type Kernel = (
  a: Values[], v: Values[], offsets: Int32Array | undefined, out: Values, n: number,
  U: typeof UNARY, B: typeof binaryScalar,
) => void;

/** Generated loops by source; bounded so a long-lived process compiling many expressions stays small. */
const cache = new Map<string, Kernel>();
const CACHE_LIMIT = 512;

/** A per-event accumulation compared with a constant inside the loop: `acc <op> value` as 0/1. */
export interface FusedCompare {
  fn: BinaryFn;
  value: number;
}

function generate(loop: FusedLoop, output: FusedOutput, perObject: boolean, compare: FusedCompare | undefined): Kernel {
  const loadA = loop.elementLeaves.map((_, k) => `const a${k} = a[${k}];`).join(" ");
  const loadV = loop.eventLeaves.map((_, k) => `const w${k} = v[${k}];`).join(" ");
  const perEvent = loop.eventLeaves.map((_, k) => `const v${k} = w${k}[e];`).join(" ");
  let src: string;
  if (output === "map" && !perObject) {
    src = `${loadA} for (let j = 0; j < n; j++) out[j] = ${loop.body};`;
  } else if (output === "map") {
    src = `${loadA} ${loadV} let j = offsets[0];
      for (let e = 0; e < n; e++) { ${perEvent} const end = offsets[e + 1]; for (; j < end; j++) out[j] = ${loop.body}; }`;
  } else {
    const step = {
      count_nonzero: `acc += +(${loop.body} !== 0);`,
      count_bool: `acc += ${loop.body};`,
      sum: `acc += ${loop.body};`,
      any: `acc += +(${loop.body} !== 0);`,
      all: `acc += +(${loop.body} !== 0);`,
    }[output];
    const accumulated = output === "any" ? "+(acc > 0)" : output === "all" ? "+(acc === end - start)" : "acc";
    const result = compare ? `(+(${accumulated} ${COMPARE_JS[compare.fn]!} ${literal(compare.value)}))` : accumulated;
    src = `${loadA} ${loadV} let j = offsets[0];
      for (let e = 0; e < n; e++) { ${perEvent} const start = j; const end = offsets[e + 1]; let acc = 0;
        for (; j < end; j++) { ${step} } out[e] = ${result}; }`;
  }
  let fn = cache.get(src);
  if (!fn) {
    fn = new Function("a", "v", "offsets", "out", "n", "U", "B", `"use strict"; ${src}`) as Kernel;
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(src, fn);
  }
  return fn;
}

/**
 * Runs a fused loop; `n` is the number of elements (per-event loop) or of events (per-object loop).
 * `compare`: an accumulation is compared with a constant before it is stored (0/1 values).
 */
export function runFused(
  loop: FusedLoop, output: FusedOutput, a: Values[], v: Values[], offsets: Int32Array | undefined, out: Values, n: number, compare?: FusedCompare,
): void {
  generate(loop, output, offsets !== undefined, compare)(a, v, offsets, out, n, UNARY, binaryScalar);
}

/** Whether `fn` compares (then a fused accumulation may be compared in its loop). */
export function isComparison(fn: BinaryFn): boolean {
  return COMPARE_JS[fn] !== undefined;
}
