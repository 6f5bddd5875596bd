import { describe, expect, it } from "vitest";
import {
  LUMINOSITY_PB,
  MC_CAMPAIGNS,
  MetadataError,
  categorySampleRefSchema,
  loadSampleMetadata,
  luminosityPb,
  ntupleDatasets,
  ntupleFiles,
  ntupleSamples,
  resolveCategorySamples,
  rucioScope,
  type CategorySampleRef,
  type SampleMetadata,
} from "../../src/metadata/index.js";
import { FIXTURE_METADATA, REAL_METADATA } from "./oracle.js";

// Literal expected dataset names were printed by /usr/bin/python3 with the notebook's
// build_ntuple_list written out by hand (json+gzip; "user.alheld:" + output[:-1]); the oracle
// in ./oracle.ts runs that same independent algorithm over the whole file in the second test tier
// (python-oracle.interop.test.ts).

const TTBAR_NOM_REAL = {
  ttbar_nom_410470_mc20d: "user.alheld:user.alheld.410470.PhPy8EG.DAOD_PHYSLITE.e6337_s3681_r13144_r13146_p6697.IC-v1_output",
  ttbar_nom_410470_mc20e: "user.alheld:user.alheld.410470.PhPy8EG.DAOD_PHYSLITE.e6337_s3681_r13145_r13146_p6697.IC-v1_output",
  ttbar_nom_410470_mc20a: "user.alheld:user.alheld.410470.PhPy8EG.DAOD_PHYSLITE.e6337_s3681_r13167_r13146_p6697.IC-v1_output",
  ttbar_nom_601229_mc23d: "user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4159_r15530_p6697.IC-v1_output",
  ttbar_nom_601229_mc23a: "user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
  ttbar_nom_601229_mc23e: "user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4369_r16083_p6697.IC-v1_output",
  ttbar_nom_601230_mc23d: "user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4159_r15530_p6697.IC-v1_output",
  ttbar_nom_601230_mc23a: "user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
  ttbar_nom_601230_mc23e: "user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4369_r16083_p6697.IC-v1_output",
};

const WJETS_FIXTURE = {
  wjets_700344_mc20d: "user.alheld:user.alheld.700344.Sh.DAOD_PHYSLITE.e8351_s3681_r13144_r13146_p6697.IC-v1_output",
  wjets_700344_mc20e: "user.alheld:user.alheld.700344.Sh.DAOD_PHYSLITE.e8351_s3681_r13145_r13146_p6697.IC-v1_output",
  wjets_700344_mc20a: "user.alheld:user.alheld.700344.Sh.DAOD_PHYSLITE.e8351_s3681_r13167_r13146_p6697.IC-v1_output",
  wjets_700783_mc23d: "user.alheld:user.alheld.700783.Sh.DAOD_PHYSLITE.e8514_s4159_r15224_p6697.IC-v1_output",
  wjets_700783_mc23a: "user.alheld:user.alheld.700783.Sh.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
  wjets_700783_mc23e: "user.alheld:user.alheld.700783.Sh.DAOD_PHYSLITE.e8514_s4369_r16083_p6697.IC-v1_output",
};

const SINGLELEP_MC23A = "mc23_13p6TeV.601229.PhPy8EG_A14_ttbar_hdamp258p75_SingleLep.deriv.DAOD_PHYSLITE.e8514_s4162_r15540_p6697";

function thrown(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(MetadataError);
    return (err as Error).message;
  }
  throw new Error("expected a MetadataError");
}

/** The fixture plus one more container: `name`, a copy of the entry `from` of the same category. */
function withExtra(meta: SampleMetadata, category: string, from: string, name: string): SampleMetadata {
  const copy = structuredClone(meta);
  copy.categories[category]![name] = structuredClone(copy.categories[category]![from]!);
  return copy;
}

describe("ntupleDatasets on the real file", async () => {
  const meta = await loadSampleMetadata(REAL_METADATA);

  it("names the ttbar_nom datasets", () => {
    expect(ntupleDatasets(meta, "ttbar_nom")).toEqual(TTBAR_NOM_REAL);
    expect(Object.keys(ntupleDatasets(meta, "ttbar_nom"))).toEqual(Object.keys(TTBAR_NOM_REAL));
  });

  it("names the 54 wjets datasets", () => {
    const wjets = ntupleDatasets(meta, ["wjets"]);
    expect(Object.keys(wjets)).toHaveLength(54);
    expect(wjets.wjets_700338_mc20d).toBe("user.alheld:user.alheld.700338.Sh.DAOD_PHYSLITE.e8351_s3681_r13144_r13146_p6697.IC-v1_output");
    expect(wjets.wjets_700785_mc23e).toBe("user.alheld:user.alheld.700785.Sh.DAOD_PHYSLITE.e8514_s4369_r16083_p6697.IC-v1_output");
  });

  it("names data datasets as the notebook does and selects data years by campaign", () => {
    expect(Object.keys(ntupleDatasets(meta, "data"))).toEqual([
      "data_data_data15", "data_data_data16", "data_data_data17", "data_data_data18",
      "data_data_data22", "data_data_data23", "data_data_data24",
    ]);
    expect(Object.keys(ntupleDatasets(meta, ["ttbar_nom", "data"], { campaigns: ["mc20a"] }))).toEqual([
      "ttbar_nom_410470_mc20a", "data_data_data15", "data_data_data16",
    ]);
  });

  it("gives per-sample details", () => {
    const [s] = ntupleSamples(meta, "ttbar_nom", { campaigns: ["mc20d"] });
    expect(s).toMatchObject({
      key: "ttbar_nom_410470_mc20d",
      category: "ttbar_nom",
      period: "mc20d",
      dsid: "410470",
      sizeOutputGB: 552.805,
      inputEvents: 149677000,
    });
    expect(s!.files).toHaveLength(134);
    expect(s!.fileSizesGB).toHaveLength(134);
    expect(s!.name.kind).toBe("mc");
  });
});

describe("ntupleDatasets on the fixture", async () => {
  const meta = await loadSampleMetadata(FIXTURE_METADATA);

  it("names ttbar_nom, wjets and data", () => {
    expect(ntupleDatasets(meta, "ttbar_nom")).toEqual({
      ttbar_nom_601229_mc23a: "user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
      ttbar_nom_601230_mc23a: "user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
    });
    expect(ntupleDatasets(meta, "wjets")).toEqual(WJETS_FIXTURE);
    expect(ntupleDatasets(meta, "data")).toEqual({
      data_data_data23: "user.alheld:user.alheld.periodAllYear.physics_Main.DAOD_PHYSLITE.grp23_v01_p6700.IC-v1_output",
    });
    expect(ntupleDatasets(meta, ["Hplus_cb", "Wt_pthard"])).toEqual({});
  });

  it("returns the ntuple file URLs", () => {
    // Python: first and last of files_output of the mc23a SingleLep container (47 files).
    const files = ntupleFiles(meta, "ttbar_nom", { dsids: ["601229"] }).ttbar_nom_601229_mc23a!;
    expect(files).toHaveLength(47);
    expect(files[0]).toBe("root://192.170.240.194:1094//root://fax.mwt2.org:1094//pnfs/uchicago.edu/atlaslocalgroupdisk/rucio/user/alheld/28/01/user.alheld.47043685._000001.output.root");
    expect(files[46]).toBe("root://192.170.240.192:1094//root://fax.mwt2.org:1094//pnfs/uchicago.edu/atlaslocalgroupdisk/rucio/user/alheld/b6/15/user.alheld.47043685._000047.output.root");
  });

  it("filters by campaign and DSID (numbers or strings)", () => {
    expect(Object.keys(ntupleDatasets(meta, "wjets", { campaigns: ["mc23a", "mc23e"] }))).toEqual(["wjets_700783_mc23a", "wjets_700783_mc23e"]);
    expect(Object.keys(ntupleDatasets(meta, "wjets", { dsids: [700344] }))).toEqual(["wjets_700344_mc20d", "wjets_700344_mc20e", "wjets_700344_mc20a"]);
    expect(ntupleDatasets(meta, "wjets", { dsids: ["700783"], campaigns: ["mc23d"] })).toEqual({ wjets_700783_mc23d: WJETS_FIXTURE.wjets_700783_mc23d });
    expect(ntupleDatasets(meta, ["data", "wjets"], { dsids: [700344], campaigns: ["mc20a"] })).toEqual({ wjets_700344_mc20a: WJETS_FIXTURE.wjets_700344_mc20a });
  });

  it("uses a configured scope instead of the owner's", () => {
    expect(ntupleDatasets(meta, "ttbar_nom", { scope: "user.someone" }).ttbar_nom_601229_mc23a).toBe(
      "user.someone:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
    );
  });

  it("rejects an unknown category and a DSID that matches nothing", () => {
    expect(thrown(() => ntupleDatasets(meta, ["wjets", "ttbar"]))).toContain('unknown category "ttbar"');
    expect(thrown(() => ntupleDatasets(meta, "wjets", { dsids: [700344, 999999] }))).toBe(
      `DSID 999999 of the DSID filter matches no container with ntuples in "wjets" (${FIXTURE_METADATA})`,
    );
  });
});

describe("duplicate keys never overwrite each other", async () => {
  const meta = await loadSampleMetadata(FIXTURE_METADATA);
  const reprocessed = SINGLELEP_MC23A.replace("p6697", "p6491");
  const dup = withExtra(meta, "ttbar_nom", SINGLELEP_MC23A, reprocessed);

  it("are refused by default, naming both containers", () => {
    const message = thrown(() => ntupleDatasets(dup, "ttbar_nom"));
    expect(message).toContain("duplicate dataset keys");
    expect(message).toContain(`"ttbar_nom_601229_mc23a" would name 2 containers: "${SINGLELEP_MC23A}" (category "ttbar_nom"), "${reprocessed}" (category "ttbar_nom")`);
  });

  it("get the tags that tell them apart with duplicates: suffix", () => {
    const datasets = ntupleDatasets(dup, "ttbar_nom", { duplicates: "suffix" });
    expect(Object.keys(datasets)).toEqual(["ttbar_nom_601229_mc23a_p6697", "ttbar_nom_601230_mc23a", "ttbar_nom_601229_mc23a_p6491"]);
  });

  it("are refused even with suffix when their tags are the same", () => {
    const sameTags = withExtra(meta, "ttbar_nom", SINGLELEP_MC23A, SINGLELEP_MC23A.replace("SingleLep", "SingleLepAlt"));
    expect(thrown(() => ntupleDatasets(sameTags, "ttbar_nom", { duplicates: "suffix" }))).toContain("that their tags cannot tell apart");
  });

  it("are not produced by the same DSID in different campaigns", () => {
    expect(Object.keys(ntupleDatasets(meta, "wjets"))).toHaveLength(6);
  });
});

describe("containers of unknown campaign", async () => {
  const meta = await loadSampleMetadata(FIXTURE_METADATA);
  const wjetsMc23a = "mc23_13p6TeV.700783.Sh_2214_Wtaunu_maxHTpTV2_BFilter.deriv.DAOD_PHYSLITE.e8514_s4162_r15540_p6697";
  const unknownName = wjetsMc23a.replace(".700783.", ".700999.").replace("r15540", "r99999");
  const odd = withExtra(meta, "wjets", wjetsMc23a, unknownName);

  it("are reported with their r-tag rather than given a guessed key", () => {
    const message = thrown(() => ntupleDatasets(odd, "wjets"));
    expect(message).toContain(`category "wjets", container "${unknownName}": unknown campaign: r-tag r99999 is not in the campaign table`);
    expect(thrown(() => ntupleDatasets(odd, "wjets", { campaigns: ["mc23a"] }))).toContain("r99999");
  });

  it("can be skipped explicitly or left out by DSID", () => {
    expect(ntupleDatasets(odd, "wjets", { unknownCampaigns: "skip" })).toEqual(WJETS_FIXTURE);
    expect(Object.keys(ntupleDatasets(odd, "wjets", { dsids: [700783] }))).toHaveLength(3);
  });
});

describe("resolveCategorySamples (run-config references)", async () => {
  const meta = await loadSampleMetadata(FIXTURE_METADATA);

  it("resolves a category with filters to datasets and files", () => {
    const samples = resolveCategorySamples(meta, { category: "wjets", campaigns: ["mc23a"] });
    expect(samples.map((s) => [s.key, s.dataset, s.files.length])).toEqual([
      ["wjets_700783_mc23a", WJETS_FIXTURE.wjets_700783_mc23a, 3],
    ]);
  });

  it("accepts what categorySampleRefSchema parses", () => {
    const ref: CategorySampleRef = categorySampleRefSchema.parse({ category: "ttbar_nom", dsids: ["601230", 601229] });
    expect(resolveCategorySamples(meta, ref).map((s) => s.key)).toEqual(["ttbar_nom_601229_mc23a", "ttbar_nom_601230_mc23a"]);
    const bad = categorySampleRefSchema.safeParse({ category: "ttbar_nom", campaigns: ["mc20a", "mc24a"], extra: 1 });
    expect(bad.success).toBe(false);
    const issues = bad.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues).toContain("campaigns.1: unknown campaign: expected one of mc20a, mc20d, mc20e, mc23a, mc23d, mc23e, data15, data16, data17, data18, data22, data23, data24");
    expect(issues.some((i) => i.includes("extra"))).toBe(true);
  });

  it("refuses references that resolve to nothing or to less than asked", () => {
    expect(thrown(() => resolveCategorySamples(meta, { category: "Hplus_cb" }))).toBe(
      `category "Hplus_cb" of ${FIXTURE_METADATA} has no container with ntuples`,
    );
    expect(thrown(() => resolveCategorySamples(meta, { category: "Wt_H7", campaigns: ["mc23a"] }))).toBe(
      `category "Wt_H7" of ${FIXTURE_METADATA} has no container with ntuples for campaigns mc23a`,
    );
    expect(thrown(() => resolveCategorySamples(meta, { category: "ttbar_nom", campaigns: ["mc23a", "mc23e"] }))).toBe(
      `campaign mc23e matches no container with ntuples in category "ttbar_nom" of ${FIXTURE_METADATA}`,
    );
    expect(thrown(() => resolveCategorySamples(meta, { category: "nope" }))).toContain('unknown category "nope"');
  });
});

describe("rucio scopes and luminosity", () => {
  it("derives the owner scope of a name", () => {
    expect(rucioScope("user.alheld.410470.PhPy8EG.DAOD_PHYSLITE.e6337_s3681_r13144_r13146_p6697.IC-v1_output")).toBe("user.alheld");
    expect(rucioScope("group.phys-top.410470.ntuple")).toBe("group.phys-top");
    expect(rucioScope("mc20_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_p6697")).toBe("mc20_13TeV");
  });

  it("gives the luminosity of NOTES.md per campaign and data year", () => {
    // NOTES.md, in pb^-1; mc20a written as the notebook's 3244.54 + 33402.2.
    expect(luminosityPb("mc20a")).toBe(3244.54 + 33402.2);
    expect(luminosityPb("mc20a")).toBeCloseTo(36646.74, 6);
    expect(MC_CAMPAIGNS.map((c) => luminosityPb(c))).toEqual([3244.54 + 33402.2, 44630.6, 58791.6, 26328.8, 25204.3, 109376.0]);
    expect(luminosityPb("data16")).toBe(33402.2);
    expect(LUMINOSITY_PB.data24).toBe(109376.0);
    expect(() => luminosityPb("mc16a")).toThrow('no integrated luminosity for "mc16a"');
  });
});
