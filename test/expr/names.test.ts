import { describe, expect, it } from "vitest";
import { compileExpression, ExpressionError, freeNames } from "../../src/expr/index.js";
import type { ExprSchema } from "../../src/expr/index.js";

const SCHEMA: ExprSchema = [
  { name: "jet_pt", kind: "jagged", elementType: "float32" },
  { name: "jet_eta", kind: "jagged", elementType: "float32" },
  { name: "met", kind: "flat", elementType: "float32" },
  { name: "odd.name-1", kind: "flat", elementType: "int32" },
  { name: "n", kind: "flat", elementType: "int32" },
];

describe("freeNames (no schema)", () => {
  const aliases = { ht: "sum(jet_pt)", central: "abs(jet_eta) < 2.5", both: "ht + met" };
  const cases = [
    "num(jet_pt[(jet_pt > 25) & central]) >= 4",
    'where(met > 0, get("odd.name-1"), -n)',
    "jet_pt[:, 0:2]",
    "jet_eta[:, 1] > 0",
    "both / 2 > ht",
    "max(jet_eta, axis=1) > met",
  ];
  it.each(cases)("finds the branches the checked plan reads: %s", (source) => {
    const got = freeNames(source, aliases);
    expect([...got.branches].sort()).toEqual([...compileExpression(source, SCHEMA, { aliases }).freeBranches].sort());
  });

  it("lists the aliases in use, through other aliases too", () => {
    expect(freeNames("both / 2 > 1", aliases)).toEqual({ branches: ["jet_pt", "met"], aliases: ["both", "ht"] });
    expect(freeNames("n > 1", aliases)).toEqual({ branches: ["n"], aliases: [] });
  });

  it("refuses syntax errors and alias cycles", () => {
    expect(() => freeNames("jet_pt >")).toThrow(ExpressionError);
    expect(() => freeNames("a + 1", { a: "b * 2", b: "a" })).toThrow(/alias cycle: a -> b -> a/);
  });
});
