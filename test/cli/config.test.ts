import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FIXTURES_DIR } from "../shared-data.js";
import { sxflowProcess } from "./helpers.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-cli-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sxflow config", () => {
  it("summarises a valid configuration over the Parquet fixtures", async () => {
    const file = path.join(dir, "run.yaml");
    writeFileSync(
      file,
      [
        "tree: reco",
        "samples:",
        `  - {name: ttbar, label: 0, files: ["${path.join(FIXTURES_DIR, "topcp")}/tt*.parquet"]}`,
        `  - {name: wjets, label: 1, files: ["${path.relative(dir, path.join(FIXTURES_DIR, "topcp"))}/w*.parquet"]}`,
        "  - {name: grid, label: 2, category: {name: ttbar_nom, nFiles: 2}}",
        `metadata: ${path.join(FIXTURES_DIR, "metadata", "file_metadata_subset.json")}`,
        "objects:",
        "  event: {global: true, fields: {met: met_met_NOSYS}}",
        "  jet: {max: 10, sort: jet_pt_NOSYS, fields: {pt: jet_pt_NOSYS, eta: jet_eta}}",
        "split: {rules: {train: [[eventNumber, '%10<=', 7]], val: [[eventNumber, '%10==', 8]], test: [[eventNumber, '%10==', 9]]}}",
        "output: {dir: out, name: tw}",
      ].join("\n"),
    );
    const r = await sxflowProcess("config", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ttbar: label 0 (ttbar), 1 parquet file(s)");
    expect(r.stdout).toContain("wjets: label 1 (wjets), 1 parquet file(s)");
    expect(r.stdout).toContain(
      'grid: label 2 (grid), 2 ServiceX dataset(s) of category "ttbar_nom", fetched when the run starts:\n' +
        "    user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output\n",
    );
    expect(r.stdout).toContain("jet (N, 10): pt, eta; sorted by jet_pt_NOSYS, padding zero");
    expect(r.stdout).toContain("split: rules on eventNumber");
    const j = await sxflowProcess("config", file, "--json");
    expect(JSON.parse(j.stdout).samples[1].files[0]).toEqual({ path: path.join(FIXTURES_DIR, "topcp", "wjets.parquet"), format: "parquet" });
  });

  it("prints every problem with its config path and exits 1", async () => {
    const file = path.join(dir, "bad.yaml");
    writeFileSync(file, "tree: reco\nsamples: []\nobjects: {}\nsplit: {fractions: {train: 0.5, val: 0.5, test: 0.5}}\noutput: {dir: o, name: n, compresion: gzip}\n");
    const r = await sxflowProcess("config", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("config.samples: at least one sample is needed");
    expect(r.stderr).toContain("config.split.fractions: fractions sum to 1.5, not 1");
    expect(r.stderr).toContain('config.output: unknown key "compresion"; did you mean "compression"?');
    expect((await sxflowProcess("config")).code).toBe(2);
  });
});
