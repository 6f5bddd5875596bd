import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/pipeline/index.js";
import { tempDir, topcpConfigs } from "../pipeline/helpers.js";

const dir = tempDir("own-decoder-pipeline");
const configs = topcpConfigs(dir, {
  objects: {
    event: { global: true, fields: { met: "met_met_NOSYS", n: "eventNumber", run: "runNumber", ejets: "pass_ejets_NOSYS" } },
    jet: { max: 6, sort: "jet_pt_NOSYS", fields: { pt: "jet_pt_NOSYS", eta: "jet_eta", btag: { expr: "jet_GN2v01_FixedCutBEff_77_select", type: "bool" } } },
    el: { max: 2, fields: { pt: "el_pt_NOSYS", charge: "el_charge" } },
  },
  cuts: ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 1"],
});

/** The HDF5 and YAML outputs of a run, by name. */
function outputs(out: string): Map<string, Buffer> {
  const files = readdirSync(out).filter((f) => f.endsWith(".h5") || f.endsWith(".yaml"));
  return new Map(files.map((f) => [f, readFileSync(path.join(out, f))]));
}

afterEach(() => {
  delete process.env.SXFLOW_PARQUET_DECODER;
});

describe("sxflow run with the own Parquet decoder", () => {
  it("writes the bytes it wrote when parquet-wasm decoded everything, with 0, 1 and 2 workers", async () => {
    // One configuration file for every run: the outputs store it.
    const run = configs();
    // In this thread (no workers), so that the setting surely applies.
    process.env.SXFLOW_PARQUET_DECODER = "parquet-wasm";
    await runPipeline(run.file, { workers: 0, notice: () => undefined });
    delete process.env.SXFLOW_PARQUET_DECODER;
    const reference = outputs(run.out);
    expect(reference.size).toBeGreaterThanOrEqual(4);
    for (const workers of [0, 1, 2]) {
      await runPipeline(run.file, { workers, notice: () => undefined });
      const got = outputs(run.out);
      expect([...got.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [name, bytes] of reference) expect(got.get(name)!.equals(bytes), `${name} with ${workers} workers`).toBe(true);
    }
  }, 240_000);
});
