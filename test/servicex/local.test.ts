import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DeliverError, type DeliverOptions, type DeliverSpec, deliver } from "../../src/servicex/index.js";
import { nameMatcher } from "../../src/servicex/local-query.js";
import { SHARED_ROOT_DIR } from "../shared-data.js";

const HZZ = path.join(SHARED_ROOT_DIR, "uproot-HZZ.root");
const expected = JSON.parse(readFileSync(path.join(SHARED_ROOT_DIR, "expected.json"), "utf8"))["uproot-HZZ.root"].events.branches;

let dir: string;
let opts: DeliverOptions;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-local-"));
  const configPath = path.join(dir, "servicex.yaml");
  writeFileSync(configPath, `api_endpoints:\n  - name: here\n    endpoint: local\ncache_path: ${path.join(dir, "cache")}\n`);
  opts = { configPath, pollIntervalMs: 5, stallTimeoutMs: 30_000, progress: false };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Reads a parquet file back with parquet-wasm + apache-arrow (independent of sxflow's reader). */
function readBack(file: string): { nmuon: number[]; px: number[][]; treename: string[] } {
  const t = tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
  const px = t.getChild("Muon_Px")!.toArray() as unknown as { toArray(): Float32Array }[];
  return {
    nmuon: Array.from(t.getChild("NMuon")!.toArray() as Int32Array),
    px: Array.from(px, (v) => Array.from(v.toArray())),
    treename: Array.from({ length: t.numRows }, (_, i) => String(t.getChild("treename")!.get(i))),
  };
}

function sample(name: string, cut: string): DeliverSpec["Sample"][number] {
  return { Name: name, Dataset: { fileList: [HZZ] }, Query: { tree: "events", branches: ["NMuon", "Muon_P*"], cuts: [cut] } };
}

describe("local backend (endpoint: local)", () => {
  it("runs UprootRaw queries on local ROOT files and writes ServiceX-style parquet", async () => {
    const out = await deliver({ General: { OutputFormat: "parquet" }, Sample: [sample("two", "NMuon >= 2"), sample("fewer", "NMuon < 2")] }, opts);
    const two = readBack(out.two[0]);
    const fewer = readBack(out.fewer[0]);
    expect(two.nmuon.every((n) => n >= 2)).toBe(true);
    expect(fewer.nmuon.every((n) => n < 2)).toBe(true);
    expect(two.nmuon.length + fewer.nmuon.length).toBe(expected.NMuon.entries);
    expect([...two.px, ...fewer.px].map((l) => l.length)).toEqual([...two.nmuon, ...fewer.nmuon]);
    const sum = [...two.px, ...fewer.px].flat().reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(expected.Muon_Px.sum, 2);
    expect(new Set(two.treename)).toEqual(new Set(["events"]));
    expect(path.basename(out.two[0])).toMatch(/uproot-HZZ\.root\.parquet$/);
    // OutputDirectory: a fileset YAML mapping each sample to its files.
    const fileset = await deliver(
      { General: { OutputFormat: "parquet", OutputDirectory: path.join(dir, "out"), OutFilesetName: "mine" }, Sample: [sample("two", "NMuon >= 2")] },
      opts,
    );
    expect(parseYaml(readFileSync(path.join(dir, "out", "mine.yaml"), "utf8"))).toEqual(fileset);
    // Cached like any request: a second run returns the same files at once.
    expect(await deliver({ General: { OutputFormat: "parquet" }, Sample: [sample("renamed", "NMuon >= 2")] }, opts)).toEqual({ renamed: out.two });
  });

  it("matches filter_name like uproot: exact names, globs and /regex/", () => {
    const names = ["NMuon", "Muon_Px", "Muon_Py", "Muon_Pz", "Jet_Px", "nMuon"];
    const pick = (p: string): string[] => names.filter(nameMatcher(p).test);
    expect(pick("Muon_P*")).toEqual(["Muon_Px", "Muon_Py", "Muon_Pz"]);
    expect(pick("?Muon")).toEqual(["NMuon", "nMuon"]);
    expect(pick("/^(Jet|Muon)_Px$/")).toEqual(["Muon_Px", "Jet_Px"]);
    expect(pick("/muon/i")).toEqual(["NMuon", "Muon_Px", "Muon_Py", "Muon_Pz", "nMuon"]);
    expect(pick("Muon_P.")).toEqual([]);
    expect(nameMatcher("NMuon").exact).toBe(true);
  });

  it("returns the files that worked when asked to accept partial results", async () => {
    const copy = path.join(dir, "events copy.root");
    writeFileSync(copy, readFileSync(HZZ));
    const broken = path.join(dir, "broken.root");
    writeFileSync(broken, readFileSync(HZZ).subarray(0, 5000));
    const s: DeliverSpec = {
      General: { OutputFormat: "parquet" },
      Sample: [{ Name: "s", Dataset: { fileList: [copy, broken] }, Query: { tree: "events", branches: ["NMuon", "Muon_Px"] } }],
    };
    const err = await deliver(s, opts).catch((e: unknown) => e);
    expect((err as DeliverError).errors.s.message).toMatch(/1 of 2 input files failed to transform \(.*broken.root: /);
    const partial = await deliver(s, { ...opts, failIfIncomplete: false });
    expect(partial.s).toHaveLength(1);
    expect(readBack(partial.s[0]).nmuon).toHaveLength(expected.NMuon.entries);
  });

  it("gives clear errors for what it cannot do", async () => {
    const run = async (s: DeliverSpec): Promise<string> => {
      const err = await deliver(s, opts).catch((e: unknown) => e);
      return err instanceof DeliverError ? Object.values(err.errors)[0].message : (err as Error).message;
    };
    const base = sample("s", "NMuon >= 2");
    expect(await run({ General: { OutputFormat: "parquet" }, Sample: [{ ...base, Dataset: "user.a:b" }] })).toMatch(
      /local files only .*rucio:\/\/user.a:b.*needs a ServiceX server \(the local backend is used because endpoint "here" in .*servicex.yaml is "local"\)/,
    );
    expect(await run({ Sample: [base] })).toMatch(/writes parquet only/);
    expect(await run({ General: { OutputFormat: "parquet" }, Sample: [{ ...base, Dataset: { fileList: [path.join(dir, "nope.root")] } }] })).toMatch(
      /local input file .*nope.root does not exist/,
    );
    const typo = await run({ General: { OutputFormat: "parquet" }, Sample: [{ ...base, Query: { tree: "events", branches: ["Muon_Pxx"] } }] });
    expect(typo).toMatch(/1 of 1 input files failed to transform \(.*uproot-HZZ.root: unknown branch "Muon_Pxx" in tree "events"/);
    const badCut = await run({ General: { OutputFormat: "parquet" }, Sample: [{ ...base, Query: { tree: "events", cuts: ["NMuonn > 1"] } }] });
    expect(badCut).toMatch(/uproot-HZZ.root: .*NMuonn/);
  });
});
