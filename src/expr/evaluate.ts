/**
 * Evaluates a checked plan over a batch, one vectorised loop per plan node.
 * Missing values (awkward's None: min of an empty list, a masked per-event value) travel as a
 * `valid` byte array beside the values; a cut treats a missing result as false.
 */
import { isBigIntArray } from "../batch/element-type.js";
import type { Batch, Column, NumericArray } from "../batch/types.js";
import type { DType } from "./functions.js";
import { allocateFor, binaryKernel, broadcastToObjects, countNonZero, maskObjects, unaryKernel, type Values } from "./kernels.js";
import { fuse, isComparison, runFused, type FusedCompare, type FusedLoop, type FusedOutput } from "./fuse.js";
import type { Plan } from "./plan.js";
import { reduceObjects } from "./reducers.js";

/** A constant, or an array per event (`offsets` absent) or per object (`offsets` present). */
type Value = number | ArrayValue;

interface ArrayValue {
  values: Values;
  offsets?: Int32Array;
  valid?: Uint8Array;
}

/** An error found while evaluating (structure mismatch between operands, index out of range). */
export class EvaluationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EvaluationError";
  }
}

export class Evaluator {
  private readonly loaded = new Map<string, ArrayValue>();
  private readonly fixedOffsets = new Map<number, Int32Array>();

  constructor(
    private readonly batch: Batch,
    private readonly expression: string,
  ) {}

  /** Values of sub-plans already evaluated: shared alias sub-trees and fused-loop leaves run once. */
  private readonly done = new Map<Plan, Value>();

  run(plan: Plan): Value {
    let value = this.done.get(plan);
    if (value === undefined) {
      value = this.compute(plan);
      this.done.set(plan, value);
    }
    return value;
  }

  private compute(plan: Plan): Value {
    switch (plan.op) {
      case "const":
        return plan.value;
      case "branch":
        return this.branch(plan);
      case "binary":
        return this.comparedReduction(plan) ?? this.fused(plan) ?? this.interpret(plan);
      case "unary":
      case "where":
        return this.fused(plan) ?? this.interpret(plan);
      case "reduce":
        return this.reduce(plan);
      case "mask":
        return this.mask(plan);
      case "slice":
        return this.slice(plan);
      case "pick":
        return this.pick(plan);
      case "strEq":
        return this.strEq(plan);
    }
  }

  /** 1 where the string (of each event, or each object) equals the literal's UTF-8 bytes (0 with `negate`). */
  private strEq(plan: Extract<Plan, { op: "strEq" }>): ArrayValue {
    const column = this.batch.columns[plan.name];
    if (!column) this.fail(`the batch has no column "${plan.name}"`);
    const strings = column.kind === "jagged" && !ArrayBuffer.isView(column.values) ? column.values : column;
    if (strings.kind !== "string" || (plan.level === "object") !== (strings !== column)) {
      this.fail(`column "${plan.name}" does not hold ${plan.level === "object" ? "a list of strings" : "a string"} per event as the schema says`);
    }
    const want = new TextEncoder().encode(plan.value);
    const { offsets, values } = strings;
    const n = offsets.length - 1;
    const out = new Uint8Array(n);
    const hit = plan.negate ? 0 : 1;
    for (let i = 0; i < n; i++) {
      const a = offsets[i]!;
      let same = offsets[i + 1]! - a === want.length;
      for (let k = 0; same && k < want.length; k++) same = values[a + k] === want[k];
      out[i] = same ? hit : 1 - hit;
    }
    if (strings === column) return { values: out };
    const outer = (column as { offsets: Int32Array }).offsets;
    const base = outer[0]!;
    const rebased = base === 0 ? outer : outer.map((o) => o - base);
    return { values: out.subarray(base, outer[outer.length - 1]!), offsets: rebased };
  }

  /** Element-wise operations one node at a time: the path for operands with missing values. */
  private interpret(plan: Extract<Plan, { op: "unary" | "binary" | "where" }>): Value {
    if (plan.op === "binary") return this.binary(plan);
    if (plan.op === "where") return this.where(plan);
    const arg = this.run(plan.arg) as ArrayValue;
    const out = allocateFor(plan.dtype, arg.values.length);
    unaryKernel(plan.fn, arg.values, out);
    return withStructure(out, arg);
  }

  /** Evaluates the leaves of a fused loop; undefined when one has missing values (not fusible). */
  private fusedInputs(plan: Plan, loop: FusedLoop): { a: Values[]; v: Values[]; offsets: Int32Array | undefined } | undefined {
    const a: Values[] = [];
    const v: Values[] = [];
    let offsets: Int32Array | undefined;
    let first: Plan | undefined;
    for (const leafPlan of loop.elementLeaves) {
      const leaf = this.run(leafPlan) as ArrayValue;
      if (leaf.valid) return undefined;
      if (plan.level === "object") {
        if (offsets) this.sameStructure(offsets, leaf.offsets!, plan, first!, leafPlan);
        else [offsets, first] = [leaf.offsets, leafPlan];
      }
      a.push(leaf.values);
    }
    for (const leafPlan of loop.eventLeaves) {
      const leaf = this.run(leafPlan) as ArrayValue;
      if (leaf.valid) return undefined;
      v.push(leaf.values);
    }
    return { a, v, offsets };
  }

  private fused(plan: Extract<Plan, { op: "unary" | "binary" | "where" }>): ArrayValue | undefined {
    const loop = fuse(plan, plan.level);
    const inputs = this.fusedInputs(plan, loop);
    if (!inputs) return undefined;
    const { a, v, offsets } = inputs;
    const total = offsets ? offsets[offsets.length - 1]! : a[0]!.length;
    const out = allocateFor(plan.dtype, total);
    runFused(loop, "map", a, v, offsets, out, offsets ? offsets.length - 1 : total);
    return offsets ? { values: out, offsets } : { values: out };
  }

  /**
   * count_nonzero/any/all/sum of an element-wise expression, accumulated inside its loop; with
   * `compare`, each event's result is compared in the loop too (0/1 bytes), e.g. `num(x[x > 2]) > 3`.
   */
  private fusedReduce(arg: Plan, output: FusedOutput, compare?: FusedCompare): { values: Values; offsets: Int32Array } | undefined {
    if ((arg.op !== "unary" && arg.op !== "binary" && arg.op !== "where") || arg.level !== "object") return undefined;
    const loop = fuse(arg, "object");
    const inputs = this.fusedInputs(arg, loop);
    if (!inputs) return undefined;
    const n = inputs.offsets!.length - 1;
    const out = compare ? new Uint8Array(n) : new Float64Array(n);
    runFused(loop, output, inputs.a, inputs.v, inputs.offsets, out, n, compare);
    return { values: out, offsets: inputs.offsets! };
  }

  /** A reduction done inside one fused loop (see `reduce`), or undefined when it cannot be. */
  private fusedReduction(plan: Extract<Plan, { op: "reduce" }>, compare?: FusedCompare): Values | undefined {
    // num(x[mask]) only needs the mask: count its true entries instead of building x[mask].
    if ((plan.fn === "num" || plan.fn === "count") && plan.arg.op === "mask") {
      const maskPlan = plan.arg.mask;
      const target = this.run(plan.arg.target) as ArrayValue;
      if (plan.fn !== "num" && target.valid) return undefined;
      const counted = this.fusedReduce(maskPlan, maskPlan.dtype === "bool" ? "count_bool" : "count_nonzero", compare);
      if (counted) this.sameStructure(target.offsets!, counted.offsets, plan.arg, plan.arg.target, maskPlan);
      return counted?.values;
    }
    const fusedOutput: Partial<Record<string, FusedOutput>> = { count_nonzero: "count_nonzero", any: "any", all: "all", sum: "sum" };
    const output = fusedOutput[plan.fn];
    return output ? this.fusedReduce(plan.arg, output, compare)?.values : undefined;
  }

  /**
   * A per-event reduction compared with a constant (`num(x[x > 2]) > 3`) as one loop, without the
   * reduction's array of counts and a second loop over it.
   */
  private comparedReduction(plan: Extract<Plan, { op: "binary" }>): ArrayValue | undefined {
    if (!isComparison(plan.fn) || plan.level !== "event") return undefined;
    const { left, right } = plan;
    // const (op) reduction is reduction (mirrored op) const.
    const mirrored: Partial<Record<string, "gt" | "ge" | "lt" | "le">> = { gt: "lt", ge: "le", lt: "gt", le: "ge" };
    if (left.op === "reduce" && right.op === "const" && !this.done.has(left)) {
      const values = this.fusedReduction(left, { fn: plan.fn, value: right.value });
      return values && { values };
    }
    if (right.op === "reduce" && left.op === "const" && !this.done.has(right)) {
      const values = this.fusedReduction(right, { fn: mirrored[plan.fn] ?? plan.fn, value: left.value });
      return values && { values };
    }
    return undefined;
  }

  private fail(reason: string): never {
    throw new EvaluationError(`in expression ${JSON.stringify(this.expression)}: ${reason}`);
  }

  private branch(plan: Extract<Plan, { op: "branch" }>): ArrayValue {
    const cached = this.loaded.get(plan.name);
    if (cached) return cached;
    const column = this.batch.columns[plan.name];
    if (!column) this.fail(`the batch has no column "${plan.name}"`);
    const value = this.load(plan, column);
    this.loaded.set(plan.name, value);
    return value;
  }

  private load(plan: Extract<Plan, { op: "branch" }>, column: Column): ArrayValue {
    const value = this.loadValues(plan, column);
    return plan.dtype === "bool" ? { ...value, values: zeroOrOne(value.values) } : value;
  }

  private loadValues(plan: Extract<Plan, { op: "branch" }>, column: Column): ArrayValue {
    const name = plan.name;
    if (plan.level === "event") {
      if (column.kind !== "flat" || (column.shape && column.shape.length > 0)) this.fail(`column "${name}" is not one value per event as the schema says`);
      return { values: numbers(column.values) };
    }
    if (plan.shape) {
      const width = plan.shape[0]!;
      if (column.kind !== "flat" || column.values.length !== this.batch.length * width) {
        this.fail(`column "${name}" is not a fixed array of ${width} values per event as the schema says`);
      }
      let offsets = this.fixedOffsets.get(width);
      if (!offsets) {
        offsets = new Int32Array(this.batch.length + 1);
        for (let e = 0; e <= this.batch.length; e++) offsets[e] = e * width;
        this.fixedOffsets.set(width, offsets);
      }
      return { values: numbers(column.values), offsets };
    }
    if (column.kind !== "jagged") this.fail(`column "${name}" is not a list per event as the schema says`);
    if (!ArrayBuffer.isView(column.values)) this.fail(`column "${name}" is a list of lists; expressions support one level of lists`);
    let offsets = column.offsets;
    let values = column.values as NumericArray;
    const base = offsets[0]!;
    if (base !== 0) {
      values = values.subarray(base, offsets[offsets.length - 1]!);
      offsets = offsets.map((o) => o - base);
    }
    return { values: numbers(values), offsets };
  }

  /** Brings two operands to a common level: per-event values are repeated over the objects. */
  private align(a: Value, b: Value, plan: Plan, left: Plan, right: Plan): [Value, Value, Int32Array | undefined] {
    const ao = typeof a === "number" ? undefined : a.offsets;
    const bo = typeof b === "number" ? undefined : b.offsets;
    if (ao && bo) {
      this.sameStructure(ao, bo, plan, left, right);
      return [a, b, ao];
    }
    if (ao && typeof b !== "number") return [a, expand(b, ao), ao];
    if (bo && typeof a !== "number") return [expand(a, bo), b, bo];
    return [a, b, ao ?? bo];
  }

  private sameStructure(a: Int32Array, b: Int32Array, plan: Plan, left: Plan, right: Plan): void {
    if (a === b) return;
    const n = Math.min(a.length, b.length) - 1;
    for (let e = 0; e <= n; e++) {
      if (a[e] !== b[e]) {
        const ev = Math.max(0, e - 1);
        this.fail(
          `${plan.text}: ${left.text} and ${right.text} have different numbers of objects ` +
            `(event ${ev} of the batch: ${a[ev + 1]! - a[ev]!} vs ${b[ev + 1]! - b[ev]!}); ` +
            `they belong to different collections and cannot be combined element-wise; reduce one per event first (num, max, any, ...)`,
        );
      }
    }
  }

  private binary(plan: Extract<Plan, { op: "binary" }>): Value {
    const [a, b, offsets] = this.align(this.run(plan.left), this.run(plan.right), plan, plan.left, plan.right);
    const n = typeof a !== "number" ? a.values.length : (b as ArrayValue).values.length;
    const out = allocateFor(plan.dtype, n);
    const intDiv = plan.left.dtype !== "float32" && plan.left.dtype !== "float64" && plan.right.dtype !== "float32" && plan.right.dtype !== "float64";
    const boolOperands = plan.left.dtype === "bool" && plan.right.dtype === "bool";
    binaryKernel(plan.fn, typeof a === "number" ? a : a.values, typeof b === "number" ? b : b.values, out, intDiv, boolOperands);
    return { values: out, ...(offsets ? { offsets } : {}), ...validOf(combineValid(a, b)) };
  }

  private where(plan: Extract<Plan, { op: "where" }>): Value {
    const cond = this.run(plan.cond);
    const [t0, f0] = [this.run(plan.then), this.run(plan.otherwise)];
    // Align all three: find the deepest structure first, checking object operands pairwise.
    const [c1, t1] = this.align(cond, t0, plan, plan.cond, plan.then);
    const [c, f, offsets] = this.align(c1, f0, plan, plan.cond, plan.otherwise);
    const [t] = this.align(t1, f, plan, plan.then, plan.otherwise);
    const cv = (c as ArrayValue).values;
    const out = allocateFor(plan.dtype, cv.length);
    const tv = typeof t === "number" ? undefined : t.values;
    const fv = typeof f === "number" ? undefined : f.values;
    const tc = typeof t === "number" ? t : 0;
    const fc = typeof f === "number" ? f : 0;
    for (let i = 0; i < cv.length; i++) out[i] = cv[i] !== 0 ? (tv ? tv[i]! : tc) : fv ? fv[i]! : fc;
    // The result is missing where the condition is, or where the chosen branch is.
    let valid = (c as ArrayValue).valid;
    const tValid = typeof t === "number" ? undefined : t.valid;
    const fValid = typeof f === "number" ? undefined : f.valid;
    if (tValid || fValid) {
      const v = new Uint8Array(cv.length);
      for (let i = 0; i < cv.length; i++) {
        v[i] = (valid ? valid[i]! : 1) & (cv[i] !== 0 ? (tValid ? tValid[i]! : 1) : fValid ? fValid[i]! : 1);
      }
      valid = v;
    }
    return { values: out, ...(offsets ? { offsets } : {}), ...validOf(valid) };
  }

  private reduce(plan: Extract<Plan, { op: "reduce" }>): ArrayValue {
    const fused = this.fusedReduction(plan);
    if (fused) return { values: fused };
    if ((plan.fn === "num" || plan.fn === "count") && plan.arg.op === "mask") {
      const maskPlan = plan.arg.mask;
      const target = this.run(plan.arg.target) as ArrayValue;
      if (plan.fn === "num" || !target.valid) {
        const mask = this.run(maskPlan) as ArrayValue;
        this.sameStructure(target.offsets!, mask.offsets!, plan.arg, plan.arg.target, maskPlan);
        if (!mask.valid) return { values: countNonZero(mask.values, mask.offsets!, maskPlan.dtype === "bool") };
      }
    }
    let arg = this.run(plan.arg) as ArrayValue;
    if (arg.valid && plan.fn !== "num") arg = dropMissing(arg);
    const r = reduceObjects(plan.fn, arg.values, arg.offsets!);
    return { values: r.values, ...validOf(r.valid) };
  }

  private mask(plan: Extract<Plan, { op: "mask" }>): ArrayValue {
    const target = this.run(plan.target) as ArrayValue;
    const mask = this.run(plan.mask) as ArrayValue;
    let keep = mask.values;
    if (mask.valid) {
      // A missing mask entry drops the object (documented: awkward would keep a None).
      keep = new Uint8Array(keep.length);
      for (let i = 0; i < keep.length; i++) keep[i] = mask.values[i] && mask.valid[i] ? 1 : 0;
    }
    if (!target.offsets) {
      const valid = new Uint8Array(keep.length);
      for (let i = 0; i < keep.length; i++) valid[i] = keep[i] && (target.valid ? target.valid[i] : 1) ? 1 : 0;
      return { values: target.values, valid };
    }
    this.sameStructure(target.offsets, mask.offsets!, plan, plan.target, plan.mask);
    const make = (k: number): Values => allocateFor(plan.dtype, k);
    const kept = maskObjects(target.values, target.offsets, keep, make);
    if (!target.valid) return kept;
    const valid = maskObjects(target.valid, target.offsets, keep, (k) => new Uint8Array(k)).values;
    return { ...kept, valid };
  }

  private slice(plan: Extract<Plan, { op: "slice" }>): ArrayValue {
    const target = this.run(plan.target) as ArrayValue;
    const offsets = target.offsets!;
    const n = offsets.length - 1;
    const outOffsets = new Int32Array(n + 1);
    const picks = new Int32Array(target.values.length);
    let at = 0;
    for (let e = 0; e < n; e++) {
      const base = offsets[e]!;
      const len = offsets[e + 1]! - base;
      const [start, stop, step] = sliceIndices(plan.start, plan.stop, plan.step, len);
      for (let j = start; step > 0 ? j < stop : j > stop; j += step) picks[at++] = base + j;
      outOffsets[e + 1] = at;
    }
    const values = allocateFor(plan.dtype, at);
    for (let i = 0; i < at; i++) values[i] = target.values[picks[i]!]!;
    if (!target.valid) return { values, offsets: outOffsets };
    const valid = new Uint8Array(at);
    for (let i = 0; i < at; i++) valid[i] = target.valid[picks[i]!]!;
    return { values, offsets: outOffsets, valid };
  }

  private pick(plan: Extract<Plan, { op: "pick" }>): ArrayValue {
    const target = this.run(plan.target) as ArrayValue;
    const offsets = target.offsets!;
    const n = offsets.length - 1;
    const values = allocateFor(plan.dtype, n);
    let valid: Uint8Array | undefined;
    if (target.valid) valid = new Uint8Array(n);
    for (let e = 0; e < n; e++) {
      const base = offsets[e]!;
      const len = offsets[e + 1]! - base;
      const i = plan.index < 0 ? len + plan.index : plan.index;
      if (i < 0 || i >= len) {
        this.fail(`${plan.text}: event ${e} of the batch has ${len} objects, so index ${plan.index} is out of range (awkward raises here too); guard with a count, or use firsts(...) / a slice`);
      }
      values[e] = target.values[base + i]!;
      if (valid) valid[e] = target.valid![base + i]!;
    }
    return { values, ...validOf(valid) };
  }
}

/** Python's slice.indices(len) for a list of `len` objects. */
function sliceIndices(start: number | null, stop: number | null, step: number, len: number): [number, number, number] {
  const clamp = (v: number | null, dflt: number, lo: number, hi: number): number => {
    if (v === null) return dflt;
    const x = v < 0 ? v + len : v;
    return x < lo ? lo : x > hi ? hi : x;
  };
  if (step > 0) return [clamp(start, 0, 0, len), clamp(stop, len, 0, len), step];
  return [clamp(start, len - 1, -1, len - 1), clamp(stop, -1, -1, len - 1), step];
}

/** Booleans as 0/1: a byte of 2 from a file still means true, and & | ^ work on 0/1 only. */
function zeroOrOne(values: Values): Values {
  let clean = true;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0 && values[i] !== 1) clean = false;
  if (clean) return values;
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = +(values[i] !== 0);
  return out;
}

/** Typed array of numbers; 64-bit integers become float64 (exact below 2^53). */
function numbers(values: NumericArray): Values {
  if (!isBigIntArray(values)) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]!);
  return out;
}

function withStructure(values: Values, like: ArrayValue): ArrayValue {
  return { values, ...(like.offsets ? { offsets: like.offsets } : {}), ...validOf(like.valid) };
}

function validOf(valid: Uint8Array | undefined): { valid?: Uint8Array } {
  return valid ? { valid } : {};
}

function expand(v: ArrayValue, offsets: Int32Array): ArrayValue {
  const total = offsets[offsets.length - 1]!;
  const values = broadcastToObjects(v.values, offsets, allocateLike(v.values, total));
  if (!v.valid) return { values, offsets };
  return { values, offsets, valid: broadcastToObjects(v.valid, offsets, new Uint8Array(total)) };
}

function allocateLike(v: Values, n: number): Values {
  return new (v.constructor as new (n: number) => Values)(n);
}

function combineValid(a: Value, b: Value): Uint8Array | undefined {
  const av = typeof a === "number" ? undefined : a.valid;
  const bv = typeof b === "number" ? undefined : b.valid;
  if (!av || !bv) return av ?? bv;
  const out = new Uint8Array(av.length);
  for (let i = 0; i < av.length; i++) out[i] = av[i]! & bv[i]!;
  return out;
}

/** The same lists without their missing entries (reducers skip None, as awkward does). */
function dropMissing(v: ArrayValue): ArrayValue {
  return maskObjects(v.values, v.offsets!, v.valid!, (k) => allocateLike(v.values, k));
}

/**
 * The evaluated value as a batch column of `length` events: per-event values as a flat column,
 * per-object values as a jagged column; constants are repeated. Missing values become NaN
 * (numbers) or false (booleans).
 */
export function toColumn(value: Value, dtype: DType, length: number, keepType: boolean): Column {
  if (typeof value === "number") {
    const values = allocateFor(dtype, length);
    values.fill(value);
    return flat(values, dtype);
  }
  let values = value.values;
  if (!keepType && !matchesRepresentation(values, dtype)) {
    const converted = allocateFor(dtype, values.length);
    converted.set(values);
    values = converted;
  }
  if (value.valid) {
    const valid = value.valid;
    if (values === value.values) values = values.slice();
    const missing = dtype === "bool" ? 0 : NaN;
    for (let i = 0; i < values.length; i++) if (!valid[i]) values[i] = missing;
  }
  if (value.offsets) {
    return { kind: "jagged", offsets: value.offsets, values, ...(dtype === "bool" ? { elementType: "bool" as const } : {}) };
  }
  return flat(values, dtype);
}

function flat(values: Values, dtype: DType): Column {
  return { kind: "flat", values, ...(dtype === "bool" ? { elementType: "bool" as const } : {}) };
}

function matchesRepresentation(values: Values, dtype: DType): boolean {
  if (dtype === "bool") return values instanceof Uint8Array;
  if (dtype === "float32") return values instanceof Float32Array;
  return values instanceof Float64Array;
}

/**
 * A per-event selection: 1 where the value is non-zero (NaN counts, as `cut != 0` in numpy) and not
 * missing. `fresh`: the value was computed here (not a batch column), so a boolean result, already
 * 0/1 bytes, is the mask itself rather than copied into one.
 */
export function toMask(value: Value, length: number, fresh = false): Uint8Array {
  if (fresh && typeof value !== "number" && !value.valid && value.values instanceof Uint8Array && value.values.length === length) return value.values;
  const mask = new Uint8Array(length);
  if (typeof value === "number") return mask.fill(value !== 0 ? 1 : 0);
  const { values, valid } = value;
  if (valid) for (let i = 0; i < length; i++) mask[i] = values[i] !== 0 && valid[i] ? 1 : 0;
  else for (let i = 0; i < length; i++) mask[i] = values[i] !== 0 ? 1 : 0;
  return mask;
}
