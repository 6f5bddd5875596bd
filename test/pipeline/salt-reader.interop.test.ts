// interop: h5py
import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { readSaltH5py, tempDir } from "./helpers.js";
import { readSaltH5wasm } from "./salt-reader.js";

const dir = tempDir("salt-reader");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The first tier reads every pipeline output through h5wasm; SALT reads them through h5py. Both
// must see the same dtypes, values, attributes and chunks in every example's outputs (float16,
// bool enum, 64-bit integers, NaN padding, gzip), and numpy's statistics must match ours.
describe("h5wasm reads sxflow's SALT outputs exactly as h5py does", () => {
  it.each(["ic-ttbar-wjets", "ttbar-wjets-1lep", "hzz-root"])("examples/%s.yaml", async (example) => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", `${example}.yaml`));
    config.output.dir = path.join(dir, example);
    await runPipeline(config, { workers: 0 });
    const files = ["train", "val", "test"].map((s) => path.join(config.output.dir, `${config.output.name}_${s}.h5`));
    const fromH5py = readSaltH5py(files, files[0]);
    const fromH5wasm = await readSaltH5wasm(files, files[0]);
    expect(fromH5wasm.files).toEqual(fromH5py.files);
    expect(Object.keys(fromH5wasm.norm!)).toEqual(Object.keys(fromH5py.norm!));
    for (const [g, fields] of Object.entries(fromH5py.norm!)) {
      for (const [f, want] of Object.entries(fields)) {
        const got = fromH5wasm.norm![g]![f]!;
        expect(got.count).toBe(want.count);
        // numpy sums pairwise, the h5wasm reader in order: equal to the last few bits.
        expect(Math.abs(got.mean - want.mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.mean)));
        expect(Math.abs(got.std - want.std)).toBeLessThanOrEqual(1e-12 * Math.max(1, want.std));
      }
    }
  });
});
