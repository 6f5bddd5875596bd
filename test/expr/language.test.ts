import { describe, expect, it } from "vitest";
import { compileExpression, ExpressionError, schemaOfBatch } from "../../src/index.js";
import { parse } from "../../src/expr/parser.js";
import type { Node } from "../../src/expr/ast.js";
import type { Batch } from "../../src/batch/types.js";
import { flat, jagged, lists } from "./helpers.js";

/** Fully parenthesised rendering of a parse tree, to check precedence. */
function show(n: Node): string {
  switch (n.type) {
    case "number": return String(n.value);
    case "boolean": return String(n.value);
    case "name": return n.name;
    case "string": return JSON.stringify(n.value);
    case "unary": return `(${n.op}${show(n.operand)})`;
    case "binary": return `(${show(n.left)} ${n.op} ${show(n.right)})`;
    case "compare": return `(${n.operands.map(show).map((s, i) => (i ? `${n.ops[i - 1]} ${s}` : s)).join(" ")})`;
    case "call": return `${n.name}(${[...n.args.map(show), ...n.keywords.map((k) => `${k.name}=${show(k.value)}`)].join(", ")})`;
    case "subscript": return `${show(n.target)}[${n.items.map((i) => (i.type === "expr" ? show(i.node) : "slice")).join(", ")}]`;
  }
}

describe("parsing", () => {
  it("reads Python numbers", () => {
    expect(show(parse("1e3 + 26_000 + 0x1F + .5 + 2.5e-1 + 0b101 + 0o17"))).toBe("((((((1000 + 26000) + 31) + 0.5) + 0.25) + 5) + 15)");
    expect(() => parse("26__000")).toThrow(ExpressionError);
    expect(() => parse("0123")).toThrow(/leading zeros/);
    expect(() => parse("1abc")).toThrow(/malformed number/);
  });

  it("reads dotted names, get() and booleans", () => {
    expect(show(parse("AnalysisElectronsAuxDyn.pt > 1"))).toBe("(AnalysisElectronsAuxDyn.pt > 1)");
    expect(show(parse('get("jet pt/odd") * True'))).toBe("(jet pt/odd * true)");
    expect(() => parse("get(x)")).toThrow(/get\(\) takes exactly one string/);
  });

  it("follows Python precedence: & | bind tighter than comparisons, ** tighter than unary minus", () => {
    expect(show(parse("a > 1 & b"))).toBe("(a > (1 & b))");
    expect(show(parse("a | b & c ^ d"))).toBe("(a | ((b & c) ^ d))");
    expect(show(parse("-x**2"))).toBe("(-(x ** 2))");
    expect(show(parse("2**3**2"))).toBe("(2 ** (3 ** 2))");
    expect(show(parse("2**-1"))).toBe("(2 ** (-1))");
    expect(show(parse("a + b * c // d % e - f / g"))).toBe("((a + (((b * c) // d) % e)) - (f / g))");
    expect(show(parse("~a & b"))).toBe("((~a) & b)");
    expect(show(parse("0 < x <= 5"))).toBe("(0 < x <= 5)");
    expect(show(parse("sum(x[x > 0], axis=1)"))).toBe("sum(x[(x > 0)], axis=1)");
  });

  it("rejects and/or/not, suggesting & | ~", () => {
    expect(() => parse("(a > 1) and (b > 2)")).toThrow(/"and" does not work element-wise.*use "&"/);
    expect(() => parse("(a > 1) or (b > 2)")).toThrow(/use "\|"/);
    expect(() => parse("not a")).toThrow(/use "~"/);
    expect(() => parse("a && b")).toThrow(/use "&"/);
    expect(() => parse("!a")).toThrow(/use "~"/);
  });

  it("shows a caret under a syntax error", () => {
    try {
      parse("num(jet_pt > 3");
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpressionError);
      const msg = (e as Error).message.split("\n");
      expect(msg[0]).toMatch(/expected "\)" to close the call opened at column 4/);
      expect(msg[1]).toBe("  num(jet_pt > 3");
      expect(msg[2]).toBe("                ^");
    }
    expect(() => parse("a + * b")).toThrow(/unexpected "\*"\n {2}a \+ \* b\n {6}\^/);
    expect(() => parse("")).toThrow(/empty expression/);
    expect(() => parse("a b")).toThrow(/unexpected name "b" after a complete expression/);
  });
});

const SCHEMA = {
  jet_pt: { kind: "jagged", elementType: "float64" },
  jet_eta: { kind: "jagged", elementType: "float64" },
  el_pt: { kind: "jagged", elementType: "float64" },
  met: { kind: "flat", elementType: "float64" },
  flag: { kind: "flat", elementType: "bool" },
  n: { kind: "flat", elementType: "int32" },
  "AnalysisJetsAuxDyn.pt": { kind: "jagged", elementType: "float64" },
  "jet pt/odd": { kind: "jagged", elementType: "float64" },
} as const;

function events(): Batch {
  const pts = [[10, 20, 30], [], [5]];
  return {
    length: 3,
    columns: {
      jet_pt: jagged(pts),
      jet_eta: jagged([[0.5, -1, 2], [], [3]]),
      el_pt: jagged([[1], [2, 3], []]),
      met: flat([100, 200, 300]),
      flag: flat([1, 0, 1], Uint8Array, true),
      n: flat([3, -7, 4], Int32Array),
      "AnalysisJetsAuxDyn.pt": jagged(pts),
      "jet pt/odd": jagged(pts),
    },
  };
}

const evaluate = (e: string, aliases?: Record<string, string>): number[] | number[][] =>
  lists(compileExpression(e, SCHEMA, aliases ? { aliases } : {}).evaluate(events()));

describe("names and aliases", () => {
  it("resolves dotted names, get() and aliases (also aliases of aliases)", () => {
    expect(evaluate("num(AnalysisJetsAuxDyn.pt)")).toEqual([3, 0, 1]);
    expect(evaluate('sum(get("jet pt/odd"))')).toEqual([60, 0, 5]);
    const aliases = { pt_gev: "jet_pt / 10", hard: "pt_gev > 1.5" };
    expect(evaluate("num(pt_gev[hard])", aliases)).toEqual([2, 0, 0]);
    const c = compileExpression("num(pt_gev[hard])", SCHEMA, { aliases });
    expect(c.freeBranches).toEqual(["jet_pt"]);
  });

  it("lists the closest branch names for an unknown name", () => {
    expect(() => compileExpression("num(jet_ptt) > 2", SCHEMA)).toThrow(/unknown branch or alias "jet_ptt"; did you mean "jet_pt"/);
    expect(() => compileExpression("num(jet_ptt) > 2", SCHEMA)).toThrow(/\n {2}num\(jet_ptt\) > 2\n {6}\^{7}/);
    expect(() => compileExpression("mett", SCHEMA)).toThrow(/did you mean "met"/);
    expect(() => compileExpression("abs > 1", SCHEMA)).toThrow(/"abs" is a function/);
    expect(() => compileExpression("nmu(jet_pt)", SCHEMA)).toThrow(/unknown function "nmu"; did you mean .*num\(\)/);
  });

  it("reports alias errors and cycles", () => {
    expect(() => compileExpression("a > 1", SCHEMA, { aliases: { a: "b + 1", b: "a * 2" } })).toThrow(/alias cycle: a -> b -> a|in alias/);
    expect(() => compileExpression("x > 1", SCHEMA, { aliases: { x: "met +" } })).toThrow(/in alias "x"/);
  });
});

describe("type errors say which sub-expression and why", () => {
  const cases: [string, RegExp][] = [
    ["num(met) > 1", /num\(\) reduces a list of objects per event, but met is per event/],
    ["max(3)", /max\(\) reduces a list of objects per event, but 3 is a constant/],
    ["jet_pt[met > 100]", /mask of the wrong structure: jet_pt is per object \(jagged\) but the mask met > 100 is per event/],
    ["met[jet_pt > 1]", /mask of the wrong structure/],
    ["jet_pt[jet_pt]", /the mask jet_pt is not boolean/],
    ["jet_pt[0]", /would select one event by position; to take an object of each event write jet_pt\[:, 0\]/],
    ["met > 1 & met < 2", /"&" needs booleans or integers, but met is a float/],
    ["~met", /"~" needs a boolean or integer operand/],
    ["-flag", /use "~" to negate a condition/],
    ["flag + flag", /two booleans/],
    ["0 < met < 5", /chained comparison.*\(0 < met\) & \(met < 5\)/],
    ["sum(jet_pt, 1)", /give the axis as a keyword/],
    ["sum(jet_pt, axis=0)", /only axis=1/],
    ["sum(jet_pt, keepdims=True)", /keyword "keepdims" is not supported/],
    ["met[:, 0]", /takes objects of each event, but met is per event/],
    ["jet_pt[:, met]", /must be an integer constant/],
    ["sort(jet_pt)", /sort\(\) exists in ServiceX.*does not support it/],
    ["ak.num(jet_pt)", /call functions by their bare name/],
    ["where(met > 1, met)", /where\(\) takes three arguments/],
    ["sqrt(met, met)", /sqrt\(\) takes one argument, got 2/],
  ];
  it.each(cases)("%s", (expr, message) => {
    expect(() => compileExpression(expr, SCHEMA)).toThrow(message);
  });

  it("mixing two collections: at compile time when the schema names them, else at evaluation", () => {
    const named = {
      jet_pt: { kind: "jagged", elementType: "float64", collection: "jet" },
      el_pt: { kind: "jagged", elementType: "float64", collection: "el" },
    } as const;
    expect(() => compileExpression("jet_pt + el_pt", named)).toThrow(/different collections.*jet_pt is per jet object, el_pt is per el object/);
    const c = compileExpression("any(jet_pt > el_pt)", SCHEMA);
    expect(() => c.evaluate(events())).toThrow(/jet_pt > el_pt: jet_pt and el_pt have different numbers of objects \(event 0 of the batch: 3 vs 1\)/);
    // Branches of one collection combine element-wise even with distinct offsets arrays.
    expect(evaluate("jet_pt * jet_eta")).toEqual([[5, -20, 60], [], [15]]);
  });

  it("a column missing from the batch or of the wrong kind is named", () => {
    const c = compileExpression("met > 1", SCHEMA);
    expect(() => c.evaluate({ length: 1, columns: {} })).toThrow(/the batch has no column "met"/);
    expect(() => c.evaluate({ length: 1, columns: { met: jagged([[1]]) } })).toThrow(/column "met" is not one value per event/);
  });
});

describe("result description", () => {
  it("reports kind, dtype and element type", () => {
    const d = (e: string) => {
      const c = compileExpression(e, SCHEMA);
      return [c.kind, c.dtype, c.elementType];
    };
    expect(d("jet_pt / 1000")).toEqual(["object", "float64", "float64"]);
    expect(d("num(jet_pt)")).toEqual(["event", "int", "float64"]);
    expect(d("abs(met) > 3")).toEqual(["event", "bool", "bool"]);
    expect(d("n")).toEqual(["event", "int", "int32"]);
    expect(d("2 * 3")).toEqual(["constant", "int", "float64"]);
    expect(evaluate("2 ** 3 + 1")).toEqual([9, 9, 9]);
  });
});

describe("column layouts", () => {
  it("treats a fixed-size array per event as a list of that length", () => {
    const schema = { v: { kind: "fixed", elementType: "float32", shape: [3] }, w: { kind: "fixed", elementType: "float32", shape: [3] } } as const;
    const b: Batch = {
      length: 2,
      columns: {
        v: { kind: "flat", shape: [3], values: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        w: { kind: "flat", shape: [3], values: Float32Array.from([1, 0, 1, 0, 0, 1]) },
      },
    };
    expect(lists(compileExpression("sum(v * w)", schema).evaluate(b))).toEqual([4, 6]);
    expect(lists(compileExpression("v[:, 1]", schema).evaluate(b))).toEqual([2, 5]);
  });

  it("reads jagged columns whose offsets do not start at zero (Arrow slices)", () => {
    const b: Batch = {
      length: 2,
      columns: { pt: { kind: "jagged", offsets: Int32Array.from([2, 3, 5]), values: Float64Array.from([99, 99, 1, 2, 3]) } },
    };
    expect(lists(compileExpression("pt * 2", { pt: { kind: "jagged", elementType: "float64" } }).evaluate(b))).toEqual([[2], [4, 6]]);
  });

  it("derives a schema from a batch and accepts a list of branch descriptions", () => {
    const b = events();
    const schema = schemaOfBatch(b);
    expect(schema.jet_pt).toEqual({ kind: "jagged", elementType: "float64", depth: 1 });
    expect(schema.flag).toEqual({ kind: "flat", elementType: "bool" });
    expect(lists(compileExpression("num(jet_pt[jet_pt > 15]) + flag", schema).evaluate(b))).toEqual([3, 0, 1]);
    const asList = [{ name: "met", kind: "flat", elementType: "float64" }] as const;
    expect(lists(compileExpression("met / 100", asList).evaluate(b))).toEqual([1, 2, 3]);
  });

  it("treats any non-zero byte of a boolean branch as true", () => {
    const b: Batch = { length: 3, columns: { ok: { kind: "flat", values: Uint8Array.from([2, 0, 1]), elementType: "bool" } } };
    const schema = { ok: { kind: "flat", elementType: "bool" } } as const;
    expect(lists(compileExpression("ok & True", schema).evaluate(b))).toEqual([1, 0, 1]);
  });
});

describe("schemas as the readers describe branches", () => {
  it("accepts jaggedDepth and refuses undecodable branches with the reader's reason", () => {
    const branches = [
      { name: "pt", kind: "jagged", elementType: "float32", jaggedDepth: 1, counter: "npt" },
      { name: "hits", kind: "jagged", elementType: "float32", jaggedDepth: 2 },
      { name: "label", kind: "flat", unsupportedReason: "std::string is not a number" },
    ] as const;
    expect(compileExpression("sum(pt)", branches).kind).toBe("event");
    expect(() => compileExpression("num(hits)", branches)).toThrow(/"hits" is a list of lists/);
    expect(() => compileExpression("label == 1", branches)).toThrow(/branch "label" cannot be read: std::string is not a number/);
  });
});
