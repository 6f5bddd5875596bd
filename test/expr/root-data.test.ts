import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyCut, compileCut, compileExpression, cutMask, openRoot, type Tree } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { parse } from "../../src/expr/parser.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { lists } from "./helpers.js";
import { evalEvent, rowOf } from "./reference-interpreter.js";

/** Cuts on a real ROOT file (uproot's HZZ sample: jets, muons, electrons, MET) read by sxflow's reader. */
describe("expressions on uproot-HZZ.root", () => {
  const file = path.join(ROOT_FIXTURES, "uproot-HZZ.root");
  let tree: Tree;
  let close: () => Promise<void>;
  const expected = (): Record<string, { sum: number; counts_sum?: number }> =>
    JSON.parse(readFileSync(path.join(ROOT_FIXTURES, "expected.json"), "utf8"))["uproot-HZZ.root"].events.branches;

  beforeAll(async () => {
    const root = await openRoot(file);
    tree = await root.tree("events");
    close = () => root.close();
  });
  afterAll(async () => close?.());

  async function readFor(...exprs: string[]): Promise<Batch> {
    const names = new Set(exprs.flatMap((e) => compileExpression(e, tree.branches).freeBranches));
    return tree.read([...names]);
  }

  it("per-event reductions agree with uproot's totals and with the counter branches", async () => {
    const b = await readFor("num(Jet_Px)", "sum(Jet_ID)", "sum(Electron_Charge)", "NJet", "NMuon", "num(Muon_Px)", "MET_px");
    const total = (e: string): number => (lists(compileExpression(e, tree.branches).evaluate(b)) as number[]).reduce((s, x) => s + x, 0);
    const exp = expected();
    expect(total("num(Jet_Px)")).toBe(exp.Jet_Px!.counts_sum);
    expect(total("sum(Jet_ID)")).toBe(exp.Jet_ID!.sum);
    expect(total("sum(Electron_Charge)")).toBe(exp.Electron_Charge!.sum);
    expect(total("MET_px")).toBeCloseTo(exp.MET_px!.sum, 6);
    expect(total("(num(Jet_Px) == NJet) & (num(Muon_Px) == NMuon)")).toBe(tree.entries);
  });

  it("a muon selection matches the per-event interpreter and filters every column consistently", async () => {
    const text = "(num(Muon_Px[(hypot(Muon_Px, Muon_Py) > 20) & (abs(Muon_Iso) < 5)]) >= 2) & (hypot(MET_px, MET_py) > 10) | any(Jet_btag > 0.5)";
    const cut = compileCut(text, tree.branches);
    const b = await readFor(text, "NMuon");
    const mask = cutMask(b, cut);
    const ast = parse(text);
    const want = Array.from({ length: b.length }, (_, i) => (evalEvent(ast, rowOf(b, i)) ? 1 : 0));
    expect(Array.from(mask)).toEqual(want);
    const passed = want.reduce((s: number, x) => s + x, 0);
    expect(passed).toBeGreaterThan(0);
    expect(passed).toBeLessThan(b.length);

    const kept = applyCut(b, cut);
    expect(kept.length).toBe(passed);
    const consistent = compileExpression("num(Muon_Px) == NMuon", tree.branches).evaluate(kept).values as Uint8Array;
    expect(consistent.every((v) => v === 1)).toBe(true);
  });

  it("combining jets with muons element-wise is refused on real events", async () => {
    // The reader names each jagged branch's collection (its counter), so the checker refuses at compile time.
    expect(() => compileExpression("Jet_Px + Muon_Px", tree.branches)).toThrow(
      /different collections element-wise: Jet_Px is per NJet object, Muon_Px is per NMuon object/,
    );
    // Without collection names (e.g. a schema built from a batch) the evaluator catches it on the data.
    const anonymous = tree.branches.map(({ collection: _collection, ...rest }) => rest);
    const b = await tree.read(["Jet_Px", "Muon_Px"]);
    expect(() => compileExpression("Jet_Px + Muon_Px", anonymous).evaluate(b)).toThrow(
      /Jet_Px and Muon_Px have different numbers of objects \(event \d+ of the batch/,
    );
  });
});
