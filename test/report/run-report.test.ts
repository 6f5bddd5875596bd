import { existsSync, readdirSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../../src/cli/dispatch.js";
import { openH5 } from "../../src/hdf5/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import type { PipelineReport } from "../../src/pipeline/index.js";
import { parseRunHistograms } from "../../src/report/histograms.js";
import type { RunHistograms } from "../../src/report/histograms.js";
import { emptyHistogram, fieldHistogram, mergeHistograms } from "../../src/stages/histogram.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";

const SAMPLES = ["ttbar", "wjets"] as const;

function config(out: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tree: "reco",
    samples: SAMPLES.map((name, label) => ({ name, label, files: [path.join(FIXTURES_DIR, "topcp", `${name}.parquet`)] })),
    classes: [...SAMPLES],
    cuts: ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 1", "num(el_pt_NOSYS) > 0"],
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS", eventNumber: "eventNumber", runNumber: "runNumber" } },
      jet: {
        max: 4,
        select: "jet_pt_NOSYS > 30000",
        fields: { pt: "jet_pt_NOSYS", eta: "jet_eta", btag: { expr: "jet_GN2v01_FixedCutBEff_77_select", type: "bool" } },
      },
      el: { max: 2, padding: "nan", fields: { pt: "el_pt_NOSYS / 1000", eta: "el_eta" } },
    },
    normalise: { exclude: ["eventNumber", "runNumber"] },
    split: { fractions: { train: 0.6, val: 0.2, test: 0.2 } },
    batchSize: 1500,
    output: { dir: out, name: "tt_wj", compression: "none" },
    report: { binning: { "event.met": { min: 0, max: 300000, bins: 30 } } },
    ...extra,
  };
}

describe("run report: histograms and page", () => {
  let dir: string;
  let report: PipelineReport;
  let histograms: RunHistograms;
  let histogramsText: string;
  let page: string;

  beforeAll(async () => {
    dir = tempDir("report");
    report = await runPipeline(writeConfig(dir, config(path.join(dir, "w2"))), { workers: 2 });
    histogramsText = readFileSync(path.join(dir, "w2", "tt_wj_histograms.json"), "utf8");
    histograms = parseRunHistograms(histogramsText, "tt_wj_histograms.json");
    page = readFileSync(path.join(dir, "w2", "tt_wj_report.html"), "utf8");
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("histograms the train file's valid entries exactly, per class", async () => {
    const h5 = await openH5(path.join(dir, "w2", "tt_wj_train.h5"));
    try {
      const labels = h5.dataset("event").read().flavour_label!;
      for (const [group, fields] of Object.entries(histograms.fields)) {
        const ds = h5.dataset(group);
        const data = ds.read();
        const width = ds.shape[1] ?? 1;
        for (const [field, h] of Object.entries(fields)) {
          const expected = SAMPLES.map(() => emptyHistogram());
          SAMPLES.forEach((_, c) => {
            const mask = new Uint8Array(data[field]!.length);
            for (let i = 0; i < labels.length; i++) {
              for (let j = 0; j < width; j++) mask[i * width + j] = labels[i] === c && (!data.valid || data.valid[i * width + j]) ? 1 : 0;
            }
            expected[c] = mergeHistograms(expected[c]!, fieldHistogram(data[field] as Float32Array, mask));
          });
          expect(h.perClass, `${group}.${field}`).toEqual(expected);
          for (const hc of h.perClass) expect(hc.counts.length, `${group}.${field}`).toBeGreaterThan(0);
        }
      }
      expect(Object.keys(histograms.fields.event!)).toEqual(["met"]);
      expect(histograms.fields.jet!.btag!.type).toBe("bool");
    } finally {
      h5.close();
    }
  });

  it("counts multiplicity before truncation for every event passing the cuts, per class", () => {
    const jet = histograms.multiplicity.jet!;
    expect(jet.max).toBe(4);
    SAMPLES.forEach((name, c) => {
      const sample = report.samples.find((s) => s.name === name)!;
      const counts = jet.perClass[c]!;
      expect(counts.reduce((a, b) => a + b, 0)).toBe(sample.eventsPassed);
      // Objects selected = sum of k * events with k objects; truncated = objects beyond max.
      expect(counts.reduce((a, n, k) => a + n * k, 0)).toBe(jet.selected[c]);
      expect(counts.reduce((a, n, k) => a + n * Math.max(0, k - 4), 0)).toBe(jet.truncated[c]);
    });
    expect(jet.truncated.reduce((a, b) => a + b, 0)).toBe(report.objects.jet!.truncated);
    expect(jet.truncated[0]).toBeGreaterThan(0);
  });

  it("gives byte-identical histograms for any worker count", async () => {
    await runPipeline(writeConfig(dir, config(path.join(dir, "w0")), "w0.yaml"), { workers: 0 });
    expect(readFileSync(path.join(dir, "w0", "tt_wj_histograms.json"), "utf8")).toBe(histogramsText);
  });

  it("writes a self-contained page with a drawn plot for every section", () => {
    expect(page).not.toMatch(/<script|<link|<img|@import|url\(/i);
    // The only URLs are SVG namespace declarations, which browsers never fetch.
    expect([...page.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]).filter((u) => u !== "http://www.w3.org/2000/svg" && u !== "http://www.w3.org/1999/xlink")).toEqual([]);
    const ids = [...page.matchAll(/data-plot="([^"]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual([
      "cutflow:ttbar", "cutflow:wjets", "splits", "class-weights", "multiplicity:jet", "multiplicity:el",
      "field:event.met", "normalised:event.met", "field:jet.pt", "normalised:jet.pt", "field:jet.eta", "normalised:jet.eta",
      "field:jet.btag", "normalised:jet.btag", "field:el.pt", "normalised:el.pt", "field:el.eta", "normalised:el.eta", "timing",
    ]);
    // Each cut's text, the max line and the configured binning (30 bins over 0-300000) are on the page.
    expect(page).toContain("num(jet_pt_NOSYS[jet_pt_NOSYS &gt; 26000]) &gt; 1");
    expect(page).toContain(">max 4<");
    expect(page).toMatch(/300,000/);
    expect(Object.keys(report.phases!)).toEqual(["configuration and samples", "plan (scan files)", "convert (pass 1)", "shuffle (pass 2)", "write files", "report page"]);
  });

  it("rebuilds the page from the run's outputs (sxflow report <dir>), times aside", async () => {
    const out = path.join(dir, "w2");
    unlinkSync(path.join(out, "tt_wj_report.html"));
    expect(await runCli(["report", out])).toBe(0);
    const rebuilt = readFileSync(path.join(out, "tt_wj_report.html"), "utf8");
    // The run drew its page before timing it; the rebuild shows the JSON report's final times.
    const strip = (t: string) => t.replace(/<tr class="time">.*?<\/tr>|<section class="time">.*?<\/section>/gs, "");
    expect(strip(rebuilt)).toBe(strip(page));
    expect(rebuilt).toContain(`${report.seconds.toFixed(2)} s with 2 workers`);
  });

  it("overlays two runs on the same axes (sxflow report <dir A> <dir B>)", async () => {
    const out = path.join(dir, "loose");
    const cuts = ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 0"];
    const loose = await runPipeline(writeConfig(dir, config(out, { cuts }), "loose.yaml"), { workers: 0 });
    expect(loose.eventsPassed).toBeGreaterThan(report.eventsPassed);
    expect(await runCli(["report", path.join(dir, "w2"), out])).toBe(0);
    const both = readFileSync(path.join(dir, "w2", "tt_wj_vs_tt_wj_report.html"), "utf8");
    // Same output names: the runs are told apart by their directories.
    expect(both).toContain("<title>sxflow report: w2 vs loose</title>");
    expect(both).toContain(`<td>${loose.eventsPassed.toLocaleString("en-US")} (`);
    // Both runs' cut texts, and the second run drawn dashed on the histograms.
    expect(both).toContain("num(jet_pt_NOSYS[jet_pt_NOSYS &gt; 26000]) &gt; 0");
    expect(both).toContain("num(el_pt_NOSYS) &gt; 0");
    expect(both).toMatch(/stroke-dasharray="5,3"/);
    expect(await runCli(["report", path.join(dir, "nowhere")])).toBe(1);
  });

  it("writes the SALT data config fragment: variables per input, files and dicts that exist", async () => {
    const out = path.join(dir, "w2");
    const text = readFileSync(path.join(out, "salt_config.yaml"), "utf8");
    expect(text).toContain("# Classification task: label: flavour_label, class_names: [ttbar, wjets]");
    const { data } = parse(text) as { data: Record<string, unknown> & { variables: Record<string, string[]> } };
    expect(data.global_object).toBe("event");
    // The global group's inputs go under `global` (SALT maps it to the global object for norm_dict).
    expect(data.variables).toEqual({ global: ["met"], jet: ["pt", "eta", "btag"], el: ["pt", "eta"] });
    const norm = parse(readFileSync(path.join(out, "norm_dict.yaml"), "utf8")) as Record<string, Record<string, unknown>>;
    for (const [input, vars] of Object.entries(data.variables)) expect(Object.keys(norm[input === "global" ? "event" : input]!)).toEqual(vars);
    for (const key of ["train_file", "val_file", "test_file", "norm_dict", "class_dict"]) expect(existsSync(data[key] as string), key).toBe(true);
    const h5 = await openH5(data.train_file as string);
    try {
      for (const [input, vars] of Object.entries(data.variables)) {
        const names = h5.dataset(input === "global" ? "event" : input).fields.map((f) => f.name);
        for (const v of vars) expect(names).toContain(v);
      }
    } finally {
      h5.close();
    }
  });

  it("fails cleanly when the page cannot be drawn: the error names the config path, no output is committed", async () => {
    for (const workers of [2, 0]) {
      const out = path.join(dir, `bad-binning-${workers}`);
      // eta is negative in part: no log axis for it.
      const bad = config(out, { report: { binning: { "jet.eta": { log: true } } } });
      await expect(runPipeline(writeConfig(dir, bad, `bad-${workers}.yaml`), { workers })).rejects.toThrow(/report\.binning\."jet\.eta": a log axis needs a positive lower edge/);
      expect(existsSync(out) ? readdirSync(out).filter((n) => !n.endsWith(".yaml")) : []).toEqual([]);
    }
  });

  it("writes no page and no histograms with report.html false", async () => {
    const out = path.join(dir, "off");
    const r = await runPipeline(writeConfig(dir, config(out, { report: { html: false } }), "off.yaml"), { workers: 0 });
    expect(r.outputs.page).toBeUndefined();
    expect(() => readFileSync(path.join(out, "tt_wj_report.html"))).toThrow(/ENOENT/);
  });
});
