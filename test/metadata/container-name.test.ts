import { describe, expect, it } from "vitest";
import { MetadataError, loadSampleMetadata, parseContainerName, type ContainerName } from "../../src/metadata/index.js";
import { REAL_METADATA } from "./oracle.js";

function mc(name: string) {
  const parsed = parseContainerName(name);
  if (parsed.kind !== "mc") throw new Error(`${name} parsed as ${parsed.kind}`);
  return parsed;
}

function data(name: string) {
  const parsed = parseContainerName(name);
  if (parsed.kind !== "data") throw new Error(`${name} parsed as ${parsed.kind}`);
  return parsed;
}

const TTBAR_MC20D = "mc20_13TeV.410470.PhPy8EG_A14_ttbar_hdamp258p75_nonallhad.deriv.DAOD_PHYSLITE.e6337_s3681_r13144_r13146_p6697";
const WJETS_MC23A = "mc23_13p6TeV.700783.Sh_2214_Wtaunu_maxHTpTV2_BFilter.deriv.DAOD_PHYSLITE.e8514_s4162_r15540_p6697";

describe("parseContainerName on every container of the real file", async () => {
  const meta = await loadSampleMetadata(REAL_METADATA);
  const names = Object.values(meta.categories).flatMap((c) => Object.keys(c));
  const parsed = names.map((n) => parseContainerName(n));

  it("parses all 446 names: 439 MC, 7 data", () => {
    expect(parsed).toHaveLength(446);
    expect(parsed.filter((p) => p.kind === "mc")).toHaveLength(439);
    expect(parsed.filter((p) => p.kind === "data")).toHaveLength(7);
  });

  it("counts containers per campaign", () => {
    // Counted with /usr/bin/python3 (json+gzip, r-tag table of NOTES.md, first "_r<n>_" of each name).
    const counts: Record<string, number> = {};
    for (const p of parsed) {
      const key = p.kind === "mc" ? String(p.campaign) : p.yearTag;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    expect(counts).toEqual({
      mc20a: 78, mc20d: 78, mc20e: 78, mc23a: 71, mc23d: 71, mc23e: 63,
      data15: 1, data16: 1, data17: 1, data18: 1, data22: 1, data23: 1, data24: 1,
    });
  });

  it("reads year, period, stream, grp and p tags of every data container", () => {
    const dataNames = parsed.filter((p): p is Extract<ContainerName, { kind: "data" }> => p.kind === "data");
    expect(dataNames.map((d) => [d.yearTag, d.year, d.energy, d.grpTag, d.pTag, d.matchingCampaign])).toEqual([
      ["data15", 2015, "13TeV", "grp15_v01", "p6697", "mc20a"],
      ["data16", 2016, "13TeV", "grp16_v01", "p6697", "mc20a"],
      ["data17", 2017, "13TeV", "grp17_v01", "p6697", "mc20d"],
      ["data18", 2018, "13TeV", "grp18_v01", "p6697", "mc20e"],
      ["data22", 2022, "13p6TeV", "grp22_v02", "p6700", "mc23a"],
      ["data23", 2023, "13p6TeV", "grp23_v01", "p6700", "mc23d"],
      ["data24", 2024, "13p6TeV", "grp24_v01", "p6700", "mc23e"],
    ]);
    for (const d of dataNames) {
      expect(d).toMatchObject({ period: "periodAllYear", runNumber: null, stream: "physics_Main", prodStep: "PhysCont", dataType: "DAOD_PHYSLITE" });
      expect(d.scope).toBe(d.project);
    }
  });
});

describe("parseContainerName fields", () => {
  it("MC container with a merge r-tag", () => {
    expect(mc(TTBAR_MC20D)).toEqual({
      kind: "mc",
      name: TTBAR_MC20D,
      scope: null,
      project: "mc20_13TeV",
      energy: "13TeV",
      dsid: "410470",
      physicsShort: "PhPy8EG_A14_ttbar_hdamp258p75_nonallhad",
      prodStep: "deriv",
      dataType: "DAOD_PHYSLITE",
      tags: ["e6337", "s3681", "r13144", "r13146", "p6697"],
      rTags: ["r13144", "r13146"],
      pTag: "p6697",
      campaign: "mc20d",
      campaignRTag: "r13144",
      campaignProblem: null,
    });
  });

  it("run-3 MC, fast simulation, scope and trailing slash", () => {
    expect(mc(WJETS_MC23A)).toMatchObject({ energy: "13p6TeV", dsid: "700783", campaign: "mc23a", campaignRTag: "r15540" });
    const fast = mc("mc20_13TeV:mc20_13TeV.561444.aMCPy8EG_NNPDF30NLO_ttbar_Hplus_cb_mhc20.deriv.DAOD_PHYSLITE.e8579_a907_r14861_p6697/");
    expect(fast).toMatchObject({ scope: "mc20_13TeV", dsid: "561444", campaign: "mc20e", tags: ["e8579", "a907", "r14861", "p6697"] });
  });

  it("single-run data container", () => {
    expect(data("data18_13TeV.00348885.physics_Main.deriv.DAOD_PHYSLITE.r13286_p4910")).toMatchObject({
      yearTag: "data18",
      period: null,
      runNumber: 348885,
      grpTag: null,
      pTag: "p4910",
      matchingCampaign: "mc20e",
    });
  });

  it("a data year outside the table keeps its year but gets no matching campaign", () => {
    expect(data("data25_13p6TeV.periodAllYear.physics_Main.PhysCont.DAOD_PHYSLITE.grp25_v01_p6800")).toMatchObject({
      yearTag: "data25",
      year: 2025,
      matchingCampaign: null,
    });
  });
});

describe("unknown r-tags are reported, never guessed", () => {
  it("an r-tag outside the table", () => {
    const p = mc(WJETS_MC23A.replace("r15540", "r99999"));
    expect(p.campaign).toBeNull();
    expect(p.campaignRTag).toBeNull();
    expect(p.rTags).toEqual(["r99999"]);
    expect(p.campaignProblem).toBe("unknown campaign: r-tag r99999 is not in the campaign table");
  });

  it("a merge tag alone (r13146) is not a campaign", () => {
    expect(mc(TTBAR_MC20D.replace("_r13144", "")).campaignProblem).toBe(
      "unknown campaign: r-tag r13146 is not in the campaign table",
    );
  });

  it("an mc16 container", () => {
    const p = mc("mc16_13TeV.410470.PhPy8EG_A14_ttbar_hdamp258p75_nonallhad.deriv.DAOD_PHYS.e6337_s3126_r10724_p4512");
    expect(p.campaign).toBeNull();
    expect(p.campaignProblem).toContain("r10724");
  });

  it("r-tags of two campaigns", () => {
    const p = mc(TTBAR_MC20D.replace("r13146", "r13167"));
    expect(p.campaign).toBeNull();
    expect(p.campaignProblem).toBe("unknown campaign: r-tags r13144, r13167 belong to different campaigns (mc20d, mc20a)");
  });

  it("an r-tag of the other run's campaigns", () => {
    const p = mc(WJETS_MC23A.replace("r15540", "r13167"));
    expect(p.campaign).toBeNull();
    expect(p.campaignProblem).toBe("unknown campaign: r-tag r13167 belongs to mc20a but the project is mc23_13p6TeV");
  });

  it("no r-tag at all", () => {
    expect(mc("mc20_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_s3681_p6697").campaignProblem).toBe(
      "unknown campaign: the name has no r-tag",
    );
  });
});

describe("malformed names throw a MetadataError naming the container", () => {
  const cases: [string, string][] = [
    ["mc20_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE", "expected 6 dot-separated fields"],
    ["mc20_13TeV.41047.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_s3681_r13144_p6697", 'DSID "41047" is not six digits'],
    ["foo_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_s3681_r13144_p6697", 'project "foo_13TeV" is neither'],
    ["mc20_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_s3681_x_p6697", 'tag "x" in "e6337_s3681_x_p6697"'],
    ["data15_13TeV.run1.physics_Main.PhysCont.DAOD_PHYSLITE.grp15_v01_p6697", '"run1" is neither a period'],
    ["a:b:mc20_13TeV.410470.PhPy8EG.deriv.DAOD_PHYSLITE.e6337_p6697", 'more than one ":"'],
    ["mc20_13TeV.410470..deriv.DAOD_PHYSLITE.e6337_p6697", "field 3 is empty"],
  ];
  it.each(cases)("%s", (name, why) => {
    expect(() => parseContainerName(name)).toThrow(MetadataError);
    expect(() => parseContainerName(name)).toThrow(`malformed container name "${name}": ${why}`);
  });
});
