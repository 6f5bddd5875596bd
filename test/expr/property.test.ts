import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCut, compileExpression, cutMask } from "../../src/index.js";
import { parse } from "../../src/expr/parser.js";
import type { Batch } from "../../src/batch/types.js";
import { lists } from "./helpers.js";
import { evalEvent, rowOf, type EventValue } from "./reference-interpreter.js";

/**
 * Random jagged events and random well-typed expressions: the vectorised (and loop-fused)
 * evaluator must agree with the per-event reference interpreter on every event.
 */

const value = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 3, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
);

const events = fc.array(fc.nat({ max: 5 }), { minLength: 0, maxLength: 12 }).chain((counts) => {
  const total = counts.reduce((s, c) => s + c, 0);
  const electronCounts = fc.array(fc.nat({ max: 2 }), { minLength: counts.length, maxLength: counts.length });
  return fc.record({
    counts: fc.constant(counts),
    a: fc.array(value, { minLength: total, maxLength: total }),
    b: fc.array(value, { minLength: total, maxLength: total }),
    c: fc.array(fc.boolean(), { minLength: total, maxLength: total }),
    e: fc.array(value, { minLength: counts.length, maxLength: counts.length }),
    f: fc.array(fc.boolean(), { minLength: counts.length, maxLength: counts.length }),
    el: electronCounts.chain((ec) =>
      fc.record({ counts: fc.constant(ec), x: fc.array(value, { minLength: ec.reduce((s, c) => s + c, 0), maxLength: ec.reduce((s, c) => s + c, 0) }) }),
    ),
    sharedOffsets: fc.boolean(),
  });
});

interface RandomEvents {
  counts: number[];
  a: number[];
  b: number[];
  c: boolean[];
  e: number[];
  f: boolean[];
  el: { counts: number[]; x: number[] };
  sharedOffsets: boolean;
}

function toBatch(d: RandomEvents): Batch {
  const offsetsOf = (counts: number[]): Int32Array => {
    const o = new Int32Array(counts.length + 1);
    counts.forEach((c, i) => (o[i + 1] = o[i]! + c));
    return o;
  };
  const jets = offsetsOf(d.counts);
  // A reader gives each branch its own offsets array; sometimes they are one object.
  const own = (): Int32Array => (d.sharedOffsets ? jets : jets.slice());
  return {
    length: d.counts.length,
    columns: {
      a: { kind: "jagged", offsets: own(), values: Float64Array.from(d.a) },
      b: { kind: "jagged", offsets: own(), values: Float64Array.from(d.b) },
      c: { kind: "jagged", offsets: own(), values: Uint8Array.from(d.c.map(Number)), elementType: "bool" },
      e: { kind: "flat", values: Float64Array.from(d.e) },
      f: { kind: "flat", values: Uint8Array.from(d.f.map(Number)), elementType: "bool" },
      x: { kind: "jagged", offsets: offsetsOf(d.el.counts), values: Float64Array.from(d.el.x) },
    },
  };
}

const SCHEMA = {
  a: { kind: "jagged", elementType: "float64" },
  b: { kind: "jagged", elementType: "float64" },
  c: { kind: "jagged", elementType: "bool" },
  e: { kind: "flat", elementType: "float64" },
  f: { kind: "flat", elementType: "bool" },
  x: { kind: "jagged", elementType: "float64" },
} as const;

const K = fc.constantFrom("0", "1", "2.5", "-1", "3", "1e0", "2_0");
const CMP = fc.constantFrom("<", "<=", ">", ">=", "==", "!=");
const ARITH = fc.constantFrom("+", "-", "*", "/");
const UNARY = fc.constantFrom("abs", "sqrt", "exp", "floor", "cos");
const REDUCE_F = fc.constantFrom("sum", "max", "min", "mean", "num", "count", "argmax", "argmin");
const REDUCE_B = fc.constantFrom("any", "all");

/** Typed expression grammar: O = per object (jets a, b, c), E = per event; F = number, B = boolean. */
const { OF, OB, EF, EB } = fc.letrec<{ OF: string; OB: string; EF: string; EB: string }>((tie) => ({
  OF: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom("a", "b"),
    fc.tuple(UNARY, tie("OF")).map(([f, x]) => `${f}(${x})`),
    fc.tuple(tie("OF"), ARITH, fc.oneof(tie("OF"), tie("EF"), K)).map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(tie("EF"), ARITH, tie("OF")).map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(tie("OB"), tie("OF"), fc.oneof(tie("EF"), K)).map(([c, x, y]) => `where(${c}, ${x}, ${y})`),
    fc.tuple(tie("OF"), tie("EF")).map(([x, y]) => `hypot(${x}, ${y})`),
  ),
  OB: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant("c"),
    fc.tuple(tie("OF"), CMP, fc.oneof(tie("OF"), tie("EF"), K)).map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(tie("OB"), fc.constantFrom("&", "|", "^"), fc.oneof(tie("OB"), tie("EB"))).map(([x, op, y]) => `(${x} ${op} ${y})`),
    tie("OB").map((x) => `~${x}`),
    tie("OF").map((x) => `isnan(${x})`),
  ),
  EF: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant("e"),
    fc.tuple(REDUCE_F, tie("OF")).map(([f, x]) => `${f}(${x})`),
    fc.tuple(REDUCE_F, fc.constantFrom("a", "b"), tie("OB")).map(([f, x, m]) => `${f}(${x}[${m}])`),
    fc.tuple(tie("OB")).map(([m]) => `count_nonzero(${m})`),
    fc.tuple(REDUCE_F, tie("OF"), fc.constantFrom("1:", ":2", "-2:", "1:-1", ":")).map(([f, x, s]) => `${f}(${x}[:, ${s}])`),
    fc.tuple(tie("EF"), tie("EB")).map(([x, m]) => `${x}[${m}]`),
    fc.tuple(REDUCE_F).map(([f]) => `${f}(x)`),
    fc.tuple(tie("EF"), ARITH, fc.oneof(tie("EF"), K)).map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(UNARY, tie("EF")).map(([f, x]) => `${f}(${x})`),
  ),
  EB: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant("f"),
    fc.tuple(tie("EF"), CMP, fc.oneof(tie("EF"), K)).map(([x, op, y]) => `(${x} ${op} ${y})`),
    fc.tuple(REDUCE_B, tie("OB")).map(([f, x]) => `${f}(${x})`),
    fc.tuple(tie("EB"), fc.constantFrom("&", "|"), tie("EB")).map(([x, op, y]) => `(${x} ${op} ${y})`),
    tie("EB").map((x) => `~${x}`),
  ),
}));

/** A missing value reads back as NaN in a number column and as false in a boolean column. */
function same(got: number, want: number | null, bool: boolean): boolean {
  if (want === null) return bool ? got === 0 : Number.isNaN(got);
  return Object.is(got, want) || (got === want) || (Number.isNaN(got) && Number.isNaN(want));
}

function agree(got: number[] | number[][], want: EventValue[], bool: boolean): boolean {
  return want.every((w, i) => {
    const g = got[i]!;
    if (Array.isArray(w)) return Array.isArray(g) && g.length === w.length && w.every((x, k) => same(g[k]!, x, bool));
    return !Array.isArray(g) && same(g, w, bool);
  });
}

describe("vectorised evaluator vs per-event reference interpreter on random jagged data", () => {
  it("cuts (per-event booleans) select the same events", () => {
    fc.assert(
      fc.property(events, EB, (d, expr) => {
        const batch = toBatch(d);
        const ast = parse(expr);
        const want = Array.from({ length: batch.length }, (_, i) => {
          const v = evalEvent(ast, rowOf(batch, i));
          return v !== null && v !== 0 ? 1 : 0;
        });
        expect(Array.from(cutMask(batch, compileCut(expr, SCHEMA)))).toEqual(want);
      }),
      { numRuns: 400 },
    );
  });

  it.each([["per-object numbers", OF], ["per-event numbers", EF], ["per-object booleans", OB]] as const)("%s have the same values", (_, arb) => {
    fc.assert(
      fc.property(events, arb, (d, expr) => {
        const batch = toBatch(d);
        const ast = parse(expr);
        const want = Array.from({ length: batch.length }, (_, i) => evalEvent(ast, rowOf(batch, i)));
        const compiled = compileExpression(expr, SCHEMA);
        const got = lists(compiled.evaluate(batch));
        if (!agree(got, want, compiled.dtype === "bool")) expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("combining jets with electrons element-wise fails unless every event has as many of each", () => {
    fc.assert(
      fc.property(events, (d) => {
        const batch = toBatch(d);
        const compatible = d.counts.every((c, i) => c === d.el.counts[i]);
        const run = (): unknown => compileExpression("a + x", SCHEMA).evaluate(batch);
        if (compatible) run();
        else expect(run).toThrow(/different numbers of objects/);
      }),
      { numRuns: 200 },
    );
  });
});
