import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tableFromIPC } from "apache-arrow";
import { readParquet } from "parquet-wasm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { openParquet } from "../../src/parquet/index.js";
import { DeliverError, type DeliverOptions, type DeliverSpec, deliver } from "../../src/servicex/index.js";
import { nameMatcher } from "../../src/servicex/local/query.js";
import { ROOT_FIXTURES } from "../shared-data.js";

const HZZ = path.join(ROOT_FIXTURES, "uproot-HZZ.root");
const expected = JSON.parse(readFileSync(path.join(ROOT_FIXTURES, "expected.json"), "utf8"))["uproot-HZZ.root"].events.branches;

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
    // The outputs were moved into the cache; nothing is left in the backend's work directories.
    expect(readdirSync(path.join(dir, "cache", ".sxflow", "local"))).toEqual([]);
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
    expect(badCut).toMatch(/uproot-HZZ.root: query \[0\], tree "events": cut: .*NMuonn/);
  });
});

describe("local backend: several trees in one request", () => {
  /** Column names and rows of a parquet file, read back independently of sxflow. */
  function table(file: string): { columns: string[]; rows: number; column: (name: string) => unknown[] } {
    const t = tableFromIPC(readParquet(new Uint8Array(readFileSync(file))).intoIPCStream());
    return {
      columns: t.schema.fields.map((f) => f.name),
      rows: t.numRows,
      column: (name) => Array.from({ length: t.numRows }, (_, i) => t.getChild(name)!.get(i) as unknown),
    };
  }
  const one = async (query: string, file = HZZ): Promise<string[]> => {
    const out = await deliver({ General: { OutputFormat: "parquet" }, Sample: [{ Name: "s", Dataset: { fileList: [file] }, Query: query }] }, opts);
    return out.s;
  };
  const failure = async (query: string, file = HZZ): Promise<string> => {
    const err = await one(query, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliverError);
    return (err as DeliverError).errors.s.message;
  };

  it("writes the sub-queries' trees (object form: input -> output name) into one file, in order, with a treename column", async () => {
    const files = await one(
      JSON.stringify([
        { treename: { events: "two" }, filter_name: ["NMuon", "Muon_Px"], cut: "NMuon >= 2" },
        { treename: { events: "fewer" }, filter_name: ["Muon_Px", "NMuon"], cut: "NMuon < 2" },
      ]),
    );
    expect(files).toHaveLength(1);
    const t = table(files[0]);
    expect(t.columns).toEqual(["NMuon", "Muon_Px", "treename"]);
    const trees = t.column("treename") as string[];
    const nmuon = t.column("NMuon") as number[];
    const two = trees.filter((n) => n === "two").length;
    expect(two).toBeGreaterThan(0);
    // Every row of the first tree, then every row of the second: successive, never interleaved.
    expect(trees).toEqual([...Array<string>(two).fill("two"), ...Array<string>(t.rows - two).fill("fewer")]);
    expect(t.rows).toBe(expected.NMuon.entries);
    expect(nmuon.slice(0, two).every((n) => n >= 2)).toBe(true);
    expect(nmuon.slice(two).every((n) => n < 2)).toBe(true);
    const px = (t.column("Muon_Px") as { length: number }[]).map((l) => l.length);
    expect(px).toEqual(nmuon);
    // sxflow's reader selects the rows of one tree.
    const reader = await openParquet(files[0], { tree: "fewer" });
    expect(reader.entries).toBe(t.rows - two);
    expect(reader.trees).toEqual([
      { name: "two", entries: two },
      { name: "fewer", entries: t.rows - two },
    ]);
    reader.close();
  });

  it("skips missing trees of a list unless fail_on_missing_trees, which names the file and the tree", async () => {
    const t = table((await one(JSON.stringify([{ treename: ["nosuch", "events"], filter_name: "NMuon" }])))[0]);
    expect(t.rows).toBe(expected.NMuon.entries);
    expect(new Set(t.column("treename"))).toEqual(new Set(["events"]));
    expect(await failure(JSON.stringify([{ treename: ["events", "nosuch"], filter_name: "NMuon", fail_on_missing_trees: true }]))).toMatch(
      /uproot-HZZ\.root: no tree "nosuch" \(query \[0\] has fail_on_missing_trees; trees in the file: events\)/,
    );
  });

  it("writes an empty table when no requested tree is in the file, as ServiceX does", async () => {
    const files = await one(JSON.stringify([{ treename: "nosuch", filter_name: "NMuon" }]));
    const t = table(files[0]);
    expect(t.rows).toBe(0);
    expect(t.columns).toEqual([]);
    const reader = await openParquet(files[0]);
    expect(reader.entries).toBe(0);
    expect(reader.branches).toEqual([]);
    reader.close();
  });

  it("gives a tree without entries its columns and no rows", async () => {
    const t = table((await one(JSON.stringify([{ treename: "tree", filter_name: ["x", "y"] }]), path.join(ROOT_FIXTURES, "uproot-empty.root")))[0]);
    expect(t.rows).toBe(0);
    expect(t.columns).toEqual(["x", "y", "treename"]);
  });

  it("refuses trees whose columns differ, naming the trees and the columns", async () => {
    const message = await failure(
      JSON.stringify([
        { treename: { events: "muons" }, filter_name: ["NMuon", "Muon_Px"] },
        { treename: { events: "jets" }, filter_name: ["NMuon", "Jet_Px"] },
      ]),
    );
    expect(message).toContain(
      `uproot-HZZ.root: tree "events" (as "muons") of query [0] and tree "events" (as "jets") of query [1] have different columns, ` +
        `but the trees of a request share one parquet file and its schema: only in the first: Muon_Px; only in the second: Jet_Px`,
    );
    const types = await failure(
      JSON.stringify([
        { treename: { events: "a" }, expressions: ["x"], aliases: { x: "NMuon" } },
        { treename: { events: "b" }, expressions: ["x"], aliases: { x: "Muon_Px" } },
      ]),
    );
    expect(types).toMatch(/\(as "a"\) of query \[0\] and .* \(as "b"\) of query \[1\] have different columns, .*: x is int32 in the first, float32\[\] in the second\)/);
  });

  it("writes only the expressions when a query has them, as uproot's arrays(expressions=...)", async () => {
    const t = table((await one(JSON.stringify([{ treename: "events", filter_name: ["Muon_Px"], expressions: ["NMuon", "NMuon * 2"], cut: "NMuon >= 1" }])))[0]);
    expect(t.columns).toEqual(["NMuon", "NMuon * 2", "treename"]);
    const n = t.column("NMuon") as number[];
    expect(t.column("NMuon * 2")).toEqual(n.map((x) => x * 2));
    expect(n.every((x) => x >= 1)).toBe(true);
  });

  it("refuses ROOT output and copy_histograms at submit, saying what to do", async () => {
    const err = await deliver({ Sample: [{ Name: "s", Dataset: { fileList: [HZZ] }, Query: { tree: "events", branches: ["NMuon"] } }] }, opts).catch((e: unknown) => e);
    expect((err as DeliverError).errors.s.message).toMatch(
      /^the local backend writes parquet only, not root-file \(asked for by General: OutputFormat, whose default is root-ttree\): set General: OutputFormat: parquet, or configure a ServiceX server in servicex.yaml to get ROOT files \(the local backend is used because endpoint "here"/,
    );
    // Refused at submit (the message is the submit's own), not as a failure of every file.
    expect(await failure(JSON.stringify([{ treename: "events" }, { copy_histograms: "h*" }]))).toMatch(
      /^UprootRaw query \[1\]: copy_histograms needs ROOT output, which the local backend cannot write; drop it or use a ServiceX server/,
    );
    expect(await failure(JSON.stringify([{ treename: "events", cut: "sum(Muon_Px) > 0", use_standard_awkward_axis: true }]))).toMatch(
      /^UprootRaw query \[0\]: use_standard_awkward_axis: true is not supported by the local backend, whose reducers work per event/,
    );
  });
});
