import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PipelineReport } from "../../src/pipeline/index.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { cli } from "./helpers.js";

const dir = tempDir("cli-run");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sxflow run (CLI)", () => {
  it("prints the cut flow with each cut's text", async () => {
    const cuts = ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 3", "num(el_pt_NOSYS) > 1"];
    const file = writeConfig(dir, {
      tree: "reco",
      samples: [{ name: "ttbar", label: 0, files: [path.join(FIXTURES_DIR, "topcp", "ttbar.parquet")] }],
      cuts,
      objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 4, fields: { pt: "jet_pt_NOSYS" } } },
      split: { fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: path.join(dir, "out"), name: "flow", compression: "none" },
      report: { html: false },
    });
    const r = await cli(["run", file, "--workers", "0"]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, "out", "flow_report.json"), "utf8")) as PipelineReport;
    const [a, b] = report.samples[0]!.cutflow.map((c) => c.cumulative.toLocaleString("en-US"));
    // 4,087 of the 5,000 bundled ttbar events have four jets above 26 GeV (the README's cut flow).
    expect(a).toBe("4,087");
    expect(r.out).toContain(`  ttbar (class 0 "ttbar"): 5,000 events read\n    ${a}  ${cuts[0]}\n    ${b!.padStart(5)}  ${cuts[1]}\n`);
  });

  it("names the configuration path it tried when the file is missing", async () => {
    const r = await cli(["run", path.join("no", "such", "run.yaml")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read the configuration file ${path.resolve("no/such/run.yaml")}: no such file`);
  });
});
