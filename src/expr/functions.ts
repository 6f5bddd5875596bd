/**
 * The function and operator vocabulary: scalar definitions (used for constant folding and by
 * the generic vector loops) and result types. numpy semantics throughout.
 */

/** Logical element types: Python bool, integer, and numpy's two float widths. */
export type DType = "bool" | "int" | "float32" | "float64";

export type UnaryFn =
  | "neg" | "pos" | "not" | "invert" | "abs" | "sqrt" | "cbrt" | "square" | "exp" | "expm1" | "exp2"
  | "log" | "log10" | "log2" | "log1p" | "sin" | "cos" | "tan" | "arcsin" | "arccos" | "arctan"
  | "sinh" | "cosh" | "tanh" | "arcsinh" | "arccosh" | "arctanh" | "ceil" | "floor" | "trunc"
  | "rint" | "round" | "sign" | "isnan" | "isinf" | "isfinite" | "signbit" | "deg2rad" | "rad2deg";

export type BinaryFn =
  | "add" | "sub" | "mul" | "div" | "floordiv" | "mod" | "pow" | "and" | "or" | "xor"
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "arctan2" | "hypot" | "minimum" | "maximum"
  | "fmin" | "fmax" | "copysign" | "logical_and" | "logical_or" | "logical_xor";

export type ReduceFn =
  | "num" | "count" | "count_nonzero" | "sum" | "nansum" | "prod" | "nanprod" | "any" | "all"
  | "min" | "nanmin" | "max" | "nanmax" | "argmin" | "nanargmin" | "argmax" | "nanargmax"
  | "mean" | "nanmean" | "var" | "nanvar" | "std" | "nanstd" | "firsts";

/** numpy's round: half to even. */
function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy's float remainder: the sign of the divisor; an exact zero takes the divisor's sign too. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  if (r === 0) return b < 0 || Object.is(b, -0) ? -0 : 0;
  return (r < 0) !== (b < 0) ? r + b : r;
}

/** numpy's float floor division (npy_divmod): inf // 2 is nan, x // 0 is x / 0. */
export function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && (b < 0) !== (mod < 0)) div -= 1;
  if (div === 0) return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
  const f = Math.floor(div);
  return div - f > 0.5 ? f + 1 : f;
}

const TWO32 = 4294967296;

/** Bitwise op on integers exact up to 2^53, two's complement like numpy int64. */
export function bitwise(op: "and" | "or" | "xor", a: number, b: number): number {
  const ah = Math.floor(a / TWO32), al = a - ah * TWO32;
  const bh = Math.floor(b / TWO32), bl = b - bh * TWO32;
  let hi: number, lo: number;
  if (op === "and") [hi, lo] = [ah & bh, (al & bl) >>> 0];
  else if (op === "or") [hi, lo] = [ah | bh, (al | bl) >>> 0];
  else [hi, lo] = [ah ^ bh, (al ^ bl) >>> 0];
  return hi * TWO32 + lo;
}

export const UNARY: Record<UnaryFn, (x: number) => number> = {
  neg: (x) => -x,
  pos: (x) => x,
  // NaN is true in numpy's truth tests, unlike JavaScript's: test against 0 explicitly.
  not: (x) => +(x === 0),
  invert: (x) => -x - 1,
  abs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  square: (x) => x * x,
  exp: Math.exp,
  expm1: Math.expm1,
  exp2: (x) => 2 ** x,
  log: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  log1p: Math.log1p,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  arcsin: Math.asin,
  arccos: Math.acos,
  arctan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  arcsinh: Math.asinh,
  arccosh: Math.acosh,
  arctanh: Math.atanh,
  ceil: Math.ceil,
  floor: Math.floor,
  trunc: Math.trunc,
  rint: roundHalfEven,
  round: roundHalfEven,
  sign: (x) => (Number.isNaN(x) ? NaN : x > 0 ? 1 : x < 0 ? -1 : 0),
  isnan: (x) => (Number.isNaN(x) ? 1 : 0),
  isinf: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
  isfinite: (x) => (Number.isFinite(x) ? 1 : 0),
  signbit: (x) => (x < 0 || Object.is(x, -0) ? 1 : 0),
  deg2rad: (x) => (x * Math.PI) / 180,
  rad2deg: (x) => (x * 180) / Math.PI,
};

/** Scalar binary operations; `intDiv` selects numpy's integer rules for // and % by zero. */
export function binaryScalar(fn: BinaryFn, a: number, b: number, intDiv = false): number {
  switch (fn) {
    case "add": return a + b;
    case "sub": return a - b;
    case "mul": return a * b;
    case "div": return a / b;
    case "floordiv": return intDiv ? (b === 0 ? 0 : Math.floor(a / b)) : floorDiv(a, b);
    case "mod": return intDiv ? (b === 0 ? 0 : pyMod(a, b) + 0) : b === 0 ? NaN : pyMod(a, b);
    case "pow": return a ** b;
    case "and": case "or": case "xor": return bitwise(fn, a, b);
    case "eq": return a === b ? 1 : 0;
    case "ne": return a !== b ? 1 : 0;
    case "lt": return a < b ? 1 : 0;
    case "le": return a <= b ? 1 : 0;
    case "gt": return a > b ? 1 : 0;
    case "ge": return a >= b ? 1 : 0;
    case "arctan2": return Math.atan2(a, b);
    case "hypot": return Math.hypot(a, b);
    case "minimum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case "maximum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case "fmin": return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b);
    case "fmax": return Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b);
    case "copysign": return (b < 0 || Object.is(b, -0) ? -1 : 1) * Math.abs(a);
    case "logical_and": return +(a !== 0 && b !== 0);
    case "logical_or": return +(a !== 0 || b !== 0);
    case "logical_xor": return +((a !== 0) !== (b !== 0));
  }
}

/** Unary functions callable by name (operators map to neg/pos/not/invert in the checker). */
export const UNARY_FUNCTIONS: Record<string, UnaryFn> = {
  abs: "abs", absolute: "abs", fabs: "abs", sqrt: "sqrt", cbrt: "cbrt", square: "square",
  exp: "exp", expm1: "expm1", exp2: "exp2", log: "log", log10: "log10", log2: "log2", log1p: "log1p",
  sin: "sin", cos: "cos", tan: "tan", arcsin: "arcsin", arccos: "arccos", arctan: "arctan",
  sinh: "sinh", cosh: "cosh", tanh: "tanh", arcsinh: "arcsinh", arccosh: "arccosh", arctanh: "arctanh",
  ceil: "ceil", floor: "floor", trunc: "trunc", rint: "rint", round: "round", sign: "sign",
  isnan: "isnan", isinf: "isinf", isfinite: "isfinite", signbit: "signbit", logical_not: "not",
  negative: "neg", positive: "pos", neg: "neg", invert: "invert", deg2rad: "deg2rad", rad2deg: "rad2deg",
  radians: "deg2rad", degrees: "rad2deg",
};

export const BINARY_FUNCTIONS: Record<string, BinaryFn> = {
  arctan2: "arctan2", hypot: "hypot", minimum: "minimum", maximum: "maximum", fmin: "fmin",
  fmax: "fmax", copysign: "copysign", logical_and: "logical_and", logical_or: "logical_or",
  logical_xor: "logical_xor", power: "pow", add: "add", subtract: "sub", multiply: "mul",
  divide: "div", true_divide: "div", floor_divide: "floordiv", mod: "mod", remainder: "mod",
  equal: "eq", not_equal: "ne", less: "lt", less_equal: "le", greater: "gt", greater_equal: "ge",
};

export const REDUCERS: ReadonlySet<string> = new Set<ReduceFn>([
  "num", "count", "count_nonzero", "sum", "nansum", "prod", "nanprod", "any", "all", "min", "nanmin",
  "max", "nanmax", "argmin", "nanargmin", "argmax", "nanargmax", "mean", "nanmean", "var", "nanvar",
  "std", "nanstd", "firsts",
]);

/** Functions ServiceX offers that sxflow does not evaluate: a clear error beats a guess. */
export const UNSUPPORTED_FUNCTIONS = new Set([
  "erf", "erfc", "gamma", "lgamma", "factorial", "nextafter", "conj", "real", "imag", "concatenate",
  "flatten", "moment", "softmax", "sort", "argsort", "mask", "is_none", "drop_none", "pad_none",
  "fill_none", "singletons", "broadcast_arrays", "broadcast_fields", "cartesian", "argcartesian",
  "combinations", "argcombinations", "isclose", "almost_equal", "nanmedian",
]);

export const ALL_FUNCTION_NAMES: string[] = [
  ...Object.keys(UNARY_FUNCTIONS), ...Object.keys(BINARY_FUNCTIONS), ...REDUCERS, "where",
];

const FLOAT32_FRIENDLY: ReadonlySet<DType> = new Set(["float32", "bool"]);

/**
 * numpy's result type of a binary arithmetic operation. A Python-literal operand (`weak`) adopts
 * the other operand's type (NEP 50), so float32 * 2.5 stays float32. Integer columns are
 * assumed wide (int32/int64 in practice), so int with float32 gives float64.
 */
export function promote(a: DType, b: DType, aWeak: boolean, bWeak: boolean): DType {
  if (aWeak && !bWeak) return weakWith(a, b);
  if (bWeak && !aWeak) return weakWith(b, a);
  if (a === "float64" || b === "float64") return "float64";
  if (a === "float32" || b === "float32") return FLOAT32_FRIENDLY.has(a) && FLOAT32_FRIENDLY.has(b) ? "float32" : "float64";
  if (a === "int" || b === "int") return "int";
  return "bool";
}

function weakWith(weak: DType, strong: DType): DType {
  if (strong === "bool") return weak;
  if (strong === "int") return weak === "float32" || weak === "float64" ? "float64" : "int";
  return strong;
}

export function isFloat(t: DType): boolean {
  return t === "float32" || t === "float64";
}
