import { describe, expect, it } from "vitest";
import { categoryStats, loadSampleMetadata, roundToHundredths, samplesWithNtuples } from "../../src/metadata/index.js";
import { FIXTURE_METADATA, REAL_METADATA } from "./oracle.js";

// Expected values in this file were computed with /usr/bin/python3 on the same files, with the
// notebook's check_for_ntuples logic written out by hand (json+gzip, sum of size_output_GB over
// containers whose output is not None, in file order, then round(total, 2)), not with sxflow.

describe("samplesWithNtuples", () => {
  it("matches the notebook's per-category totals on the real file", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    expect(samplesWithNtuples(meta)).toEqual({
      Wt: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 208.24 },
      Wt_DS: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 165.76 },
      Wt_H7: { samples: 12, samplesWithNtuples: 6, totalOutputGB: 82.79 },
      data: { samples: 7, samplesWithNtuples: 7, totalOutputGB: 6.68 },
      diboson: { samples: 108, samplesWithNtuples: 108, totalOutputGB: 915.4 },
      rare_top: { samples: 18, samplesWithNtuples: 6, totalOutputGB: 96.63 },
      st_schan: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 30.69 },
      st_tchan: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 121.12 },
      ttV: { samples: 48, samplesWithNtuples: 48, totalOutputGB: 1004.4 },
      ttbar_H7: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 4553.81 },
      ttbar_hdamp: { samples: 12, samplesWithNtuples: 12, totalOutputGB: 4452.75 },
      ttbar_nom: { samples: 9, samplesWithNtuples: 9, totalOutputGB: 5037.16 },
      wjets: { samples: 54, samplesWithNtuples: 54, totalOutputGB: 1639.53 },
      zjets: { samples: 54, samplesWithNtuples: 54, totalOutputGB: 2939.38 },
    });
  });

  it("leaves out categories without ntuples on the fixture", async () => {
    const meta = await loadSampleMetadata(FIXTURE_METADATA);
    expect(samplesWithNtuples(meta)).toEqual({
      Wt_H7: { samples: 2, samplesWithNtuples: 1, totalOutputGB: 10.34 },
      data: { samples: 1, samplesWithNtuples: 1, totalOutputGB: 0.59 },
      ttbar_nom: { samples: 2, samplesWithNtuples: 2, totalOutputGB: 303.13 },
      wjets: { samples: 6, samplesWithNtuples: 6, totalOutputGB: 47.22 },
    });
  });
});

describe("roundToHundredths rounds as Python's round(x, 2)", () => {
  // Python: [round(x, 2) for x in (...)] -> the right-hand sides.
  it.each([
    [1.125, 1.12],
    [1.375, 1.38],
    [0.125, 0.12],
    [0.875, 0.88],
    [10.875, 10.88],
    [2.675, 2.67],
    [1.005, 1.0],
    [0.615, 0.61],
    [0.005, 0.01],
    [0.015, 0.01],
    [5037.156999999999, 5037.16],
    [1639.5349169999997, 1639.53],
  ])("%s", (x, expected) => {
    expect(roundToHundredths(x)).toBe(expected);
  });
});

describe("categoryStats", () => {
  it("counts containers, ntuples, files and input events of ttbar_nom and wjets", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    const [ttbar, wjets] = categoryStats(meta, { categories: ["ttbar_nom", "wjets"] });
    expect(ttbar).toMatchObject({ category: "ttbar_nom", containers: 9, withNtuples: 9, outputFiles: 1431, inputEvents: 1564138000, unknownCampaign: 0 });
    expect(ttbar!.outputGB).toBeCloseTo(5037.157, 6);
    expect(wjets).toMatchObject({ category: "wjets", containers: 54, withNtuples: 54, outputFiles: 1204, inputEvents: 6851170450 });
    expect(wjets!.outputGB).toBeCloseTo(1639.534917, 6);
  });

  it("lists every category, in file order, by default", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    const rows = categoryStats(meta);
    expect(rows.map((r) => r.category)).toEqual(Object.keys(meta.categories));
    expect(rows.reduce((n, r) => n + r.containers, 0)).toBe(446);
    expect(rows.reduce((n, r) => n + r.withNtuples, 0)).toBe(364);
    expect(rows.reduce((n, r) => n + r.outputFiles, 0)).toBe(9287);
  });

  it("filters by campaign; a campaign also selects the data years it simulates", async () => {
    const meta = await loadSampleMetadata(REAL_METADATA);
    // Python: mc20a containers by r-tag; data15 + data16 for the data category.
    const [ttbar, wjets, data] = categoryStats(meta, { categories: ["ttbar_nom", "wjets", "data"], campaigns: ["mc20a"] });
    expect(ttbar).toMatchObject({ containers: 1, withNtuples: 1, outputFiles: 109, inputEvents: 118733000 });
    expect(wjets).toMatchObject({ containers: 9, withNtuples: 9, outputFiles: 152, inputEvents: 790512000 });
    expect(data).toMatchObject({ containers: 2, withNtuples: 2, outputFiles: 360, inputEvents: 7078004211 });
    const [data17] = categoryStats(meta, { categories: ["data"], campaigns: ["data17"] });
    expect(data17).toMatchObject({ containers: 1, outputFiles: 230 });
  });

  it("filters by DSID and counts containers of unknown campaign apart", async () => {
    const meta = await loadSampleMetadata(FIXTURE_METADATA);
    const [wjets] = categoryStats(meta, { categories: ["wjets"], dsids: [700344] });
    expect(wjets).toMatchObject({ containers: 3, withNtuples: 3, outputFiles: 22 });
    const doc = structuredClone(meta);
    const wj = doc.categories.wjets!;
    const odd = Object.keys(wj)[0]!;
    wj[odd.replace("r13144", "r99999")] = wj[odd]!;
    const [withOdd] = categoryStats(doc, { categories: ["wjets"], campaigns: ["mc20a", "mc20d", "mc20e"] });
    expect(withOdd).toMatchObject({ containers: 3, unknownCampaign: 1 });
  });

  it("rejects unknown categories and filter values", async () => {
    const meta = await loadSampleMetadata(FIXTURE_METADATA);
    expect(() => categoryStats(meta, { categories: ["ttbar"] })).toThrow(
      `unknown category "ttbar" in ${FIXTURE_METADATA}; its categories are: Hplus_cb, Wt_H7, Wt_pthard, data, ttbar_nom, wjets`,
    );
    expect(() => categoryStats(meta, { campaigns: ["mc21a"] })).toThrow('unknown campaign "mc21a" in the campaign filter');
    expect(() => categoryStats(meta, { dsids: ["41047"] })).toThrow('DSID "41047" in the DSID filter is not a six-digit number');
  });
});
