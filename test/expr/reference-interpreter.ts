/**
 * A deliberately naive per-event interpreter of the expression language: one event at a time,
 * plain JS numbers, arrays and null (missing). It shares only the parser with sxflow's
 * evaluator and serves as the oracle in property tests and as the baseline in bench/expr.ts.
 */
import type { Node } from "../../src/expr/ast.js";
import type { Batch } from "../../src/batch/types.js";

/** One event's value: a number, a list of numbers (possibly with nulls), or null for missing. */
export type EventValue = number | null | (number | null)[];

export type EventRow = Record<string, number | number[]>;

/** Column values of event `i` as plain JS. */
export function rowOf(batch: Batch, i: number): EventRow {
  const row: EventRow = {};
  for (const [name, c] of Object.entries(batch.columns)) {
    if (c.kind === "flat") row[name] = Number(c.values[i]!);
    else {
      const v = c.values as ArrayLike<number>;
      row[name] = Array.from({ length: c.offsets[i + 1]! - c.offsets[i]! }, (_, k) => Number(v[c.offsets[i]! + k]!));
    }
  }
  return row;
}

function binary(op: string, a: number, b: number): number {
  switch (op) {
    case "+": return a + b;
    case "-": return a - b;
    case "*": return a * b;
    case "/": return a / b;
    case "//": return Math.floor(a / b);
    case "%": return b === 0 ? NaN : a - Math.floor(a / b) * b;
    case "**": return a ** b;
    case "&": return Number(a !== 0 && b !== 0);
    case "|": return Number(a !== 0 || b !== 0);
    case "^": return Number((a !== 0) !== (b !== 0));
    case "==": return Number(a === b);
    case "!=": return Number(a !== b);
    case "<": return Number(a < b);
    case "<=": return Number(a <= b);
    case ">": return Number(a > b);
    case ">=": return Number(a >= b);
    case "minimum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b);
    case "maximum": return Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b);
    case "arctan2": return Math.atan2(a, b);
    case "hypot": return Math.hypot(a, b);
  }
  throw new Error(`reference: binary ${op}`);
}

const UNARY: Record<string, (x: number) => number> = {
  abs: Math.abs, sqrt: Math.sqrt, exp: Math.exp, log: Math.log, sin: Math.sin, cos: Math.cos,
  floor: Math.floor, ceil: Math.ceil, isnan: (x) => Number(Number.isNaN(x)), isfinite: (x) => Number(Number.isFinite(x)),
  "neg": (x) => -x, "~": (x) => Number(x === 0),
};

/** Applies f element-wise, broadcasting a per-event number over a list. */
function zip(a: EventValue, b: EventValue, f: (x: number, y: number) => number): EventValue {
  const one = (x: number | null, y: number | null): number | null => (x === null || y === null ? null : f(x, y));
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new Error("reference: lists of different lengths");
    return a.map((x, i) => one(x, b[i]!));
  }
  if (Array.isArray(a)) return a.map((x) => one(x, b as number | null));
  if (Array.isArray(b)) return b.map((y) => one(a as number | null, y));
  return one(a, b);
}

function map(a: EventValue, f: (x: number) => number): EventValue {
  if (Array.isArray(a)) return a.map((x) => (x === null ? null : f(x)));
  return a === null ? null : f(a);
}

function reduce(fn: string, list: (number | null)[]): number | null {
  const xs = list.filter((x): x is number => x !== null);
  switch (fn) {
    case "num": return list.length;
    case "count": return xs.length;
    case "count_nonzero": return xs.filter((x) => x !== 0).length;
    case "sum": return xs.reduce((s, x) => s + x, 0);
    case "prod": return xs.reduce((s, x) => s * x, 1);
    case "any": return Number(xs.some((x) => x !== 0));
    case "all": return Number(xs.every((x) => x !== 0));
    case "min": return xs.length === 0 ? null : xs.reduce((m, x) => (x < m ? x : m), Infinity);
    case "max": return xs.length === 0 ? null : xs.reduce((m, x) => (x > m ? x : m), -Infinity);
    case "mean": return xs.reduce((s, x) => s + x, 0) / xs.length;
    case "argmax": case "argmin": {
      if (xs.length === 0) return null;
      let best = 0;
      for (let i = 1; i < xs.length; i++) if (fn === "argmax" ? xs[i]! > xs[best]! : xs[i]! < xs[best]!) best = i;
      return best;
    }
  }
  throw new Error(`reference: reducer ${fn}`);
}

/** Evaluates the parsed expression for one event. */
export function evalEvent(node: Node, row: EventRow, aliases: Record<string, Node> = {}): EventValue {
  const ev = (n: Node): EventValue => evalEvent(n, row, aliases);
  switch (node.type) {
    case "number": return node.value;
    case "boolean": return Number(node.value);
    case "name": {
      if (aliases[node.name]) return ev(aliases[node.name]!);
      const v = row[node.name];
      if (v === undefined) throw new Error(`reference: no ${node.name}`);
      return Array.isArray(v) ? [...v] : v;
    }
    case "unary": return node.op === "+" ? ev(node.operand) : map(ev(node.operand), UNARY[node.op === "-" ? "neg" : "~"]!);
    case "binary": return zip(ev(node.left), ev(node.right), (x, y) => binary(node.op, x, y));
    case "compare": return zip(ev(node.operands[0]!), ev(node.operands[1]!), (x, y) => binary(node.ops[0]!, x, y));
    case "subscript": {
      const target = ev(node.target);
      const item = node.items[0]!;
      const objects = node.items[1];
      if (objects?.type === "slice" && Array.isArray(target)) {
        // Step-1 slices: JavaScript's Array.slice clamps and counts from the end like Python.
        const bound = (n: Node | undefined): number | undefined => (n ? (ev(n) as number) : undefined);
        return target.slice(bound(objects.start), bound(objects.stop));
      }
      if (item.type !== "expr") throw new Error("reference: subscript not modelled");
      const mask = ev(item.node);
      if (Array.isArray(target) && Array.isArray(mask)) return target.filter((_, i) => mask[i] !== null && mask[i] !== 0);
      return mask === null || mask === 0 ? null : target;
    }
    case "call": {
      const args = node.args.map(ev);
      if (node.name === "where") {
        const [c, t, f] = args;
        const pick = (x: number | null, y: number | null, z: number | null): number | null => (x === null ? null : x !== 0 ? y : z);
        const len = [c, t, f].find(Array.isArray)?.length;
        if (len === undefined) return pick(c as number | null, t as number | null, f as number | null);
        const at = (v: EventValue, i: number): number | null => (Array.isArray(v) ? v[i]! : v);
        return Array.from({ length: len }, (_, i) => pick(at(c!, i), at(t!, i), at(f!, i)));
      }
      if (UNARY[node.name]) return map(args[0]!, UNARY[node.name]!);
      if (args.length === 2) return zip(args[0]!, args[1]!, (x, y) => binary(node.name, x, y));
      const list = args[0];
      if (!Array.isArray(list)) throw new Error(`reference: ${node.name} of a non-list`);
      return reduce(node.name, list);
    }
    default: throw new Error(`reference: ${node.type}`);
  }
}
