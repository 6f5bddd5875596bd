import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadRunConfig, RunConfigError } from "../../src/config/index.js";
import { materialiseSamples, neededBranches, SampleDeliveryError, sampleQuery } from "../../src/sources/index.js";
import { openRoot } from "../../src/root/index.js";
import { type Env, setup } from "../servicex/helpers.js";
import { FIXTURES_DIR } from "../shared-data.js";

const DY = path.join(FIXTURES_DIR, "root", "uproot-small-dy-withoffsets.root");
const METADATA = path.join(FIXTURES_DIR, "metadata", "file_metadata_subset.json");
const TTBAR_PARQUET = readFileSync(path.join(FIXTURES_DIR, "topcp", "ttbar.parquet"));
const WJETS_PARQUET = readFileSync(path.join(FIXTURES_DIR, "topcp", "wjets.parquet"));

let dir: string;
let env: Env | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "sxflow-sources-"));
});
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function load(config: Record<string, unknown>): Promise<Awaited<ReturnType<typeof loadRunConfig>>> {
  const file = path.join(dir, "run.yaml");
  writeFileSync(file, stringify(config));
  return loadRunConfig(file);
}

async function issuesOf(config: Record<string, unknown>): Promise<string[]> {
  try {
    await load(config);
  } catch (err) {
    if (err instanceof RunConfigError) return err.issues;
    throw err;
  }
  throw new Error("configuration was accepted");
}

/** A run on the small Drell-Yan fixture: muons padded to 2 per event, events with two muons or more. */
function dyConfig(samples: unknown[]): Record<string, unknown> {
  return {
    tree: "tree",
    samples,
    cuts: ["nMuon >= 2"],
    aliases: { lead: "max(Muon_pt)", twice: "2 * lead" },
    objects: {
      event: { global: true, fields: { met: "MET_pt", lead: "twice / 2" } },
      muon: { max: 2, sort: "Muon_pt", fields: { pt: "Muon_pt", q: "Muon_charge" } },
    },
    split: { by: ["event"], fractions: { train: 0.8, val: 0.1, test: 0.1 } },
    output: { dir: "out", name: "dy" },
  };
}

/** A TopCP-like run whose ttbar sample is a metadata category and wjets a rucio dataset. */
function topcpConfig(samples: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    tree: "reco",
    metadata: METADATA,
    samples,
    cuts: ["njet >= 4", "met_met_NOSYS > 20000"],
    aliases: { njet: "num(jet_pt_NOSYS[jet_pt_NOSYS > 25000])", ht: "sum(jet_pt_NOSYS)" },
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS", ht: "ht" } },
      jet: { max: 6, sort: "jet_pt_NOSYS", select: "abs(jet_eta) < 2.5", fields: { pt: "jet_pt_NOSYS", btag: "jet_GN2v01_FixedCutBEff_77_select" } },
    },
    split: { by: ["runNumber", "eventNumber"], fractions: { train: 0.7, val: 0.1, test: 0.2 } },
    output: { dir: "out", name: "topcp" },
    ...extra,
  };
}

function readBack(file: string): { columns: string[]; nMuon: number[]; event: bigint[] } {
  const t = tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
  return {
    columns: t.schema.fields.map((f) => f.name).sort(),
    nMuon: Array.from(t.getChild("nMuon")!.toArray() as Uint32Array),
    event: Array.from(t.getChild("event")!.toArray() as BigUint64Array),
  };
}

describe("run config sample sources", () => {
  it("derives the branch list and the query from the config's expressions", async () => {
    const config = await load(topcpConfig([{ name: "ttbar", label: 0, category: { name: "ttbar_nom" } }]));
    expect(neededBranches(config)).toEqual([
      "eventNumber",
      "jet_GN2v01_FixedCutBEff_77_select",
      "jet_eta",
      "jet_pt_NOSYS",
      "met_met_NOSYS",
      "runNumber",
    ]);
    expect(sampleQuery(config)).toEqual({
      tree: "reco",
      branches: neededBranches(config),
      cuts: ["njet >= 4", "met_met_NOSYS > 20000"],
      aliases: { njet: "num(jet_pt_NOSYS[jet_pt_NOSYS > 25000])" },
    });
  });

  it("resolves a category to its rucio datasets without any network access", async () => {
    const config = await load(
      topcpConfig([
        { name: "ttbar", label: 0, category: { name: "ttbar_nom", nFiles: 1 } },
        { name: "wjets", label: 1, category: { name: "wjets", campaigns: ["mc20a"] } },
      ]),
    );
    expect(config.metadata).toBe(METADATA);
    const [ttbar, wjets] = config.samples;
    expect(ttbar!.files).toEqual([]);
    expect(ttbar!.servicex).toEqual({
      from: "category",
      category: "ttbar_nom",
      nFiles: 1,
      datasets: [
        { key: "ttbar_nom_601229_mc23a", dataset: "user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output" },
        { key: "ttbar_nom_601230_mc23a", dataset: "user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output" },
      ],
    });
    expect(wjets!.servicex!.datasets.map((d) => d.key)).toEqual(["wjets_700344_mc20a"]);
  });

  it("names the config path of every bad source", async () => {
    const issues = await issuesOf({
      ...topcpConfig([
        { name: "a", label: 0, files: ["x.root"], servicex: { dataset: "user.x:y" } },
        { name: "b", label: 0 },
        { name: "c", label: 1, servicex: { dataset: "no_scope_here" } },
        { name: "d", label: 1, category: { name: "ttbar_nomm" } },
        { name: "e", label: 1, servicex: { dataset: { fileList: ["nothing/*.root"] }, endpoint: "local" } },
        { name: "f", label: 1, servicex: { dataset: "user.x:y", nfiles: 2 } },
      ]),
    });
    expect(issues).toEqual([
      "config.samples[0]: give exactly one source of files: files, servicex, category (found files and servicex)",
      "config.samples[1]: give exactly one source of files: files, servicex, category",
      expect.stringMatching(/^config\.samples\[5\]\.servicex: unknown key "nfiles"; did you mean "nFiles"\?/),
    ]);
    const later = await issuesOf(
      topcpConfig([
        { name: "c", label: 0, servicex: { dataset: "no_scope_here" } },
        { name: "d", label: 1, category: { name: "ttbar_nomm" } },
        { name: "e", label: 1, servicex: { dataset: { fileList: ["nothing/*.root"] }, endpoint: "local" } },
      ]),
    );
    expect(later).toEqual([
      'config.samples[0].servicex.dataset: Rucio dataset "no_scope_here" needs a scope: write it as scope:name',
      expect.stringMatching(/^config\.samples\[1\]\.category: unknown category "ttbar_nomm" in .*file_metadata_subset\.json; its categories are: .*ttbar_nom/),
      `config.samples[2].servicex.dataset.fileList[0] (sample "e"): no file matches "nothing/*.root" (relative to ${dir})`,
    ]);
    const { metadata: _, ...noMetadata } = topcpConfig([{ name: "d", label: 0, category: { name: "ttbar_nom" } }]);
    expect(await issuesOf(noMetadata)).toEqual([
      'config.samples[0].category: a category sample needs the top-level "metadata" (path of file_metadata.json or .json.gz)',
    ]);
  });

  it("delivers a local file list through the local backend, with the run's branches and cuts", async () => {
    const copy = path.join(dir, "dy_copy.root");
    writeFileSync(copy, readFileSync(DY));
    const config = await load(
      dyConfig([
        { name: "remote", label: 0, servicex: { dataset: { fileList: ["dy_*.root"] }, endpoint: "local" } },
        { name: "plain", label: 1, files: [DY] },
      ]),
    );
    expect(config.samples[0]!.servicex!.datasets[0]!.dataset).toEqual({ fileList: [copy] });
    // No servicex.yaml anywhere near: `endpoint: local` needs none.
    const done = await materialiseSamples(config, { cwd: dir, cacheDir: path.join(dir, "cache"), pollIntervalMs: 5, progress: false });
    expect(done.samples[1]).toEqual(config.samples[1]);
    const [file, ...more] = done.samples[0]!.files;
    expect(more).toEqual([]);
    expect(file!.format).toBe("parquet");
    const got = readBack(file!.path);
    expect(got.columns).toEqual(["MET_pt", "Muon_charge", "Muon_pt", "event", "nMuon", "treename"]);

    // The events with two muons or more, read straight from the ROOT file.
    const root = await openRoot(DY);
    const want: bigint[] = [];
    try {
      const tree = await root.tree("tree");
      for await (const batch of tree.iterate({ branches: ["nMuon", "event"] })) {
        const n = batch.columns.nMuon!.values as Uint32Array;
        const ev = batch.columns.event!.values as BigUint64Array;
        for (let i = 0; i < batch.length; i++) if (n[i]! >= 2) want.push(ev[i]!);
      }
    } finally {
      await root.close();
    }
    expect(want.length).toBeGreaterThan(0);
    expect(got.event).toEqual(want);
    expect(got.nMuon.every((n) => n >= 2)).toBe(true);
  });

  it("fetches a rucio dataset and a metadata category through a ServiceX server", async () => {
    env = await setup();
    const server = env.server;
    const ttbarDids = [
      "rucio://user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
      "rucio://user.alheld:user.alheld.601230.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output",
    ];
    ttbarDids.forEach((did, i) => {
      const inputs = [`root://eos.example.org//ttbar/${i}/a.root`, `root://eos.example.org//ttbar/${i}/b.root`];
      inputs.forEach((input, j) => {
        server.inputs.set(input, j === 0 ? TTBAR_PARQUET : WJETS_PARQUET);
      });
      server.datasets.set(did, { inputs });
    });
    server.inputs.set("root://eos.example.org//wjets/w.root", WJETS_PARQUET);
    server.datasets.set("rucio://user.test:user.test.wjets.v1", { inputs: ["root://eos.example.org//wjets/w.root"] });

    const config = await load(
      topcpConfig([
        { name: "ttbar", label: 0, category: { name: "ttbar_nom", nFiles: 1 } },
        { name: "wjets", label: 1, servicex: { dataset: "user.test:user.test.wjets.v1" } },
      ]),
    );
    const done = await materialiseSamples(config, env.opts);

    const requests = [...server.requests.values()];
    expect(requests.map((r) => r.did).sort()).toEqual([...ttbarDids.map((d) => `${d}?files=1`), "rucio://user.test:user.test.wjets.v1"].sort());
    for (const r of requests) {
      expect(r.codegen).toBe("uproot-raw");
      expect(r.resultFormat).toBe("parquet");
      expect(JSON.parse(r.selection)).toEqual([
        {
          treename: "reco",
          filter_name: neededBranches(config),
          cut: "(njet >= 4) & (met_met_NOSYS > 20000)",
          aliases: { njet: "num(jet_pt_NOSYS[jet_pt_NOSYS > 25000])" },
        },
      ]);
    }
    const [ttbar, wjets] = done.samples;
    // One file per dataset (nFiles: 1): the first input of each, both with the sample's label.
    expect(ttbar!.label).toBe(0);
    expect(ttbar!.files.map((f) => f.format)).toEqual(["parquet", "parquet"]);
    const same = (file: string, bytes: Buffer): boolean => readFileSync(file).equals(bytes);
    expect(ttbar!.files.map((f) => same(f.path, TTBAR_PARQUET))).toEqual([true, true]);
    expect(wjets!.files.map((f) => same(f.path, WJETS_PARQUET))).toEqual([true]);
    expect(done.samples.map((s) => s.patterns)).toEqual(config.samples.map((s) => s.patterns));
  });

  it("names the sample and dataset that failed", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.alheld:user.alheld.601229.PhPy8EG.DAOD_PHYSLITE.e8514_s4162_r15540_p6697.IC-v1_output", {
      inputs: [],
      badDataset: "does_not_exist",
    });
    const config = await load(topcpConfig([{ name: "ttbar", label: 0, category: { name: "ttbar_nom", dsids: [601229] } }]));
    const err = await materialiseSamples(config, env.opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SampleDeliveryError);
    expect((err as SampleDeliveryError).failures).toEqual([
      expect.stringMatching(/^config\.samples\[0\]\.category \(dataset user\.alheld:user\.alheld\.601229\.\S+\) \(sample "ttbar"\): .*bad dataset: Dataset does not exist/),
    ]);
  });
});
