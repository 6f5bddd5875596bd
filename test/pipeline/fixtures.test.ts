import { readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Batch, JaggedColumn, NumericArray } from "../../src/batch/index.js";
import { openParquet } from "../../src/parquet/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import type { PipelineReport } from "../../src/pipeline/index.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { tempDir, writeConfig } from "./helpers.js";
import { readSaltH5wasm } from "./salt-reader.js";
import type { SaltDump, SaltFile } from "./helpers.js";

const SAMPLES = ["ttbar", "wjets"] as const;
const SPLITS = ["train", "val", "test"] as const;
const BRANCHES = [
  "eventNumber", "runNumber", "met_met_NOSYS", "jet_pt_NOSYS", "jet_eta", "jet_GN2v01_FixedCutBEff_77_select",
  "jet_GN2v01_Continuous_quantile", "el_pt_NOSYS", "el_eta", "el_charge",
];

/** A configuration exercising select, sort, casts, NaN padding, an alias and an expression field. */
function config(dir: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tree: "reco",
    samples: SAMPLES.map((name, label) => ({ name, label, files: [path.join(FIXTURES_DIR, "topcp", `${name}.parquet`)] })),
    cuts: ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 1", "num(el_pt_NOSYS) > 0"],
    aliases: { njet: "num(jet_pt_NOSYS)" },
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS", njet: "njet", eventNumber: "eventNumber", runNumber: "runNumber" } },
      jet: {
        max: 4,
        select: "jet_pt_NOSYS > 30000",
        sort: "jet_eta",
        fields: {
          pt: "jet_pt_NOSYS",
          eta: "jet_eta",
          btag: { expr: "jet_GN2v01_FixedCutBEff_77_select", type: "bool" },
          quantile: "jet_GN2v01_Continuous_quantile",
        },
      },
      el: { max: 2, padding: "nan", fields: { pt: "el_pt_NOSYS / 1000", eta: "el_eta", charge: "el_charge" } },
    },
    split: { fractions: { train: 0.6, val: 0.2, test: 0.2 } },
    batchSize: 1500,
    output: { dir: path.join(dir, "out"), name: "tt_wj", compression: "gzip" },
    ...extra,
  };
}

interface Input {
  batch: Batch;
  sample: number;
}

function jagged(batch: Batch, name: string): { offsets: Int32Array; values: NumericArray } {
  const c = batch.columns[name] as JaggedColumn;
  return { offsets: c.offsets, values: c.values as NumericArray };
}

function flat(batch: Batch, name: string): NumericArray {
  const c = batch.columns[name]!;
  if (c.kind !== "flat") throw new Error(`${name} is not flat`);
  return c.values;
}

function keyOf(run: unknown, event: unknown): string {
  return `${String(run)}:${String(event)}`;
}

/** The straightforward, per-event version of the configuration above. */
function passes(b: Batch, i: number): [boolean, boolean] {
  const jp = jagged(b, "jet_pt_NOSYS");
  const ep = jagged(b, "el_pt_NOSYS");
  let n = 0;
  for (let k = jp.offsets[i]!; k < jp.offsets[i + 1]!; k++) if ((jp.values[k] as number) > 26000) n++;
  return [n > 1, ep.offsets[i + 1]! - ep.offsets[i]! > 0];
}

interface Expected {
  sample: number;
  met: number;
  njet: number;
  jet: { pt: number[]; eta: number[]; btag: boolean[]; quantile: number[]; valid: boolean[] };
  el: { pt: (number | null)[]; eta: (number | null)[]; charge: (number | null)[]; valid: boolean[] };
}

function expectedEvent(input: Input, i: number): Expected {
  const b = input.batch;
  const jp = jagged(b, "jet_pt_NOSYS");
  const je = jagged(b, "jet_eta");
  const jb = jagged(b, "jet_GN2v01_FixedCutBEff_77_select");
  const jq = jagged(b, "jet_GN2v01_Continuous_quantile");
  const picked: number[] = [];
  for (let k = jp.offsets[i]!; k < jp.offsets[i + 1]!; k++) if ((jp.values[k] as number) > 30000) picked.push(k);
  // Stable descending sort by eta (Array.prototype.sort is stable).
  picked.sort((a, c) => (je.values[c] as number) - (je.values[a] as number));
  const jet: Expected["jet"] = { pt: [], eta: [], btag: [], quantile: [], valid: [] };
  for (let s = 0; s < 4; s++) {
    const k = picked[s];
    jet.pt.push(k === undefined ? 0 : (jp.values[k] as number));
    jet.eta.push(k === undefined ? 0 : (je.values[k] as number));
    jet.btag.push(k === undefined ? false : (jb.values[k] as number) !== 0);
    jet.quantile.push(k === undefined ? 0 : (jq.values[k] as number));
    jet.valid.push(k !== undefined);
  }
  const ep = jagged(b, "el_pt_NOSYS");
  const ee = jagged(b, "el_eta");
  const ec = jagged(b, "el_charge");
  const el: Expected["el"] = { pt: [], eta: [], charge: [], valid: [] };
  for (let s = 0; s < 2; s++) {
    const k = ep.offsets[i]! + s;
    const ok = k < ep.offsets[i + 1]!;
    el.pt.push(ok ? Math.fround((ep.values[k] as number) / 1000) : null);
    el.eta.push(ok ? (ee.values[k] as number) : null);
    el.charge.push(ok ? (ec.values[k] as number) : null);
    el.valid.push(ok);
  }
  return {
    sample: input.sample,
    met: flat(b, "met_met_NOSYS")[i] as number,
    njet: jp.offsets[i + 1]! - jp.offsets[i]!,
    jet,
    el,
  };
}

const dir = tempDir("pipeline-fixtures");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let inputs: Input[];
let report: PipelineReport;
let dump: SaltDump;
let files: Record<string, SaltFile>;
const outDir = path.join(dir, "out");
const h5 = (d: string, split: string) => path.join(d, `tt_wj_${split}.h5`);

beforeAll(async () => {
  inputs = [];
  for (const [sample, name] of SAMPLES.entries()) {
    const reader = await openParquet(path.join(FIXTURES_DIR, "topcp", `${name}.parquet`));
    inputs.push({ batch: await reader.read(BRANCHES), sample });
    reader.close();
  }
  report = await runPipeline(writeConfig(dir, config(dir)), { workers: 0 });
  dump = await readSaltH5wasm(SPLITS.map((s) => h5(outDir, s)), h5(outDir, "train"));
  files = Object.fromEntries(SPLITS.map((s) => [s, dump.files[h5(outDir, s)]!]));
});

describe("pipeline on the TopCP-like Parquet fixtures", () => {
  it("writes SALT's layout: structured datasets, bool valid, labels and attributes", () => {
    for (const split of SPLITS) {
      const f = files[split]!;
      const n = f.datasets.event!.shape[0]!;
      expect(n).toBeGreaterThan(0);
      expect(f.datasets.event!.shape).toEqual([n]);
      expect(f.datasets.jet!.shape).toEqual([n, 4]);
      expect(f.datasets.el!.shape).toEqual([n, 2]);
      expect(f.datasets.event!.names).toEqual(["met", "njet", "eventNumber", "runNumber", "flavour_label"]);
      expect(f.datasets.jet!.names).toEqual(["pt", "eta", "btag", "quantile", "valid"]);
      const types = (d: string) => Object.fromEntries(Object.entries(f.datasets[d]!.fields).map(([k, v]) => [k, v.dtype]));
      // njet is an integer expression: numpy gives int64, the expression language float64.
      expect(types("event")).toEqual({ met: "<f4", njet: "<f8", eventNumber: "<u8", runNumber: "<u4", flavour_label: "<i4" });
      expect(types("jet")).toEqual({ pt: "<f4", eta: "<f4", btag: "bool", quantile: "<i4", valid: "bool" });
      expect(types("el")).toEqual({ pt: "<f4", eta: "<f4", charge: "<f4", valid: "bool" });
      expect(f.datasets.event!.attrs.flavour_label).toEqual(["ttbar", "wjets"]);
      expect(f.attrs.split).toBe(split);
      expect(f.attrs.num_events).toBe(n);
      expect(f.attrs.sxflow_version).toMatch(/^\d+\.\d+\.\d+/);
      const cfg = JSON.parse(f.attrs.config as string) as { tree: string; cuts: string[] };
      expect(cfg.tree).toBe("reco");
      expect(cfg.cuts).toHaveLength(2);
      expect(JSON.parse(f.attrs.class_counts as string)).toEqual({
        ttbar: f.datasets.event!.fields.flavour_label!.values.filter((v) => v === 0).length,
        wjets: f.datasets.event!.fields.flavour_label!.values.filter((v) => v === 1).length,
      });
    }
  });

  it("keeps exactly the events passing the cuts, each once, with its sample's label, and reports the cut flow", () => {
    const expected = new Map<string, { input: Input; i: number }>();
    for (const input of inputs) {
      const b = input.batch;
      const flow = report.samples[input.sample]!.cutflow;
      let alone0 = 0;
      let alone1 = 0;
      let both = 0;
      let first = 0;
      const ev = flat(b, "eventNumber");
      const run = flat(b, "runNumber");
      for (let i = 0; i < b.length; i++) {
        const [a, c] = passes(b, i);
        alone0 += a ? 1 : 0;
        alone1 += c ? 1 : 0;
        first += a ? 1 : 0;
        if (a && c) {
          both++;
          expected.set(keyOf(run[i]!, ev[i]!), { input, i });
        }
      }
      expect(flow.map((s) => [s.pass, s.cumulative])).toEqual([[alone0, first], [alone1, both]]);
      expect(report.samples[input.sample]!.eventsRead).toBe(b.length);
      expect(report.samples[input.sample]!.eventsPassed).toBe(both);
    }
    const seen = new Set<string>();
    for (const split of SPLITS) {
      const ev = files[split]!.datasets.event!.fields;
      ev.eventNumber!.values.forEach((e, r) => {
        const key = keyOf(ev.runNumber!.values[r]!, e!);
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(ev.flavour_label!.values[r]).toBe(expected.get(key)?.input.sample);
      });
    }
    expect(seen.size).toBe(expected.size);
    for (const split of SPLITS) expect(report.splits[split]!.events).toBe(files[split]!.datasets.event!.shape[0]);
  });

  it("matches an independent per-event padding of every value", () => {
    const byKey = new Map<string, { input: Input; i: number }>();
    for (const input of inputs) {
      const ev = flat(input.batch, "eventNumber");
      const run = flat(input.batch, "runNumber");
      for (let i = 0; i < input.batch.length; i++) byKey.set(keyOf(run[i]!, ev[i]!), { input, i });
    }
    let checked = 0;
    let truncated = 0;
    for (const split of SPLITS) {
      const d = files[split]!.datasets;
      const n = d.event!.shape[0]!;
      for (let r = 0; r < n; r++) {
        const { input, i } = byKey.get(keyOf(d.event!.fields.runNumber!.values[r]!, d.event!.fields.eventNumber!.values[r]!))!;
        const e = expectedEvent(input, i);
        const row = (g: string, f: string, w: number) => d[g]!.fields[f]!.values.slice(r * w, (r + 1) * w);
        expect(d.event!.fields.met!.values[r]).toBe(e.met);
        expect(d.event!.fields.njet!.values[r]).toBe(e.njet);
        expect({ pt: row("jet", "pt", 4), eta: row("jet", "eta", 4), btag: row("jet", "btag", 4), quantile: row("jet", "quantile", 4), valid: row("jet", "valid", 4) }).toEqual(e.jet);
        expect({ pt: row("el", "pt", 2), eta: row("el", "eta", 2), charge: row("el", "charge", 2), valid: row("el", "valid", 2) }).toEqual(e.el);
        checked++;
      }
    }
    for (const { input, i } of byKey.values()) {
      const [a, c] = passes(input.batch, i);
      if (!(a && c)) continue;
      const jp = jagged(input.batch, "jet_pt_NOSYS");
      let sel = 0;
      for (let k = jp.offsets[i]!; k < jp.offsets[i + 1]!; k++) if ((jp.values[k] as number) > 30000) sel++;
      truncated += Math.max(0, sel - 4);
    }
    expect(checked).toBe(report.eventsPassed);
    expect(truncated).toBeGreaterThan(0);
    expect(report.objects.jet!.truncated).toBe(truncated);
    expect(report.objects.el!.truncated).toBeGreaterThanOrEqual(0);
  });

  it("normalises with float64 statistics of the valid train entries only", () => {
    const norm = parse(readFileSync(path.join(outDir, "norm_dict.yaml"), "utf8")) as Record<string, Record<string, { mean: number; std: number }>>;
    // Identity and label fields are not inputs; every other field is.
    expect(Object.keys(norm.event!)).toEqual(["met", "njet"]);
    expect(Object.keys(norm.jet!)).toEqual(["pt", "eta", "btag", "quantile"]);
    expect(Object.keys(norm.el!)).toEqual(["pt", "eta", "charge"]);
    for (const [g, fields] of Object.entries(norm)) {
      for (const [f, v] of Object.entries(fields)) {
        const want = dump.norm![g]![f]!;
        expect(v.mean).toBeCloseTo(want.mean, 9);
        expect(Math.abs(v.std - want.std) / want.std).toBeLessThan(1e-12);
      }
    }
    expect(report.normDict).toEqual(norm);
  });

  it("writes class weights indexed by class with UPP's formula", () => {
    const labels = files.train!.datasets.event!.fields.flavour_label!.values;
    const counts = [0, 1].map((c) => labels.filter((v) => v === c).length);
    const total = counts[0]! + counts[1]!;
    const raw = counts.map((n) => total / n);
    const want = raw.map((w) => Math.round((w / Math.min(...raw)) * 100) / 100);
    const dict = parse(readFileSync(path.join(outDir, "class_dict.yaml"), "utf8")) as { event: { flavour_label: number[] } };
    expect(dict.event.flavour_label).toEqual(want);
    expect(want[0]).not.toBe(want[1]);
  });

  it("shuffles the train file globally: a permutation that mixes the samples", () => {
    const labels = files.train!.datasets.event!.fields.flavour_label!.values as number[];
    // In input order all ttbar rows come first; count label changes along the file.
    let changes = 0;
    for (let r = 1; r < labels.length; r++) if (labels[r] !== labels[r - 1]) changes++;
    expect(changes).toBeGreaterThan(labels.length / 10);
  });

  it("sizes chunks by the split: about 1 MiB of rows, or one chunk of exactly the rows of a smaller split", async () => {
    // Rows of 28 (event), 4 x 14 (jet) and 2 x 13 (el) bytes: every split here is below 1 MiB.
    const rowBytes = { event: 28, jet: 56, el: 26 };
    for (const split of SPLITS) {
      const ds = files[split]!.datasets;
      for (const [g, bytes] of Object.entries(rowBytes)) {
        const n = ds[g]!.shape[0]!;
        expect(n).toBeLessThan(2 ** 20 / bytes);
        expect(ds[g]!.chunks).toEqual([n, ...ds[g]!.shape.slice(1)]);
      }
    }
    // A few events per split, uncompressed: the files hold their rows and headers, no padding.
    const d = path.join(dir, "tiny");
    const cuts = [...(config(dir).cuts as string[]), "eventNumber % 100 == 0"];
    await runPipeline(writeConfig(dir, config(dir, { cuts, output: { dir: d, name: "tt_wj", compression: "none" } }), "tiny.yaml"), { workers: 0 });
    const tiny = await readSaltH5wasm(SPLITS.map((s) => h5(d, s)));
    for (const split of SPLITS) {
      const f = tiny.files[h5(d, split)]!;
      const n = f.datasets.event!.shape[0]!;
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThan(100);
      expect(f.datasets.jet!.chunks).toEqual([n, 4]);
      expect(statSync(h5(d, split)).size).toBeLessThan(n * (28 + 56 + 26) + 16384);
    }
  });

  it("writes the report and nothing else in the output directory", () => {
    const r = JSON.parse(readFileSync(path.join(outDir, "tt_wj_report.json"), "utf8")) as PipelineReport;
    expect(r.eventsRead).toBe(10000);
    expect(r.samples.map((s) => s.splits)).toEqual(report.samples.map((s) => s.splits));
  });
});

describe("determinism", () => {
  const bytes = (d: string) =>
    [...SPLITS.map((s) => h5(d, s)), path.join(d, "norm_dict.yaml"), path.join(d, "class_dict.yaml")].map((p) => readFileSync(p));

  it("gives byte-identical outputs for 1, 2 and 4 workers", async () => {
    const reference = bytes(outDir);
    for (const workers of [1, 2, 4]) {
      // The same configuration file, so that the stored config attribute is the same too.
      const r = await runPipeline(path.join(dir, "run.yaml"), { workers });
      expect(r.workers).toBe(workers);
      const got = bytes(outDir);
      got.forEach((b, k) => expect(b.equals(reference[k]!), `output ${k} with ${workers} workers`).toBe(true));
    }
  }, 240_000);

  it("puts every event in the same split whatever the task size; unshuffled files keep input order", async () => {
    const d = path.join(dir, "unshuffled");
    await runPipeline(
      writeConfig(dir, config(dir, { batchSize: 700, shuffle: { enabled: false }, output: { dir: d, name: "tt_wj", compression: "none" } }), "unshuffled.yaml"),
      { workers: 0 },
    );
    const other = await readSaltH5wasm(SPLITS.map((s) => h5(d, s)));
    for (const split of SPLITS) {
      const a = files[split]!.datasets.event!.fields;
      const b = other.files[h5(d, split)]!.datasets.event!.fields;
      const keys = (f: typeof a) => f.eventNumber!.values.map((e, r) => keyOf(f.runNumber!.values[r]!, e!));
      expect([...keys(b)].sort()).toEqual([...keys(a)].sort());
      // Without the shuffle: samples in config order, events in file order.
      const labels = b.flavour_label!.values as number[];
      expect([...labels].sort((x, y) => x - y)).toEqual(labels);
      expect(keys(b)).not.toEqual(keys(a));
    }
  });
});
