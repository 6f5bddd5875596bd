import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Batch, JaggedColumn, NumericArray } from "../../src/batch/index.js";
import { loadRunConfig } from "../../src/config/index.js";
import { buildPlan, runPipeline } from "../../src/pipeline/index.js";
import type { PipelineReport } from "../../src/pipeline/index.js";
import { openRoot } from "../../src/root/index.js";
import { REPO_ROOT, ROOT_FIXTURES } from "../shared-data.js";
import { tempDir } from "./helpers.js";
import { readSaltH5wasm } from "./salt-reader.js";
import type { SaltDump } from "./helpers.js";

const SPLITS = ["train", "val", "test"] as const;
const HZZ = path.join(ROOT_FIXTURES, "uproot-HZZ.root");

function jagged(b: Batch, name: string): { offsets: Int32Array; values: NumericArray } {
  const c = b.columns[name] as JaggedColumn;
  return { offsets: c.offsets, values: c.values as NumericArray };
}

describe("pipeline on a real ROOT file (uproot's HZZ sample)", () => {
  const dir = tempDir("pipeline-root");
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let input: Batch;
  let report: PipelineReport;
  let dump: SaltDump;
  const file = (s: string) => path.join(dir, `hzz_${s}.h5`);

  beforeAll(async () => {
    // The example configuration as shipped, written to a temporary directory.
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "hzz-root.yaml"));
    config.samples[0]!.files = [{ path: HZZ, format: "root" }];
    config.output.dir = dir;
    report = await runPipeline(config, { workers: 0 });
    dump = await readSaltH5wasm(SPLITS.map(file), file("train"));
    const root = await openRoot(HZZ);
    const tree = await root.tree("events");
    input = await tree.read(["NMuon", "Muon_Px", "Muon_Py", "Muon_Pz", "Muon_E", "Muon_Charge", "Muon_Iso", "Jet_Px", "Jet_ID", "MET_px", "NPrimaryVertices"]);
    await root.close();
  });

  it("keeps the events with a muon and pads muons (sorted by pt) and selected jets like a per-event loop", () => {
    const nmuon = input.columns.NMuon!.values as Int32Array;
    let passing = 0;
    for (let i = 0; i < input.length; i++) if (nmuon[i]! >= 1) passing++;
    expect(report.samples[0]!.cutflow).toEqual([{ cut: "NMuon >= 1", pass: passing, cumulative: passing }]);
    expect(report.eventsPassed).toBe(passing);

    // Output rows carry no entry number: match them by (MET_px, NPrimaryVertices), unique in this file.
    const met = input.columns.MET_px!.values as Float32Array;
    const npv = input.columns.NPrimaryVertices!.values as Int32Array;
    const byKey = new Map<string, number>();
    for (let i = 0; i < input.length; i++) if (nmuon[i]! >= 1) byKey.set(`${met[i]}:${npv[i]}`, i);
    expect(byKey.size).toBe(passing);

    const mpx = jagged(input, "Muon_Px");
    const mpy = jagged(input, "Muon_Py");
    const mpz = jagged(input, "Muon_Pz");
    const mch = jagged(input, "Muon_Charge");
    const jpx = jagged(input, "Jet_Px");
    const jid = jagged(input, "Jet_ID");
    let rows = 0;
    let truncatedMuons = 0;
    for (let i = 0; i < input.length; i++) {
      if (nmuon[i]! < 1) continue;
      const picked: number[] = [];
      for (let k = mpx.offsets[i]!; k < mpx.offsets[i + 1]!; k++) picked.push(k);
      truncatedMuons += Math.max(0, picked.length - 4);
    }
    for (const split of SPLITS) {
      const d = dump.files[file(split)]!.datasets;
      expect(d.muon!.fields.valid!.dtype).toBe("bool");
      expect(d.muon!.fields.charge!.dtype).toBe("<i4");
      expect(d.event!.fields.npv!.dtype).toBe("<i4");
      const n = d.event!.shape[0]!;
      for (let r = 0; r < n; r++) {
        const i = byKey.get(`${d.event!.fields.met_px!.values[r]}:${d.event!.fields.npv!.values[r]}`);
        expect(i).toBeDefined();
        const pt = (k: number) => Math.hypot(mpx.values[k] as number, mpy.values[k] as number);
        const muons: number[] = [];
        for (let k = mpx.offsets[i!]!; k < mpx.offsets[i! + 1]!; k++) muons.push(k);
        muons.sort((a, b) => pt(b) - pt(a));
        for (let s = 0; s < 4; s++) {
          const k = muons[s];
          const at = r * 4 + s;
          expect(d.muon!.fields.valid!.values[at]).toBe(k !== undefined);
          if (k === undefined) {
            expect(d.muon!.fields.pz!.values[at]).toBe(0);
            continue;
          }
          expect(d.muon!.fields.pt!.values[at] as number).toBeCloseTo(pt(k), 3);
          expect(d.muon!.fields.pz!.values[at]).toBe(mpz.values[k]);
          expect(d.muon!.fields.charge!.values[at]).toBe(mch.values[k]);
        }
        const jets: number[] = [];
        for (let k = jpx.offsets[i!]!; k < jpx.offsets[i! + 1]!; k++) if (jid.values[k]) jets.push(k);
        for (let s = 0; s < 6; s++) {
          const k = jets[s];
          const at = r * 6 + s;
          expect(d.jet!.fields.valid!.values[at]).toBe(k !== undefined);
          // NaN padding: h5py's NaN comes back as null.
          expect(d.jet!.fields.px!.values[at]).toBe(k === undefined ? null : jpx.values[k]);
        }
        rows++;
      }
    }
    expect(rows).toBe(passing);
    expect(report.objects.muon!.truncated).toBe(truncatedMuons);
  });

  it("normalises over valid train slots only, NaN padding excluded", () => {
    for (const [g, fields] of Object.entries(report.normDict)) {
      for (const [f, v] of Object.entries(fields)) {
        const want = dump.norm![g]![f]!;
        expect(Math.abs(v.mean - want.mean)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want.mean)));
        expect(Math.abs(v.std - want.std) / want.std).toBeLessThan(1e-12);
      }
    }
    expect(Object.keys(report.normDict)).toEqual(["event", "muon", "jet"]);
  });

  it("splits by entry number deterministically: a second run with other tasks agrees", async () => {
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "hzz-root.yaml"));
    config.samples[0]!.files = [{ path: HZZ, format: "root" }];
    const other = path.join(dir, "again");
    config.output.dir = other;
    config.batchSize = 300;
    expect((await buildPlan(config)).tasks.map((t) => t.stop - t.start)).toEqual([269, 269, 269, 269, 269, 269, 269, 269, 269]);
    const again = await runPipeline(config, { workers: 0 });
    expect(again.samples[0]!.splits).toEqual(report.samples[0]!.splits);
    expect(again.samples[0]!.cutflow).toEqual(report.samples[0]!.cutflow);
    const a = await readSaltH5wasm(SPLITS.map(file));
    const b = await readSaltH5wasm(SPLITS.map((s) => path.join(other, `hzz_${s}.h5`)));
    for (const s of SPLITS) {
      // The file's one cluster is now cut into 9 tasks instead of 1: same rows, same order.
      expect(b.files[path.join(other, `hzz_${s}.h5`)]!.datasets).toEqual(a.files[file(s)]!.datasets);
    }
  });
});
