import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outputPaths, runPipeline } from "../../src/pipeline/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { readSalt, tempDir, writeConfig } from "./helpers.js";

const DY = path.join(FIXTURES_DIR, "root", "uproot-small-dy-withoffsets.root");

let dir: string;
beforeEach(() => {
  dir = tempDir("pipeline-servicex");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("runPipeline with a sample delivered through ServiceX", () => {
  it("fetches the ServiceX sample first (local backend, server-side cut) and converts it like the same file given directly", async () => {
    writeFileSync(path.join(dir, "dy_copy.root"), readFileSync(DY));
    const file = writeConfig(dir, {
      tree: "tree",
      samples: [
        { name: "delivered", label: 0, servicex: { dataset: { fileList: ["dy_*.root"] }, endpoint: "local" } },
        { name: "direct", label: 1, files: [DY] },
      ],
      cuts: ["nMuon >= 2"],
      objects: {
        event: { global: true, fields: { met: "MET_pt" } },
        muon: { max: 2, sort: "Muon_pt", fields: { pt: "Muon_pt", q: "Muon_charge" } },
      },
      split: { by: ["event"], fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: "out", name: "dy" },
    });
    const report = await runPipeline(file, {
      workers: 0,
      servicex: { cwd: dir, cacheDir: path.join(dir, "cache"), pollIntervalMs: 5, progress: false },
    });

    const [delivered, direct] = report.samples;
    // ServiceX applied the cut on its side: every delivered event passes, and they are exactly
    // the events of the file given directly that pass the same cut.
    expect(delivered!.eventsPassed).toBe(delivered!.eventsRead);
    expect(direct!.eventsRead).toBe(501);
    expect(direct!.eventsPassed).toBeGreaterThan(0);
    expect(delivered!.eventsPassed).toBe(direct!.eventsPassed);
    for (const split of ["train", "val", "test"]) expect(delivered!.splits[split]).toBe(direct!.splits[split]);

    const paths = outputPaths(await loadRunConfig(file));
    const dump = readSalt([paths.train!, paths.val!, paths.test!]);
    let class0 = 0;
    let class1 = 0;
    for (const f of Object.values(dump.files)) {
      for (const label of f.datasets.event!.fields.flavour_label!.values) {
        if (label === 0) class0++;
        else if (label === 1) class1++;
      }
    }
    expect(class0).toBe(delivered!.eventsPassed);
    expect(class1).toBe(direct!.eventsPassed);
    expect(existsSync(path.join(dir, "cache"))).toBe(true);
  });
});
