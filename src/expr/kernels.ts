/**
 * Vectorised loops over typed arrays: one loop per operation, no per-element allocation.
 * Hot operations (comparisons, arithmetic, abs, counting) have dedicated loops; the rest go
 * through the scalar definitions in functions.ts, one call per element.
 */
import { binaryScalar, UNARY, type BinaryFn, type DType, type UnaryFn } from "./functions.js";

/** Values of one level: a typed array of numbers (64-bit integers are converted on load). */
export type Values =
  | Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

export function allocateFor(dtype: DType, n: number): Values {
  switch (dtype) {
    case "bool": return new Uint8Array(n);
    case "float32": return new Float32Array(n);
    default: return new Float64Array(n);
  }
}

export function unaryKernel(fn: UnaryFn, src: Values, out: Values): void {
  const n = src.length;
  switch (fn) {
    case "neg":
      for (let i = 0; i < n; i++) out[i] = -src[i]!;
      return;
    case "not":
      for (let i = 0; i < n; i++) out[i] = +(src[i] === 0);
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(src[i]!);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(src[i]!);
      return;
    case "isnan":
      for (let i = 0; i < n; i++) out[i] = +(src[i] !== src[i]);
      return;
    default: {
      const f = UNARY[fn];
      for (let i = 0; i < n; i++) out[i] = f(src[i]!);
    }
  }
}

/** Array (op) constant. */
function arrayScalar(fn: BinaryFn, a: Values, b: number, out: Values, intDiv: boolean): void {
  const n = a.length;
  switch (fn) {
    case "gt": for (let i = 0; i < n; i++) out[i] = +(a[i]! > b); return;
    case "ge": for (let i = 0; i < n; i++) out[i] = +(a[i]! >= b); return;
    case "lt": for (let i = 0; i < n; i++) out[i] = +(a[i]! < b); return;
    case "le": for (let i = 0; i < n; i++) out[i] = +(a[i]! <= b); return;
    case "eq": for (let i = 0; i < n; i++) out[i] = +(a[i] === b); return;
    case "ne": for (let i = 0; i < n; i++) out[i] = +(a[i] !== b); return;
    case "add": for (let i = 0; i < n; i++) out[i] = a[i]! + b; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = a[i]! - b; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = a[i]! * b; return;
    case "div": for (let i = 0; i < n; i++) out[i] = a[i]! / b; return;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(fn, a[i]!, b, intDiv);
  }
}

/** Constant (op) array. */
function scalarArray(fn: BinaryFn, a: number, b: Values, out: Values, intDiv: boolean): void {
  const n = b.length;
  switch (fn) {
    case "gt": arrayScalar("lt", b, a, out, intDiv); return;
    case "ge": arrayScalar("le", b, a, out, intDiv); return;
    case "lt": arrayScalar("gt", b, a, out, intDiv); return;
    case "le": arrayScalar("ge", b, a, out, intDiv); return;
    case "eq": case "ne": case "add": case "mul": arrayScalar(fn, b, a, out, intDiv); return;
    case "sub": for (let i = 0; i < n; i++) out[i] = a - b[i]!; return;
    case "div": for (let i = 0; i < n; i++) out[i] = a / b[i]!; return;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(fn, a, b[i]!, intDiv);
  }
}

function arrayArray(fn: BinaryFn, a: Values, b: Values, out: Values, intDiv: boolean): void {
  const n = a.length;
  switch (fn) {
    case "gt": for (let i = 0; i < n; i++) out[i] = +(a[i]! > b[i]!); return;
    case "ge": for (let i = 0; i < n; i++) out[i] = +(a[i]! >= b[i]!); return;
    case "lt": for (let i = 0; i < n; i++) out[i] = +(a[i]! < b[i]!); return;
    case "le": for (let i = 0; i < n; i++) out[i] = +(a[i]! <= b[i]!); return;
    case "eq": for (let i = 0; i < n; i++) out[i] = +(a[i] === b[i]); return;
    case "ne": for (let i = 0; i < n; i++) out[i] = +(a[i] !== b[i]); return;
    case "add": for (let i = 0; i < n; i++) out[i] = a[i]! + b[i]!; return;
    case "sub": for (let i = 0; i < n; i++) out[i] = a[i]! - b[i]!; return;
    case "mul": for (let i = 0; i < n; i++) out[i] = a[i]! * b[i]!; return;
    case "div": for (let i = 0; i < n; i++) out[i] = a[i]! / b[i]!; return;
    default:
      for (let i = 0; i < n; i++) out[i] = binaryScalar(fn, a[i]!, b[i]!, intDiv);
  }
}

/** Booleans combined with & | ^ are 0/1 bytes: plain integer ops suffice and are exact. */
function boolLogic(fn: "and" | "or" | "xor", a: Values | number, b: Values | number, out: Values): void {
  const n = out.length;
  if (typeof a === "number") [a, b] = [b, a];
  const x = a as Values;
  if (typeof b === "number") {
    const c = b ? 1 : 0;
    if (fn === "and") for (let i = 0; i < n; i++) out[i] = x[i]! & c;
    else if (fn === "or") for (let i = 0; i < n; i++) out[i] = x[i]! | c;
    else for (let i = 0; i < n; i++) out[i] = x[i]! ^ c;
    return;
  }
  if (fn === "and") for (let i = 0; i < n; i++) out[i] = x[i]! & b[i]!;
  else if (fn === "or") for (let i = 0; i < n; i++) out[i] = x[i]! | b[i]!;
  else for (let i = 0; i < n; i++) out[i] = x[i]! ^ b[i]!;
}

/**
 * Element-wise binary operation; at least one operand is an array of `out.length` elements.
 * `boolOperands`: both operands are 0/1 booleans (enables the byte logic path).
 */
export function binaryKernel(fn: BinaryFn, a: Values | number, b: Values | number, out: Values, intDiv: boolean, boolOperands: boolean): void {
  if (boolOperands && (fn === "and" || fn === "or" || fn === "xor")) {
    boolLogic(fn, a, b, out);
  } else if (typeof a === "number") {
    scalarArray(fn, a, b as Values, out, intDiv);
  } else if (typeof b === "number") {
    arrayScalar(fn, a, b, out, intDiv);
  } else {
    arrayArray(fn, a, b, out, intDiv);
  }
}

/** Repeats each event's value over that event's objects. */
export function broadcastToObjects<T extends Values>(src: T, offsets: Int32Array, out: T): T {
  const n = offsets.length - 1;
  for (let e = 0; e < n; e++) {
    const v = src[e]!;
    for (let j = offsets[e]!, end = offsets[e + 1]!; j < end; j++) out[j] = v;
  }
  return out;
}

/**
 * Count of non-zero values per event (num of a masked list, count_nonzero). Branch-free
 * counting: a data-dependent `if` mispredicts on random masks and costs ten times more.
 */
export function countNonZero(values: Values, offsets: Int32Array, zeroOrOne: boolean): Float64Array {
  const n = offsets.length - 1;
  const out = new Float64Array(n);
  let j = offsets[0]!;
  if (zeroOrOne) {
    for (let e = 0; e < n; e++) {
      const end = offsets[e + 1]!;
      let c = 0;
      for (; j < end; j++) c += values[j]!;
      out[e] = c;
    }
  } else {
    for (let e = 0; e < n; e++) {
      const end = offsets[e + 1]!;
      let c = 0;
      for (; j < end; j++) c += +(values[j] !== 0);
      out[e] = c;
    }
  }
  return out;
}

/** Keeps the objects whose mask byte is set; returns new offsets and values. */
export function maskObjects<T extends Values>(values: T, offsets: Int32Array, mask: Values, make: (n: number) => T): { values: T; offsets: Int32Array } {
  const n = offsets.length - 1;
  let total = 0;
  for (let j = 0, m = mask.length; j < m; j++) if (mask[j]) total++;
  const out = make(total);
  const outOffsets = new Int32Array(n + 1);
  let at = 0;
  for (let e = 0; e < n; e++) {
    for (let j = offsets[e]!, end = offsets[e + 1]!; j < end; j++) if (mask[j]) out[at++] = values[j]!;
    outOffsets[e + 1] = at;
  }
  return { values: out, offsets: outOffsets };
}
