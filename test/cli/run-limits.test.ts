import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PipelineReport } from "../../src/pipeline/index.js";
import { readFiles } from "../../src/sources/index.js";
import type { EventBatch } from "../../src/stages/index.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import { readSaltH5wasm } from "../pipeline/salt-reader.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { cli } from "./helpers.js";

const dir = tempDir("cli-limits");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TTBAR = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
const WJETS = path.join(FIXTURES_DIR, "topcp", "wjets.parquet");
// A Parquet file by its magic bytes only: any attempt to read it fails, naming it.
const BROKEN = path.join(dir, "z-broken.parquet");

beforeAll(() => {
  writeFileSync(BROKEN, Buffer.concat([Buffer.from("PAR1"), Buffer.alloc(64, 7)]));
  copyFileSync(WJETS, path.join(dir, "wjets.parquet"));
});

function config(out: string, extra: Record<string, unknown> = {}): string {
  return writeConfig(
    dir,
    {
      tree: "reco",
      samples: [
        { name: "ttbar", label: 0, files: [TTBAR] },
        // Its first file (in path order) holds 5,000 entries: a limit below that never opens the second.
        { name: "wjets", label: 1, files: ["wjets.parquet", "z-broken.parquet"] },
      ],
      objects: { event: { global: true, fields: { met: "met_met_NOSYS", eventNumber: "eventNumber" } }, jet: { max: 4, fields: { pt: "jet_pt_NOSYS" } } },
      split: { fractions: { train: 0.6, val: 0.2, test: 0.2 } },
      output: { dir: path.join(dir, out), name: "lim", compression: "none" },
      report: { html: false },
      // Small tasks: the limit falls inside the third task of each sample.
      batchSize: 1000,
      ...extra,
    },
    `${out}.yaml`,
  );
}

/** Event numbers of the first `n` entries of a file, read without any run configuration. */
async function firstEventNumbers(file: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for await (const eb of readFiles(file, { tree: "reco", branches: ["eventNumber"] }) as AsyncIterable<EventBatch>) {
    const c = eb.batch.columns.eventNumber!;
    if (c.kind !== "flat") throw new Error("eventNumber is not flat");
    for (const v of c.values) out.push(Number(v));
  }
  return out.slice(0, n);
}

/** Event numbers per label over the three output files. */
async function writtenEvents(out: string): Promise<Map<number, number[]>> {
  const files = ["train", "val", "test"].map((s) => path.join(dir, out, `lim_${s}.h5`));
  const dump = await readSaltH5wasm(files);
  const byLabel = new Map<number, number[]>();
  for (const f of files) {
    const ev = dump.files[f]!.datasets.event!.fields;
    ev.flavour_label!.values.forEach((label, i) => {
      const list = byLabel.get(label as number) ?? [];
      list.push(Number(ev.eventNumber!.values[i]));
      byLabel.set(label as number, list);
    });
  }
  return byLabel;
}

const sorted = (a: number[]): number[] => [...a].sort((x, y) => x - y);

describe("sxflow run --max-events", () => {
  it("converts exactly the first N events of each sample and opens no file it does not need", async () => {
    const r = await cli(["run", config("limited"), "--max-events", "2500", "--workers", "0"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("limited to the first 2,500 events of each sample (maxEvents): not a full run");
    const report = JSON.parse(readFileSync(path.join(dir, "limited", "lim_report.json"), "utf8")) as PipelineReport;
    expect(report.maxEvents).toBe(2500);
    expect(report.samples.map((s) => s.eventsRead)).toEqual([2500, 2500]);
    const written = await writtenEvents("limited");
    expect(sorted(written.get(0)!)).toEqual(sorted(await firstEventNumbers(TTBAR, 2500)));
    expect(sorted(written.get(1)!)).toEqual(sorted(await firstEventNumbers(WJETS, 2500)));
    // The limit is part of the configuration recorded in every file.
    const dump = await readSaltH5wasm([path.join(dir, "limited", "lim_train.h5")]);
    expect(JSON.parse(dump.files[path.join(dir, "limited", "lim_train.h5")]!.attrs.config as string).maxEvents).toBe(2500);
  });

  it("writes the same bytes for any worker count", async () => {
    const files = ["lim_train.h5", "lim_val.h5", "lim_test.h5", "norm_dict.yaml"].map((f) => path.join(dir, "limited", f));
    const before = files.map((f) => readFileSync(f));
    const r = await cli(["run", config("limited"), "--max-events", "2500", "--workers", "2"]);
    expect(r.code, r.err).toBe(0);
    files.forEach((f, i) => expect(readFileSync(f).equals(before[i]!), f).toBe(true));
  });

  it("reads every file without the limit (the broken one fails the run, named)", async () => {
    const r = await cli(["run", config("full"), "--workers", "0"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`(sample "wjets"): cannot read ${BROKEN}`);
    expect(existsSync(path.join(dir, "full", "lim_train.h5"))).toBe(false);
  });

  it("takes maxEvents from the configuration too, and rejects a bad value", async () => {
    const r = await cli(["run", config("fromconfig", { maxEvents: 1200 }), "--workers", "0", "--quiet"]);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(readFileSync(path.join(dir, "fromconfig", "lim_report.json"), "utf8")) as PipelineReport;
    expect(report.samples.map((s) => s.eventsRead)).toEqual([1200, 1200]);
    for (const bad of ["0", "-3", "1.5", "many"]) {
      const u = await cli(["run", config("bad"), `--max-events=${bad}`]);
      expect(u.code).toBe(2);
      expect(u.err).toContain(`--max-events must be a positive integer, got "${bad}"`);
    }
    const s = await cli(["run", config("bad"), "--max-events", "10", "--shard", "0/2"]);
    expect(s.code).toBe(2);
    expect(s.err).toContain("for shards set maxEvents in the configuration");
  });
});

describe("sxflow run --dry-run", () => {
  it("prints files, tasks, branches and outputs, reads no event and writes nothing", async () => {
    const r = await cli(["run", config("dry"), "--dry-run", "--max-events", "2500"]);
    expect(r.code, r.err).toBe(0);
    expect(existsSync(path.join(dir, "dry"))).toBe(false);
    expect(r.out).toContain("limited to the first 2,500 events of each sample");
    expect(r.out).toContain('  ttbar (class 0 "ttbar"): 1 file(s), 3 task(s), 2,500 entries\n');
    expect(r.out).toContain(`    ${TTBAR} (5,000 entries)\n`);
    expect(r.out).toContain('  wjets (class 1 "wjets"): 1 file(s) (1 more not needed), 3 task(s), 2,500 entries\n');
    expect(r.out).toContain("branches read (4): eventNumber, jet_pt_NOSYS, met_met_NOSYS, runNumber\n");
    for (const f of ["lim_train.h5", "lim_val.h5", "lim_test.h5", "norm_dict.yaml", "class_dict.yaml", "lim_report.json"]) {
      expect(r.out).toContain(`  ${path.join(dir, "dry", f)}\n`);
    }
  });

  it("shows each ServiceX sample's request and query without contacting any server", async () => {
    const file = config("dry-sx", {
      samples: [
        { name: "ttbar", label: 0, files: [TTBAR] },
        { name: "remote", label: 1, servicex: { dataset: "user.someone:user.someone.wjets.v1", endpoint: "no-such-endpoint", nFiles: 2 } },
      ],
      cuts: ["met_met_NOSYS > 20000"],
    });
    const r = await cli(["run", file, "--dry-run"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('  remote (class 1 "remote"): from ServiceX, 1 request(s), files known once fetched\n');
    expect(r.out).toContain('    remote: "user.someone:user.someone.wjets.v1" via no-such-endpoint (download, NFiles 2)\n');
    expect(r.out).toContain(
      '    query (UprootRaw): [{"treename":"reco","filter_name":["eventNumber","jet_pt_NOSYS","met_met_NOSYS","runNumber"],"cut":"met_met_NOSYS > 20000"}]\n',
    );
    expect(existsSync(path.join(dir, "dry-sx"))).toBe(false);
  });

  it("fails like the run on an unreadable input, naming it", async () => {
    const r = await cli(["run", config("dry-full"), "--dry-run"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read ${BROKEN}`);
    const s = await cli(["run", config("dry-full"), "--dry-run", "--shard", "1/2"]);
    expect(s.code).toBe(2);
  });
});
