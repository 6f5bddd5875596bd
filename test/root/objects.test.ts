import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Column } from "../../src/batch/types.js";
import { openRoot } from "../../src/index.js";
import { readStreamerInfos } from "../../src/root/streamers.js";
import { planObjects } from "../../src/root/objects.js";
import { ROOT_FIXTURES } from "../shared-data.js";

/**
 * uproot-HZZ-objects.root holds the events of uproot-HZZ.root (both scikit-hep-testdata,
 * BSD-3-Clause) as unsplit objects: TVector2 MET, TVector3 MC_*, std::vector<TLorentzVector>
 * per object collection, all doubles converted from HZZ.root's floats. So every member column
 * must equal, value for value and entry for entry, the flat or counted branch of HZZ.root that
 * the conformance suite checks against uproot.
 */
const SAME: Record<string, string> = {
  "MET.fX": "MET_px",
  "MET.fY": "MET_py",
  ...Object.fromEntries(
    (
      [
        ["MC_bquarkhadronic", "MChadronicBottom"],
        ["MC_bquarkleptonic", "MCleptonicBottom"],
        ["MC_lepton", "MClepton"],
        ["MC_neutrino", "MCneutrino"],
        ["MC_wdecayb", "MChadronicWDecayQuark"],
        ["MC_wdecaybbar", "MChadronicWDecayQuarkBar"],
      ] as const
    ).flatMap(([o, h]) => ["X", "Y", "Z"].map((c) => [`${o}.f${c}`, `${h}_p${c.toLowerCase()}`])),
  ),
  ...Object.fromEntries(
    (
      [
        ["jetp4", "Jet"],
        ["muonp4", "Muon"],
        ["electronp4", "Electron"],
        ["photonp4", "Photon"],
      ] as const
    ).flatMap(([o, h]) => [
      [`${o}.fP.fX`, `${h}_Px`],
      [`${o}.fP.fY`, `${h}_Py`],
      [`${o}.fP.fZ`, `${h}_Pz`],
      [`${o}.fE`, `${h}_E`],
    ]),
  ),
};

const asNumbers = (c: Column): { offsets: number[] | null; values: number[] } => {
  if (c.kind === "string") throw new Error("unexpected string column");
  const values = Array.from((c.kind === "jagged" ? c.values : c.values) as ArrayLike<number>, Number);
  return { offsets: c.kind === "jagged" ? Array.from(c.offsets) : null, values };
};

describe("unsplit objects (member-wise from the streamer info)", () => {
  it("lists each numeric member of TVector2, TVector3 and std::vector<TLorentzVector> as a column, and refuses the whole object with their names", async () => {
    const f = await openRoot(path.join(ROOT_FIXTURES, "uproot-HZZ-objects.root"));
    try {
      const t = await f.tree("events");
      const byName = new Map(t.branches.map((b) => [b.name, b]));
      expect(byName.get("MET")).toMatchObject({ typeName: "TVector2", supported: false, unsupportedReason: "an unsplit TVector2; read its members MET.fX, MET.fY" });
      expect(byName.get("MET.fX")).toMatchObject({ typeName: "double", kind: "flat", elementType: "float64", supported: true, entries: 2421 });
      expect(byName.get("jetp4.fP.fZ")).toMatchObject({ typeName: "double[]", kind: "jagged", elementType: "float64", jaggedDepth: 1, supported: true });
      expect([...byName.keys()].filter((n) => n.startsWith("jetp4"))).toEqual(["jetp4", "jetp4.fP.fX", "jetp4.fP.fY", "jetp4.fP.fZ", "jetp4.fE"]);
      await expect(t.read(["jetp4"])).rejects.toThrow(
        'unsupported type std::vector<TLorentzVector> for branch "jetp4" in tree "events" of uproot-HZZ-objects.root: an unsplit vector<TLorentzVector>; read its members jetp4.fP.fX, jetp4.fP.fY, jetp4.fP.fZ, jetp4.fE',
      );
      // uproot's path spelling is accepted too.
      expect(asNumbers((await t.read(["jetp4/jetp4.fE"], 0, 5)).columns["jetp4/jetp4.fE"]!)).toEqual(asNumbers((await t.read(["jetp4.fE"], 0, 5)).columns["jetp4.fE"]!));
    } finally {
      await f.close();
    }
  });

  it("decodes every member exactly as HZZ.root's own branches hold the same events, in one read and in steps", async () => {
    const objects = await openRoot(path.join(ROOT_FIXTURES, "uproot-HZZ-objects.root"));
    const flat = await openRoot(path.join(ROOT_FIXTURES, "uproot-HZZ.root"));
    try {
      const o = await objects.tree("events");
      const h = await flat.tree("events");
      const names = Object.keys(SAME);
      expect(names.length).toBe(2 + 6 * 3 + 4 * 4);
      const got = await o.read(names);
      const want = await h.read(names.map((n) => SAME[n]!));
      for (const n of names) expect(asNumbers(got.columns[n]!), n).toEqual(asNumbers(want.columns[SAME[n]!]!));
      // The values are not all zero (the MC_* ones are, in both files).
      expect(asNumbers(got.columns["jetp4.fE"]!).values.length).toBe(2773);
      // Steps that cut baskets: the same values.
      const parts: number[] = [];
      for await (const b of o.iterate({ branches: ["muonp4.fP.fX", "MET.fY"], stepEntries: 333 })) parts.push(...asNumbers(b.columns["muonp4.fP.fX"]!).values);
      expect(parts).toEqual(asNumbers(want.columns.Muon_Px!).values);
    } finally {
      await objects.close();
      await flat.close();
    }
  });

  it("names the member it cannot decode", () => {
    const infos = new Map([
      ["Hit", { className: "Hit", classVersion: 1, elements: [{ kind: "TStreamerBasicType", name: "e", title: "", type: 8, arrayLength: 0, typeName: "double" }, { kind: "TStreamerSTL", name: "ids", title: "", type: 300, arrayLength: 0, typeName: "vector<int>" }] }],
    ]);
    expect(() => planObjects("vector<Hit>", infos)).toThrow("member ids (vector<int>, TStreamerSTL type 300) is not decoded");
    expect(() => planObjects("Track", infos)).toThrow("the file has no streamer for class Track");
  });

  it("reads the file's streamer info: classes, versions and members in order", async () => {
    const f = await openRoot(path.join(ROOT_FIXTURES, "uproot-HZZ-objects.root"));
    try {
      const infos = await readStreamerInfos(f.source, f.header.seekInfo);
      const tlv = infos.get("TLorentzVector")!;
      expect(tlv.classVersion).toBe(4);
      expect(tlv.elements.map((e) => [e.kind, e.name, e.type, e.typeName])).toEqual([
        ["TStreamerBase", "TObject", 66, "BASE"],
        ["TStreamerObject", "fP", 61, "TVector3"],
        ["TStreamerBasicType", "fE", 8, "double"],
      ]);
      expect(infos.get("TVector3;3")).toBe(infos.get("TVector3"));
    } finally {
      await f.close();
    }
  });
});
