import type { ElementType } from "../batch/types.js";
import type { Node, SubscriptItem } from "./ast.js";
import { closeNames, didYouMeanPhrase } from "../text/close-names.js";
import { ExpressionError, type Span } from "./errors.js";
import {
  ALL_FUNCTION_NAMES, BINARY_FUNCTIONS, binaryScalar, isFloat, promote, REDUCERS, UNARY, UNARY_FUNCTIONS,
  UNSUPPORTED_FUNCTIONS, type BinaryFn, type DType, type ReduceFn, type UnaryFn,
} from "./functions.js";
import { parse } from "./parser.js";
import type { Level, Plan } from "./plan.js";
import type { BranchInfo } from "./schema.js";

const LEVEL_RANK: Record<Level, number> = { constant: 0, event: 1, object: 2 };

const OPERATOR_FN: Record<string, BinaryFn> = {
  "+": "add", "-": "sub", "*": "mul", "/": "div", "//": "floordiv", "%": "mod", "**": "pow",
  "&": "and", "|": "or", "^": "xor", "==": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge",
};

const COMPARISONS: ReadonlySet<BinaryFn> = new Set(["eq", "ne", "lt", "le", "gt", "ge"]);
const ARITHMETIC: ReadonlySet<BinaryFn> = new Set(["add", "sub", "mul", "div", "floordiv", "mod", "pow"]);
const BITWISE: ReadonlySet<BinaryFn> = new Set(["and", "or", "xor"]);
const FLOAT_RESULT_UNARY: ReadonlySet<UnaryFn> = new Set([
  "sqrt", "cbrt", "exp", "expm1", "exp2", "log", "log10", "log2", "log1p", "sin", "cos", "tan", "arcsin",
  "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "ceil", "floor", "trunc",
  "deg2rad", "rad2deg",
]);
const BOOL_RESULT_UNARY: ReadonlySet<UnaryFn> = new Set(["not", "isnan", "isinf", "isfinite", "signbit"]);

function dtypeOfElement(t: ElementType): DType {
  if (t === "bool") return "bool";
  if (t === "float32") return "float32";
  if (t === "float64") return "float64";
  return "int";
}

function describeLevel(p: Plan): string {
  return p.level === "constant" ? "a constant" : p.level === "event" ? "per event" : "per object (jagged)";
}

/**
 * Type-checks a parsed expression against the branches and aliases, producing the evaluation
 * plan. Aliases are parsed on first use and inlined; alias cycles are errors.
 */
export class Checker {
  private readonly aliasPlans = new Map<string, Plan>();
  private readonly resolving: string[] = [];

  constructor(
    private readonly branches: ReadonlyMap<string, BranchInfo>,
    private readonly aliases: ReadonlyMap<string, string>,
  ) {}

  checkSource(source: string): Plan {
    return new Scope(this, source).check(parse(source));
  }

  branch(name: string): BranchInfo | undefined {
    return this.branches.get(name);
  }

  /** Names to suggest for a misspelt one: branches and aliases. */
  knownNames(): Iterable<string> {
    return [...this.aliases.keys(), ...this.branches.keys()];
  }

  alias(name: string, source: string, span: Span): Plan | undefined {
    const text = this.aliases.get(name);
    if (text === undefined) return undefined;
    const cached = this.aliasPlans.get(name);
    if (cached) return cached;
    if (this.resolving.includes(name)) {
      throw new ExpressionError(`alias cycle: ${[...this.resolving, name].join(" -> ")}`, source, span);
    }
    this.resolving.push(name);
    try {
      const plan = this.checkSource(text);
      this.aliasPlans.set(name, plan);
      return plan;
    } catch (e) {
      if (e instanceof ExpressionError && e.source === text) {
        throw new ExpressionError(`in alias "${name}" = ${JSON.stringify(text)}: ${e.message}`, source, span);
      }
      throw e;
    } finally {
      this.resolving.pop();
    }
  }
}

/** Checking of one source text (the expression itself or one alias). */
class Scope {
  constructor(
    private readonly checker: Checker,
    private readonly source: string,
  ) {}

  private fail(reason: string, at: { span: Span } | Span): never {
    throw new ExpressionError(reason, this.source, "span" in at ? at.span : at);
  }

  private text(node: { span: Span }): string {
    return this.source.slice(node.span.start, node.span.end);
  }

  check(node: Node): Plan {
    switch (node.type) {
      case "number":
        return { op: "const", value: node.value, weak: true, level: "constant", dtype: node.isInt ? "int" : "float64", text: this.text(node) };
      case "boolean":
        return { op: "const", value: node.value ? 1 : 0, weak: true, level: "constant", dtype: "bool", text: this.text(node) };
      case "string":
        return this.fail('a string is only allowed as the argument of get("branch name") or compared (==, !=) with a string branch', node);
      case "name":
        return this.name(node.name, node.span);
      case "unary":
        return this.unary(node.op, this.check(node.operand), node);
      case "binary":
        return this.binary(OPERATOR_FN[node.op]!, this.check(node.left), this.check(node.right), node, node.op);
      case "compare":
        return this.compare(node);
      case "call":
        return this.call(node);
      case "subscript":
        return this.subscript(node.target, node.items, node);
    }
  }

  private name(name: string, span: Span): Plan {
    const text = this.source.slice(span.start, span.end);
    const alias = this.checker.alias(name, this.source, span);
    if (alias) return { ...alias, text };
    const info = this.checker.branch(name);
    if (!info) {
      if (ALL_FUNCTION_NAMES.includes(name)) this.fail(`"${name}" is a function; call it: ${name}(...)`, span);
      const hint = didYouMeanPhrase(closeNames(name, this.checker.knownNames()));
      const how = /^[A-Za-z_][\w.]*$/.test(name) ? "" : ' (names that are not identifiers must be written get("...")';
      this.fail(`unknown branch or alias "${name}"${how}${hint}`, span);
    }
    if (info.strings) {
      this.fail(`branch "${name}" holds strings: the only use of a string branch is a comparison with a string, e.g. ${/^[A-Za-z_]\w*$/.test(name) ? name : `get("${name}")`} == "value"`, span);
    }
    if (info.elementType === undefined) {
      this.fail(`branch "${name}" cannot be read${info.unsupportedReason ? `: ${info.unsupportedReason}` : " (unsupported type)"}`, span);
    }
    const dtype = dtypeOfElement(info.elementType);
    if (info.kind === "flat" && !(info.shape && info.shape.length > 0)) {
      return { op: "branch", name, level: "event", dtype, text };
    }
    if (info.kind === "jagged") {
      if ((info.depth ?? info.jaggedDepth ?? 1) > 1) this.fail(`branch "${name}" is a list of lists per event; expressions support one level of lists`, span);
      return { op: "branch", name, level: "object", dtype, text, ...(info.collection !== undefined ? { collection: info.collection } : {}) };
    }
    const shape = info.shape ?? [];
    if (shape.length !== 1) this.fail(`branch "${name}" is a fixed array of shape [${shape.join(", ")}]; only one-dimensional fixed arrays are supported`, span);
    return { op: "branch", name, level: "object", dtype, text, shape: [...shape], collection: info.collection ?? `fixed[${shape[0]}]` };
  }

  private unary(op: "-" | "+" | "~", arg: Plan, node: Node): Plan {
    if (op === "+") {
      if (arg.dtype === "bool" && arg.level !== "constant") this.fail(`unary "+" is not defined for booleans in numpy: ${arg.text}`, node);
      return { ...arg, text: this.text(node) };
    }
    if (op === "-") {
      if (arg.dtype === "bool" && arg.level !== "constant") {
        this.fail(`unary "-" of a boolean is an error in numpy; use "~" to negate a condition`, node);
      }
      return this.applyUnary("neg", arg, arg.dtype === "bool" ? "int" : arg.dtype, node);
    }
    if (isFloat(arg.dtype)) {
      this.fail(`"~" needs a boolean or integer operand, but ${arg.text} is a float; did you mean ~(${arg.text} > 0) or to parenthesise a comparison?`, node);
    }
    return this.applyUnary(arg.dtype === "bool" ? "not" : "invert", arg, arg.dtype, node);
  }

  private applyUnary(fn: UnaryFn, arg: Plan, dtype: DType, node: Node): Plan {
    const text = this.text(node);
    if (arg.op === "const") return { op: "const", value: UNARY[fn](arg.value), weak: true, level: "constant", dtype, text };
    return { op: "unary", fn, arg, level: arg.level, dtype, text, ...collectionOf(arg) };
  }

  private combinedLevel(operands: Plan[], node: Node): { level: Level; collection?: string } {
    let level: Level = "constant";
    let collection: string | undefined;
    let first: Plan | undefined;
    for (const p of operands) {
      if (LEVEL_RANK[p.level] > LEVEL_RANK[level]) level = p.level;
      if (p.level === "object" && p.collection !== undefined) {
        if (collection !== undefined && collection !== p.collection) {
          this.fail(
            `cannot combine objects of different collections element-wise: ${first!.text} is per ${collection} object, ${p.text} is per ${p.collection} object; reduce one of them per event first (e.g. num(...), max(...))`,
            node,
          );
        }
        collection = p.collection;
        first = p;
      }
    }
    return collection !== undefined ? { level, collection } : { level };
  }

  binary(fn: BinaryFn, left: Plan, right: Plan, node: Node, symbol: string): Plan {
    const bothConst = left.level === "constant" && right.level === "constant";
    let dtype: DType;
    if (COMPARISONS.has(fn)) {
      dtype = "bool";
    } else if (BITWISE.has(fn) || fn === "logical_and" || fn === "logical_or" || fn === "logical_xor") {
      if (BITWISE.has(fn)) {
        for (const p of [left, right]) {
          if (isFloat(p.dtype)) {
            this.fail(
              `"${symbol}" needs booleans or integers, but ${p.text} is a float. "${symbol}" binds tighter than comparisons in Python: write (a > 1) ${symbol} (b < 2)`,
              node,
            );
          }
        }
        dtype = left.dtype === "bool" && right.dtype === "bool" ? "bool" : "int";
      } else {
        dtype = "bool";
      }
    } else {
      if (ARITHMETIC.has(fn) && left.dtype === "bool" && right.dtype === "bool" && !bothConst) {
        this.fail(
          `"${symbol}" of two booleans means logical or/and in numpy but integer arithmetic in Python; use "|" or "&", or count_nonzero(...)`,
          node,
        );
      }
      dtype = promote(left.dtype, right.dtype, left.op === "const" && left.weak, right.op === "const" && right.weak);
      if (fn === "div" || fn === "arctan2" || fn === "hypot" || fn === "copysign") dtype = dtype === "float32" ? "float32" : "float64";
    }
    // numpy converts a Python literal to the other operand's float32 before operating (NEP 50).
    const operandType = COMPARISONS.has(fn) ? promote(left.dtype, right.dtype, isWeak(left), isWeak(right)) : dtype;
    if (operandType === "float32") {
      left = froundConst(left);
      right = froundConst(right);
    }
    const text = this.text(node);
    if (bothConst) {
      const intDiv = left.dtype !== "float64" && right.dtype !== "float64";
      let value = binaryScalar(fn, (left as { value: number }).value, (right as { value: number }).value, intDiv);
      if (fn === "floordiv" && !intDiv && right.dtype !== "float64" && (right as { value: number }).value === 0) value = NaN;
      return { op: "const", value, weak: true, level: "constant", dtype, text };
    }
    return { op: "binary", fn, left, right, dtype, text, ...this.combinedLevel([left, right], node) };
  }

  /** `branch == "text"` (either way round) on a string branch, or undefined when that is not the form. */
  private stringCompare(node: Extract<Node, { type: "compare" }>): Plan | undefined {
    const [a, b] = node.operands;
    const op = node.ops[0]!;
    if (node.ops.length !== 1 || !a || !b) return undefined;
    const literal = a.type === "string" ? a : b.type === "string" ? b : undefined;
    const other = literal === a ? b : a;
    const info = other.type === "name" ? this.checker.branch(other.name) : undefined;
    if (!literal || other.type !== "name" || !info?.strings) return undefined;
    if (op !== "==" && op !== "!=") this.fail(`strings compare only with == and !=, not ${op}`, node);
    const level = info.kind === "jagged" ? "object" : "event";
    if ((info.depth ?? 1) > 1 && level === "object") this.fail(`branch "${other.name}" is a list of lists of strings; expressions support one level of lists`, other);
    return { op: "strEq", name: other.name, value: literal.value, negate: op === "!=", level, dtype: "bool", text: this.text(node) };
  }

  private compare(node: Extract<Node, { type: "compare" }>): Plan {
    const text = this.stringCompare(node);
    if (text) return text;
    const operands = node.operands.map((o) => this.check(o));
    if (node.ops.length === 1) return this.binary(OPERATOR_FN[node.ops[0]!]!, operands[0]!, operands[1]!, node, node.ops[0]!);
    if (operands.some((p) => p.level !== "constant")) {
      const pairs = node.ops.map((op, i) => `(${this.text(node.operands[i]!)} ${op} ${this.text(node.operands[i + 1]!)})`);
      this.fail(
        `chained comparison: Python evaluates it with "and", which fails on arrays (and in ServiceX). ` +
          `If you meant to combine conditions write ${pairs.join(" & ")}; ` +
          `if you wrote "a > 1 & b < 2", note that "&" binds tighter than comparisons`,
        node,
      );
    }
    let result = 1;
    for (let i = 0; i < node.ops.length; i++) {
      const p = this.binary(OPERATOR_FN[node.ops[i]!]!, operands[i]!, operands[i + 1]!, node, node.ops[i]!);
      result = result && (p as { value: number }).value !== 0 ? 1 : 0;
    }
    return { op: "const", value: result, weak: true, level: "constant", dtype: "bool", text: this.text(node) };
  }

  private call(node: Extract<Node, { type: "call" }>): Plan {
    const { name, args, keywords } = node;
    const positional = (n: number, what: string): Plan[] => {
      if (args.length !== n) this.fail(`${name}() takes ${what}, got ${args.length}`, node);
      return args.map((a) => this.check(a));
    };
    const noKeywords = (): void => {
      if (keywords.length > 0) this.fail(`${name}() takes no keyword arguments`, keywords[0]!);
    };
    if (UNSUPPORTED_FUNCTIONS.has(name)) {
      this.fail(`${name}() exists in ServiceX's uproot-raw language but sxflow's local evaluator does not support it`, node.nameSpan);
    }
    if (REDUCERS.has(name)) return this.reduce(name as ReduceFn, node);
    if (name === "where") {
      noKeywords();
      const [cond, then, otherwise] = positional(3, "three arguments (condition, value if true, value if false)");
      const dtype = promote(then!.dtype, otherwise!.dtype, isWeak(then!), isWeak(otherwise!));
      const text = this.text(node);
      if (cond!.op === "const") return { ...(cond!.value !== 0 ? then! : otherwise!), dtype, text };
      return { op: "where", cond: cond!, then: froundIf(then!, dtype), otherwise: froundIf(otherwise!, dtype), dtype, text, ...this.combinedLevel([cond!, then!, otherwise!], node) };
    }
    const unaryFn = UNARY_FUNCTIONS[name];
    if (unaryFn) {
      noKeywords();
      const [arg] = positional(1, "one argument");
      return this.applyUnary(unaryFn, arg!, unaryDType(unaryFn, arg!.dtype), node);
    }
    const binaryFn = BINARY_FUNCTIONS[name];
    if (binaryFn) {
      noKeywords();
      const [a, b] = positional(2, "two arguments");
      return this.binary(binaryFn, a!, b!, node, `${name}()`);
    }
    if (name.includes(".")) this.fail(`unknown function "${name}": call functions by their bare name (num, abs, ...)`, node.nameSpan);
    this.fail(`unknown function "${name}"${didYouMeanPhrase(closeNames(name, ALL_FUNCTION_NAMES), (n) => `${n}()`)}`, node.nameSpan);
  }

  private reduce(fn: ReduceFn, node: Extract<Node, { type: "call" }>): Plan {
    if (node.args.length !== 1) {
      this.fail(
        node.args.length > 1
          ? `${fn}() takes one array; give the axis as a keyword (axis=1): ServiceX already passes axis=1 by keyword`
          : `${fn}() takes one array`,
        node,
      );
    }
    for (const k of node.keywords) {
      if (k.name !== "axis") this.fail(`${fn}() keyword "${k.name}" is not supported (only axis=)`, k);
      const v = k.value;
      const axis = v.type === "number" && v.isInt ? v.value : v.type === "unary" && v.op === "-" && v.operand.type === "number" ? -v.operand.value : NaN;
      if (axis === 1 || axis === -1) continue;
      this.fail(
        `${fn}(..., axis=${this.text(v)}): only axis=1 (or -1), per event over its objects, is supported; axis=0 or None would reduce across events, which depends on how the file is split into batches`,
        k,
      );
    }
    const arg = this.check(node.args[0]!);
    if (arg.level !== "object") {
      this.fail(
        `${fn}() reduces a list of objects per event, but ${arg.text} is ${describeLevel(arg)} (awkward: axis=1 exceeds the depth of this array)`,
        node,
      );
    }
    let dtype: DType;
    switch (fn) {
      case "num": case "count": case "count_nonzero": case "argmin": case "argmax": case "nanargmin": case "nanargmax":
        dtype = "int";
        break;
      case "any": case "all":
        dtype = "bool";
        break;
      case "sum": case "nansum": case "prod": case "nanprod":
        dtype = arg.dtype === "bool" ? "int" : arg.dtype;
        break;
      case "mean": case "nanmean": case "var": case "nanvar": case "std": case "nanstd":
        dtype = "float64";
        break;
      default:
        dtype = arg.dtype;
    }
    return { op: "reduce", fn, arg, level: "event", dtype, text: this.text(node) };
  }

  private subscript(targetNode: Node, items: SubscriptItem[], node: Node): Plan {
    const target = this.check(targetNode);
    const text = this.text(node);
    if (items.length === 1 && items[0]!.type === "expr") {
      const mask = this.check(items[0]!.node);
      if (mask.level === "constant") {
        this.fail(
          mask.dtype === "int"
            ? `${text} would select one event by position; to take an object of each event write ${this.text(targetNode)}[:, ${mask.text}]`
            : `a constant cannot be used as a mask: ${text}`,
          node,
        );
      }
      if (mask.dtype !== "bool") this.fail(`the mask ${mask.text} is not boolean (integer-array indexing is not supported)`, items[0]!);
      if (target.level === "constant") this.fail(`a constant cannot be masked: ${text}`, node);
      if (target.level !== mask.level) {
        this.fail(
          `mask of the wrong structure: ${target.text} is ${describeLevel(target)} but the mask ${mask.text} is ${describeLevel(mask)}; the mask must have the same structure as the masked value`,
          node,
        );
      }
      return { op: "mask", target, mask, dtype: target.dtype, text, ...this.combinedLevel([target, mask], node) };
    }
    const first = items[0]!;
    if (items.length !== 2 || first.type !== "slice" || first.start || first.stop || first.step) {
      this.fail(`unsupported subscript ${text}: use x[mask], x[:, i] or x[:, start:stop]`, node);
    }
    if (target.level !== "object") this.fail(`${text} takes objects of each event, but ${target.text} is ${describeLevel(target)}`, node);
    const second = items[1]!;
    if (second.type === "expr") {
      const index = this.constInt(second.node);
      return { op: "pick", target, index, level: "event", dtype: target.dtype, text };
    }
    const bound = (n: Node | undefined): number | null => (n ? this.constInt(n) : null);
    const step = bound(second.step) ?? 1;
    if (step === 0) this.fail("slice step cannot be zero", second);
    return {
      op: "slice", target, start: bound(second.start), stop: bound(second.stop), step,
      level: "object", dtype: target.dtype, text, ...collectionOf(target),
    };
  }

  private constInt(node: Node): number {
    const p = this.check(node);
    if (p.op !== "const" || p.dtype !== "int") this.fail(`an object index or slice bound must be an integer constant: ${this.text(node)}`, node);
    return p.value;
  }
}

function isWeak(p: Plan): boolean {
  return p.op === "const" && p.weak;
}

function froundConst(p: Plan): Plan {
  return p.op === "const" && p.weak && p.dtype !== "bool" ? { ...p, value: Math.fround(p.value) } : p;
}

function froundIf(p: Plan, dtype: DType): Plan {
  return dtype === "float32" ? froundConst(p) : p;
}

function collectionOf(p: Plan): { collection?: string } {
  return p.collection !== undefined ? { collection: p.collection } : {};
}

function unaryDType(fn: UnaryFn, arg: DType): DType {
  if (BOOL_RESULT_UNARY.has(fn)) return "bool";
  if (FLOAT_RESULT_UNARY.has(fn)) return arg === "float32" ? "float32" : "float64";
  if (arg === "bool" && fn !== "abs") return "int";
  return arg;
}
