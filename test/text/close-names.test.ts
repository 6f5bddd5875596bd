import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closeNames, didYouMeanPhrase, editDistance, suggestNames } from "../../src/text/close-names.js";

/** Textbook recursive Levenshtein, memoised: the reference for the row-based version. */
function reference(a: string, b: string): number {
  const memo = new Map<string, number>();
  const d = (i: number, j: number): number => {
    if (i === 0) return j;
    if (j === 0) return i;
    const key = `${i},${j}`;
    let v = memo.get(key);
    if (v === undefined) {
      v = Math.min(d(i - 1, j) + 1, d(i, j - 1) + 1, d(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1));
      memo.set(key, v);
    }
    return v;
  };
  return d(a.length, b.length);
}

const BRANCHES = ["jet_pt_NOSYS", "jet_phi", "jet_eta", "el_pt_NOSYS", "met_met_NOSYS", "eventNumber", "runNumber", "weight"];

describe("close names", () => {
  it("edit distance agrees with the recursive definition", () => {
    fc.assert(fc.property(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), (a, b) => editDistance(a, b) === reference(a, b)));
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("ranks an extension of the name above a near-miss, and keeps only the closest", () => {
    expect(closeNames("jet_pt", BRANCHES)).toEqual(["jet_pt_NOSYS"]);
    expect(closeNames("weights", BRANCHES)).toEqual(["weight"]);
    expect(closeNames("EventNumber", BRANCHES)).toEqual(["eventNumber"]);
    expect(closeNames("jet_ptt", ["Jet_pt", "MET_pt", "Muon_pt"])).toEqual(["Jet_pt"]);
    expect(closeNames("ruNumber", BRANCHES)).toEqual(["runNumber"]);
  });

  it("gives ties in alphabetical order, up to the limit, and nothing for far names", () => {
    expect(closeNames("jet_xta", ["jet_phi", "jet_eta", "jet_ata"], 3)).toEqual(["jet_ata", "jet_eta"]);
    expect(closeNames("jet_xta", ["jet_phi", "jet_eta", "jet_ata"], 1)).toEqual(["jet_ata"]);
    expect(closeNames("truth_particles", BRANCHES)).toEqual([]);
    expect(closeNames("x", ["xy", "yx"])).toEqual(["xy", "yx"]);
  });

  it("builds the did-you-mean phrase", () => {
    expect(didYouMeanPhrase([])).toBe("");
    expect(didYouMeanPhrase(["a"])).toBe('; did you mean "a"?');
    expect(didYouMeanPhrase(["a", "b"])).toBe('; did you mean "a" or "b"?');
    expect(didYouMeanPhrase(["num", "min", "max"], (n) => `${n}()`)).toBe("; did you mean num(), min() or max()?");
    expect(suggestNames("jet_et", BRANCHES)).toBe('; did you mean "jet_eta"?');
  });
});
