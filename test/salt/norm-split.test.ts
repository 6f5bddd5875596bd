/**
 * `sxflow norm` and `sxflow split` on the SALT files of real runs (the bundled TopCP-like samples),
 * read back through h5wasm (libhdf5). Files written by another tool: norm-split.interop.test.ts.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runPipeline } from "../../src/pipeline/index.js";
import { normFromFiles } from "../../src/salt/norm.js";
import type { NormDict } from "../../src/stages/index.js";
import { cli } from "../cli/helpers.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import type { SaltDump } from "../pipeline/helpers.js";
import { readSaltH5wasm } from "../pipeline/salt-reader.js";
import { FIXTURES_DIR } from "../shared-data.js";

const dir = tempDir("salt-tools");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TTBAR = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
const WJETS = path.join(FIXTURES_DIR, "topcp", "wjets.parquet");

function config(name: string, extra: Record<string, unknown> = {}): string {
  return writeConfig(
    dir,
    {
      tree: "reco",
      samples: [
        { name: "ttbar", label: 0, files: [TTBAR] },
        { name: "wjets", label: 1, files: [WJETS] },
      ],
      cuts: ["num(jet_pt_NOSYS) > 1"],
      objects: {
        event: { global: true, fields: { met: "met_met_NOSYS", met_phi: "met_phi_NOSYS", eventNumber: "eventNumber", runNumber: "runNumber" } },
        jet: { max: 6, sort: "jet_pt_NOSYS", fields: { pt: "jet_pt_NOSYS", eta: "jet_eta", btag: { expr: "jet_GN2v01_FixedCutBEff_77_select", type: "bool" } } },
        el: { max: 2, fields: { pt: "el_pt_NOSYS", phi: "el_phi" } },
      },
      normalise: { exclude: ["el.phi"] },
      split: { fractions: { train: 0.7, val: 0.1, test: 0.2 } },
      output: { dir: path.join(dir, name), name, compression: "gzip", precision: "half", fullPrecision: ["met", "pt"] },
      report: { html: false },
      batchSize: 1500,
      ...extra,
    },
    `${name}.yaml`,
  );
}

const out = (name: string, file: string): string => path.join(dir, name, file);
const text = (file: string): string => readFileSync(file, "utf8");

beforeAll(async () => {
  // Several tasks per sample, shuffled, half precision, gzip: the general case.
  await runPipeline(config("run"), { workers: 2 });
  // One sample in one task, not shuffled: the train file holds the run's train values in the order the run saw them.
  await runPipeline(
    config("single", { samples: [{ name: "ttbar", label: 0, files: [TTBAR] }], shuffle: { enabled: false }, batchSize: 100_000, output: { dir: path.join(dir, "single"), name: "single", compression: "none" } }),
    { workers: 0 },
  );
  // Every event in train, and the same run split as usual, to compare `sxflow split` with the run's split.
  await runPipeline(config("all", { split: { fractions: { train: 1, val: 0, test: 0 } } }), { workers: 2 });
}, 120_000);

describe("sxflow norm", () => {
  it("gives the run's norm_dict.yaml byte for byte from its train file when the values come in the run's order", async () => {
    const r = await cli(["norm", out("single", "single_train.h5"), "--out", path.join(dir, "norm-single")]);
    expect(r.code, r.err).toBe(0);
    expect(text(path.join(dir, "norm-single", "norm_dict.yaml"))).toBe(text(out("single", "norm_dict.yaml")));
    expect(text(path.join(dir, "norm-single", "class_dict.yaml"))).toBe(text(out("single", "class_dict.yaml")));
  });

  it("gives the run's dicts from a shuffled, multi-task, half-precision train file: the same fields and class weights, values to 1e-12", async () => {
    const r = await cli(["norm", out("run", "run_train.h5"), "--out", path.join(dir, "norm-run")]);
    expect(r.code, r.err).toBe(0);
    expect(text(path.join(dir, "norm-run", "class_dict.yaml"))).toBe(text(out("run", "class_dict.yaml")));
    const mine = parse(text(path.join(dir, "norm-run", "norm_dict.yaml"))) as NormDict;
    const run = parse(text(out("run", "norm_dict.yaml"))) as NormDict;
    // The run's rule: el.phi excluded, the split keys and the label left out.
    expect(Object.keys(mine)).toEqual(["event", "jet", "el"]);
    expect(Object.keys(mine.event!)).toEqual(["met", "met_phi"]);
    expect(Object.keys(mine.el!)).toEqual(["pt"]);
    expect(Object.fromEntries(Object.entries(mine).map(([g, f]) => [g, Object.keys(f)]))).toEqual(Object.fromEntries(Object.entries(run).map(([g, f]) => [g, Object.keys(f)])));
    for (const [g, fields] of Object.entries(run)) {
      for (const [f, { mean, std }] of Object.entries(fields)) {
        expect(Math.abs(mine[g]![f]!.mean - mean), `${g}.${f} mean`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(mean), std));
        expect(Math.abs(mine[g]![f]!.std - std), `${g}.${f} std`).toBeLessThanOrEqual(1e-12 * std);
      }
    }
  });

  it("streams: blocks of a few rows, and the train file cut in two, give the same dicts", async () => {
    const whole = await normFromFiles([out("run", "run_train.h5")]);
    const blocks = await normFromFiles([out("run", "run_train.h5")], { blockBytes: 1000 });
    expect(blocks.classDict).toEqual(whole.classDict);
    const halves = path.join(dir, "halves");
    expect((await cli(["split", out("run", "run_train.h5"), "--fractions", "0.5,0.5,0", "--seed", "7", "--out", halves])).code).toBe(0);
    const two = await normFromFiles([path.join(halves, "run_train_train.h5"), path.join(halves, "run_train_val.h5")]);
    expect(two.rows).toBe(whole.rows);
    expect(two.classCounts).toEqual(whole.classCounts);
    for (const other of [blocks, two]) {
      for (const [g, fields] of Object.entries(whole.normDict)) {
        for (const [f, { mean, std }] of Object.entries(fields)) {
          expect(Math.abs(other.normDict[g]![f]!.mean - mean)).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(mean), std));
          expect(Math.abs(other.normDict[g]![f]!.std - std)).toBeLessThanOrEqual(1e-12 * std);
        }
      }
    }
  });

  it("names the file and the group on bad input", async () => {
    const notH5 = path.join(dir, "not.h5");
    writeFileSync(notH5, "not an HDF5 file");
    let r = await cli(["norm", notH5, "--out", path.join(dir, "bad")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${notH5}: not an HDF5 file (no HDF5 signature)`);
    r = await cli(["norm", path.join(dir, "missing.h5")]);
    expect(r.err).toContain(`cannot open ${path.join(dir, "missing.h5")}: no such file`);
    r = await cli(["norm", out("run", "run_train.h5"), "--label", "isSignal", "--out", path.join(dir, "bad")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${out("run", "run_train.h5")}: no (N,) group holds the label field "isSignal" (groups: "event" (N,), "jet" (N, 6), "el" (N, 2))`);
    r = await cli(["norm", out("run", "run_train.h5"), out("single", "single_train.h5"), "--out", path.join(dir, "bad")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${out("single", "single_train.h5")}: its groups and fields differ from those of ${out("run", "run_train.h5")}`);
    expect((await cli(["norm", out("run", "run_train.h5"), "--class-weights", "odd"])).code).toBe(2);
  });
});

/** Event numbers per split file. */
async function events(files: string[]): Promise<number[][]> {
  const dump: SaltDump = await readSaltH5wasm(files);
  return files.map((f) => dump.files[f]!.datasets.event!.fields.eventNumber!.values.map(Number));
}

const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

describe("sxflow split", () => {
  it("splits by event keys exactly as the run splits, and copies every row as stored", async () => {
    const r = await cli(["split", out("all", "all_train.h5"), "--fractions", "0.7,0.1,0.2", "--out", path.join(dir, "split"), "--name", "s"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("split by runNumber, eventNumber");
    const mine = ["train", "val", "test"].map((s) => path.join(dir, "split", `s_${s}.h5`));
    const run = ["train", "val", "test"].map((s) => out("run", `run_${s}.h5`));
    const [a, b] = [await events(mine), await events(run)];
    a.forEach((e, i) => expect(sorted(e)).toEqual(sorted(b[i]!)));
    // Rows keep their bytes: every record of the input is in one output, with the same values.
    const input = await readSaltH5wasm([out("all", "all_train.h5")]);
    const split = await readSaltH5wasm(mine);
    for (const g of ["event", "jet", "el"]) {
      const whole = input.files[out("all", "all_train.h5")]!.datasets[g]!;
      const parts = mine.map((f) => split.files[f]!.datasets[g]!);
      expect(parts.map((p) => p.names)).toEqual([whole.names, whole.names, whole.names]);
      expect(parts.reduce((n, p) => n + p.shape[0]!, 0)).toBe(whole.shape[0]);
      const rowsOf = (d: typeof whole, slots: number) =>
        Array.from({ length: d.shape[0]! }, (_, r) => JSON.stringify(d.names.map((n) => d.fields[n]!.values.slice(r * slots, (r + 1) * slots))));
      const slots = whole.shape[1] ?? 1;
      expect(parts.flatMap((p) => rowsOf(p, slots)).sort()).toEqual(rowsOf(whole, slots).sort());
      expect(parts[0]!.attrs).toEqual(whole.attrs);
    }
    expect(split.files[mine[1]!]!.attrs).toMatchObject({ split: "val", split_by: "runNumber,eventNumber", num_events: a[1]!.length, split_of: "all_train.h5" });
  });

  it("is deterministic: the same files again, byte for byte, and fractions close to those asked", async () => {
    const again = path.join(dir, "split-again");
    expect((await cli(["split", out("all", "all_train.h5"), "--fractions", "0.7,0.1,0.2", "--out", again, "--name", "s"])).code).toBe(0);
    for (const s of ["train", "val", "test"]) expect(readFileSync(path.join(again, `s_${s}.h5`)).equals(readFileSync(path.join(dir, "split", `s_${s}.h5`)))).toBe(true);
    const counts = (await events(["train", "val", "test"].map((s) => path.join(again, `s_${s}.h5`)))).map((e) => e.length);
    const n = counts.reduce((x, y) => x + y, 0);
    [0.7, 0.1, 0.2].forEach((f, i) => expect(Math.abs(counts[i]! - f * n)).toBeLessThan(4 * Math.sqrt(n * f * (1 - f))));
  });

  it("names the file, group and field on bad input", async () => {
    let r = await cli(["split", out("all", "all_train.h5"), "--fractions", "0.7,0.1,0.2", "--by", "eventNumbr", "--out", path.join(dir, "bad")]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${out("all", "all_train.h5")}: group "event" has no field "eventNumbr" to split by`);
    r = await cli(["split", out("all", "all_train.h5"), "--fractions", "0.7,0.1,0.2", "--by", "met", "--out", path.join(dir, "bad")]);
    expect(r.err).toContain('group "event" field "met" is float32; split keys are integers');
    for (const bad of ["0.7,0.1", "0.7,0.2,0.2", "a,b,c"]) expect((await cli(["split", out("all", "all_train.h5"), "--fractions", bad])).code).toBe(2);
  });
});
