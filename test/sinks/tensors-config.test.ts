import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import type { RunConfig } from "../../src/config/index.js";
import { openTensors, runPipeline } from "../../src/index.js";
import type { TensorBatch } from "../../src/index.js";
import { FIXTURES_DIR, REPO_ROOT } from "../shared-data.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";

const dir = tempDir("tensors-config");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// openTensors keeps a configuration's rows under os.tmpdir(): a private one for this file's process.
const tmp = path.join(dir, "tmp");
mkdirSync(tmp);
process.env.TMPDIR = tmp;
const ours = () => readdirSync(tmp).filter((f) => f.startsWith("sxflow-"));

async function all(it: AsyncIterable<TensorBatch>): Promise<TensorBatch[]> {
  const out: TensorBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Concatenated batches: per group its data and valid, and the labels. */
function joined(batches: TensorBatch[]) {
  const groups = Object.keys(batches[0]?.inputs ?? {});
  return {
    size: batches.reduce((n, b) => n + b.size, 0),
    labels: batches.flatMap((b) => [...b.labels]),
    inputs: Object.fromEntries(groups.map((g) => [g, {
      fields: batches[0]!.inputs[g]!.fields,
      shape: batches[0]!.inputs[g]!.shape.slice(1),
      data: batches.flatMap((b) => [...b.inputs[g]!.data]),
      valid: batches.flatMap((b) => [...(b.inputs[g]!.valid ?? [])]),
    }])),
  };
}


/**
 * For every split: openTensors over the configuration yields exactly the rows of the file
 * `sxflow run` writes, in order, normalised with the run's norm_dict.yaml.
 */
async function sameAsRun(config: RunConfig, name: string, batchSize: number): Promise<void> {
  const out = path.join(dir, name);
  await runPipeline({ ...config, output: { ...config.output, dir: out } }, { workers: 0 });
  for (const split of ["train", "val", "test"] as const) {
    const file = path.join(out, `${config.output.name}_${split}.h5`);
    const fromFile = joined(await all(openTensors(file, { batchSize, normDict: path.join(out, "norm_dict.yaml") })));
    const fromConfig = joined(await all(openTensors(config, { split, batchSize })));
    expect(fromFile.size).toBeGreaterThan(0);
    expect(fromConfig).toEqual(fromFile);
  }
  // The stored values with normalize: false, and nothing left behind in the temporary directory.
  const raw = joined(await all(openTensors(config, { split: "val", batchSize, normalize: false })));
  const stored = joined(await all(openTensors(path.join(out, `${config.output.name}_val.h5`), { batchSize })));
  expect(raw).toEqual(stored);
  expect(ours()).toEqual([]);
}

describe("openTensors over a run configuration", () => {
  it("yields the rows of each split's file of `sxflow run` on the IC example, in order, normalised with the train statistics", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
    await sameAsRun(config, "ic", 40);
    // A configuration path works as well, and its output directory is left alone.
    const out = path.resolve(REPO_ROOT, "examples", config.output.dir);
    const listing = () => (existsSync(out) ? readdirSync(out).map((f) => `${f} ${statSync(path.join(out, f)).mtimeMs}`) : []);
    const before = listing();
    const viaPath = joined(await all(openTensors(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"), { split: "test", batchSize: 40 })));
    const viaObject = joined(await all(openTensors(config, { split: "test", batchSize: 40 })));
    expect(viaPath).toEqual(viaObject);
    expect(listing()).toEqual(before);
    expect(ours()).toEqual([]);
  }, 300_000);

  it("on a real ROOT file (fixtures/root, jagged jets and muons, the entry number as split key)", async () => {
    const file = writeConfig(dir, {
      tree: "tree",
      samples: [{ name: "dy", label: 0, files: [path.join(FIXTURES_DIR, "root", "uproot-small-dy-withoffsets.root")] }],
      objects: {
        event: { global: true, fields: { met: "MET_pt", njet: "nJet" } },
        jet: { max: 4, sort: "Jet_pt", fields: { pt: "Jet_pt", id: "Jet_jetId" } },
        muon: { max: 2, padding: "nan", fields: { pt: "Muon_pt", charge: "Muon_charge" } },
      },
      split: { by: ["entry"], fractions: { train: 0.6, val: 0.2, test: 0.2 } },
      output: { dir: path.join(dir, "unused"), name: "dy", compression: "gzip" },
    }, "dy.yaml");
    await sameAsRun(await loadRunConfig(file), "dy", 64);
  }, 300_000);

  it("on the HZZ example (examples/hzz-root.yaml)", async () => {
    await sameAsRun(await loadRunConfig(path.join(REPO_ROOT, "examples", "hzz-root.yaml")), "hzz", 500);
  }, 300_000);

  it("rejects options that apply to HDF5 sources, and reports configuration errors by path", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
    await expect(all(openTensors(config, { normDict: { event: {} } }))).rejects.toThrow(/normDict applies to an HDF5 source/);
    await expect(all(openTensors(path.join(dir, "missing.yaml")))).rejects.toThrow(/cannot open .*missing.yaml/);
    const bad = writeConfig(dir, { tree: "reco" }, "bad.yaml");
    await expect(all(openTensors(bad))).rejects.toThrow(/bad.yaml/);
    await expect(all(openTensors(config, { groups: ["jets"] }))).rejects.toThrow(/no group "jets"; did you mean "jet"/);
  }, 300_000);
});
