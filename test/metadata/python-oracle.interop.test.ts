// interop: python
import { describe, expect, it } from "vitest";
import { loadSampleMetadata, ntupleDatasets, ntupleFiles, parseContainerName } from "../../src/metadata/index.js";
import { FIXTURE_METADATA, REAL_METADATA, pythonOracle } from "./oracle.js";

describe("the metadata readers against the notebook's algorithm run by Python", async () => {
  const real = await loadSampleMetadata(REAL_METADATA);

  it("finds the campaign of every MC container of the real file", () => {
    const oracle = pythonOracle(REAL_METADATA).campaigns;
    const parsed = Object.values(real.categories).flatMap((c) => Object.keys(c)).map((n) => parseContainerName(n));
    const ours = Object.fromEntries(parsed.map((p) => [p.name, p.kind === "mc" ? p.campaign : p.yearTag]));
    expect(ours).toEqual(oracle);
    expect(Object.values(oracle).every((c) => c !== null)).toBe(true);
  });

  it("agrees on all 364 datasets of the real file and their files", () => {
    const oracle = pythonOracle(REAL_METADATA);
    const all = Object.keys(real.categories);
    expect(ntupleDatasets(real, all)).toEqual(oracle.datasets);
    expect(Object.keys(oracle.datasets)).toHaveLength(364);
    expect(ntupleFiles(real, all)).toEqual(oracle.files);
  });

  it("agrees on the datasets of the fixture", async () => {
    const meta = await loadSampleMetadata(FIXTURE_METADATA);
    expect(ntupleDatasets(meta, Object.keys(meta.categories))).toEqual(pythonOracle(FIXTURE_METADATA).datasets);
  });
});
