import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Batch, JaggedColumn, NumericArray } from "../../src/batch/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import { openParquet } from "../../src/parquet/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "./helpers.js";
import { readSaltH5wasm } from "./salt-reader.js";

const SPLITS = ["train", "val", "test"] as const;
const dir = tempDir("pipeline-examples");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function count(b: Batch, name: string, i: number, keep: (x: number) => boolean): number {
  const c = b.columns[name] as JaggedColumn;
  const v = c.values as NumericArray;
  let n = 0;
  for (let k = c.offsets[i]!; k < c.offsets[i + 1]!; k++) if (keep(Number(v[k]))) n++;
  return n;
}

/** The five cuts of the IC analysis, written out per event. */
const IC_CUTS: ((b: Batch, i: number) => boolean)[] = [
  (b, i) => count(b, "jet_pt_NOSYS", i, (x) => x > 26000) > 3,
  (b, i) => count(b, "jet_eta", i, (x) => Math.abs(x) < 2.2) > 0,
  (b, i) => count(b, "jet_GN2v01_FixedCutBEff_77_select", i, (x) => x > 0) > 1,
  (b, i) => count(b, "el_pt_NOSYS", i, () => true) > 1,
  (b, i) => count(b, "el_eta", i, (x) => Math.abs(x) < 2.2) > 0,
];

describe("the IC example (examples/ic-ttbar-wjets.yaml)", () => {
  it("applies the five cuts of the original analysis and reports their cut flow per sample", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
    config.output.dir = path.join(dir, "ic");
    const report = await runPipeline(config, { workers: 0 });
    let passed = 0;
    for (const [s, sample] of config.samples.entries()) {
      const reader = await openParquet(sample.files[0]!.path);
      const b = await reader.read(["jet_pt_NOSYS", "jet_eta", "jet_GN2v01_FixedCutBEff_77_select", "el_pt_NOSYS", "el_eta"]);
      reader.close();
      const alone = IC_CUTS.map(() => 0);
      const cumulative = IC_CUTS.map(() => 0);
      for (let i = 0; i < b.length; i++) {
        let all = true;
        IC_CUTS.forEach((cut, k) => {
          const ok = cut(b, i);
          alone[k]! += ok ? 1 : 0;
          all &&= ok;
          cumulative[k]! += all ? 1 : 0;
        });
      }
      expect(report.samples[s]!.cutflow.map((c) => [c.pass, c.cumulative])).toEqual(alone.map((a, k) => [a, cumulative[k]]));
      // Both classes must reach the training file (W+jets is a b-filtered slice for this reason).
      expect(cumulative[4]).toBeGreaterThan(0);
      passed += cumulative[4]!;
    }
    expect(report.eventsPassed).toBe(passed);
    for (const s of SPLITS) expect(report.splits[s]!.perClass.every((n) => n > 0)).toBe(true);
    expect(report.classWeights.every((w) => w > 0)).toBe(true);
    const files = await readSaltH5wasm(SPLITS.map((s) => path.join(config.output.dir, `ic_ttbar_wjets_${s}.h5`)));
    const rows = SPLITS.reduce((n, s) => n + files.files[path.join(config.output.dir, `ic_ttbar_wjets_${s}.h5`)]!.datasets.event!.shape[0]!, 0);
    expect(rows).toBe(passed);
  });
});

describe("the single-lepton example (examples/ttbar-wjets-1lep.yaml)", () => {
  it("splits by UPP's eventNumber % 10 rules and fills both classes", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ttbar-wjets-1lep.yaml"));
    config.output.dir = path.join(dir, "1lep");
    const report = await runPipeline(config, { workers: 0 });
    const file = (s: string) => path.join(config.output.dir, `ttbar_wjets_1lep_${s}.h5`);
    const dump = await readSaltH5wasm(SPLITS.map(file));
    const allowed: Record<string, (r: bigint) => boolean> = { train: (r) => r <= 7n, val: (r) => r === 8n, test: (r) => r === 9n };
    for (const s of SPLITS) {
      const d = dump.files[file(s)]!.datasets;
      const events = d.event!.fields.eventNumber!.values as string[];
      expect(events.length).toBe(report.splits[s]!.events);
      for (const e of events) expect(allowed[s]!(BigInt(e) % 10n)).toBe(true);
      expect(new Set(d.event!.fields.flavour_label!.values)).toEqual(new Set([0, 1]));
      // Half precision, with names containing pt, energy or mass kept in float32 (the UPP default).
      expect([d.jet!.fields.pt!.dtype, d.jet!.fields.eta!.dtype]).toEqual(["<f4", "<f2"]);
    }
    expect(report.classWeights[0]).toBe(1);
    expect(report.classWeights[1]).toBeGreaterThan(1);
  });
});

describe("half precision", () => {
  it("stores floats as float16 except the full-precision fields, and normalises the stored values", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
    config.cuts = ["num(jet_pt_NOSYS) > 2"];
    config.classWeights.empty = "error";
    config.output = { ...config.output, dir: path.join(dir, "half"), precision: "half", fullPrecision: ["jet.pt", "el.pt", "event.met_sumet"] };
    // MET in MeV overflows float16: a clear error, not infinities in the file.
    await expect(runPipeline(config, { workers: 0 })).rejects.toThrow(/event\.met: value \d+ does not fit in float16.*output\.fullPrecision/);
    config.output.fullPrecision.push("event.met");
    const report = await runPipeline(config, { workers: 0 });
    const train = path.join(config.output.dir, "ic_ttbar_wjets_train.h5");
    const dump = await readSaltH5wasm([train], train);
    const d = dump.files[train]!.datasets;
    const types = (g: string) => Object.fromEntries(Object.entries(d[g]!.fields).map(([k, v]) => [k, v.dtype]));
    expect(types("event")).toEqual({ met: "<f4", met_phi: "<f2", met_sig: "<f2", met_sumet: "<f4", eventNumber: "<u8", runNumber: "<u4", flavour_label: "<i4" });
    expect(types("jet")).toEqual({ pt: "<f4", eta: "<f2", phi: "<f2", btag: "bool", valid: "bool" });
    // float16 keeps 11 significant bits.
    const eta = d.jet!.fields.eta!.values as (number | null)[];
    expect(eta.some((v) => v !== null && v !== 0 && Math.abs(v) < 3)).toBe(true);
    // A float16 value times 2^k is an integer for the right k: at most 11 significant bits.
    for (const v of eta) {
      if (v === null || v === 0) continue;
      const scaled = v * 2 ** (10 - Math.floor(Math.log2(Math.abs(v))));
      expect(Number.isInteger(scaled)).toBe(true);
    }
    // The full-precision jet pt keeps more than 11 significant bits.
    const pts = (d.jet!.fields.pt!.values as number[]).filter((v) => v > 0);
    expect(pts.some((v) => !Number.isInteger(v * 2 ** (10 - Math.floor(Math.log2(v)))))).toBe(true);
    for (const [g, fields] of Object.entries(report.normDict)) {
      for (const [f, v] of Object.entries(fields)) {
        const want = dump.norm![g]![f]!;
        expect(Math.abs(v.mean - want.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want.mean)));
        expect(Math.abs(v.std - want.std) / want.std).toBeLessThan(1e-12);
      }
    }
  });
});
