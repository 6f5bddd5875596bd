import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { Field, Float16, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, Float32 } from "apache-arrow";
import { Table as WasmTable, writeParquet as wasmWriteParquet } from "parquet-wasm";
import { concatBatches, sliceBatch, type Batch, type JaggedColumn } from "../../src/batch/index.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { detectFormat } from "../../src/sources/index.js";
import { FIXTURES_DIR, ROOT_FIXTURES } from "../shared-data.js";
import { treesFromFooter } from "../../src/parquet/tree-stats.js";
import { readFooter } from "../../src/parquet/footer.js";
import { serviceXStyleFile, tempDir } from "./helpers.js";

const dir = tempDir("parquet-reader");

/** The Thrift-encoded footer of a Parquet file. */
function footerBytes(file: string): Uint8Array {
  const bytes = readFileSync(file);
  const length = bytes.readUInt32LE(bytes.length - 8);
  return new Uint8Array(bytes.subarray(bytes.length - 8 - length, bytes.length - 8));
}

/** `n` events with every column kind, values derived from `base` so slices are recognisable. */
function events(n: number, base: number): Batch {
  const jetOffsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) jetOffsets[i + 1] = jetOffsets[i]! + ((base + i) % 4);
  const jets = jetOffsets[n]!;
  const hitOffsets = new Int32Array(jets + 1);
  for (let i = 0; i < jets; i++) hitOffsets[i + 1] = hitOffsets[i]! + (i % 3);
  return {
    length: n,
    columns: {
      eventNumber: { kind: "flat", values: BigUint64Array.from({ length: n }, (_, i) => 2n ** 32n + BigInt(base + i)) },
      weight: { kind: "flat", values: Float64Array.from({ length: n }, (_, i) => (base + i) / 7) },
      flag: { kind: "flat", values: Uint8Array.from({ length: n }, (_, i) => (base + i) % 2), elementType: "bool" },
      fixed: { kind: "flat", values: Float32Array.from({ length: 3 * n }, (_, i) => base + i), shape: [3] },
      jet_pt: { kind: "jagged", offsets: jetOffsets, values: Float32Array.from({ length: jets }, (_, i) => 25000 + base + i) },
      jet_tag: { kind: "jagged", offsets: jetOffsets, values: Int8Array.from({ length: jets }, (_, i) => i % 2) },
      jet_hits: {
        kind: "jagged",
        offsets: jetOffsets,
        values: { kind: "jagged", offsets: hitOffsets, values: Int32Array.from({ length: hitOffsets[jets]! }, (_, i) => i) },
      },
    },
  };
}

const ALL = ["eventNumber", "weight", "flag", "fixed", "jet_pt", "jet_tag", "jet_hits"];

async function collect(it: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe("openParquet on a file written by writeParquet", () => {
  const file = path.join(dir, "events.parquet");
  const source = concatBatches([events(700, 0), events(650, 700)]);

  it("describes branches, entries and row-group clusters", async () => {
    await writeParquet(file, [events(700, 0), events(650, 700)], { rowGroupSize: 500 });
    const r = await openParquet(file);
    expect(r.entries).toBe(1350);
    expect(r.clusters()).toEqual([
      { start: 0, stop: 500 },
      { start: 500, stop: 1000 },
      { start: 1000, stop: 1350 },
    ]);
    expect(r.trees).toEqual([]);
    expect(r.branches).toEqual([
      { name: "eventNumber", type: "uint64", kind: "flat", elementType: "uint64" },
      { name: "weight", type: "float64", kind: "flat", elementType: "float64" },
      { name: "flag", type: "bool", kind: "flat", elementType: "bool" },
      { name: "fixed", type: "fixed_size_list<float32>[3]", kind: "fixed", elementType: "float32", shape: [3] },
      { name: "jet_pt", type: "large_list<float32>", kind: "jagged", elementType: "float32", depth: 1 },
      { name: "jet_tag", type: "large_list<int8>", kind: "jagged", elementType: "int8", depth: 1 },
      { name: "jet_hits", type: "large_list<large_list<int32>>", kind: "jagged", elementType: "int32", depth: 2 },
    ]);
    r.close();
  });

  it("reads every value back, one batch per row group by default", async () => {
    const r = await openParquet(file);
    const batches = await collect(r.iterate({ branches: ALL }));
    expect(batches.map((b) => b.length)).toEqual([500, 500, 350]);
    expect(concatBatches(batches)).toEqual(source);
    expect(await r.read(ALL)).toEqual(source);
  });

  it("reads entry ranges across row-group boundaries with a step, in the requested column order", async () => {
    const r = await openParquet(file);
    const batches = await collect(r.iterate({ branches: ["jet_hits", "eventNumber"], entryStart: 123, entryStop: 1234, stepEntries: 300 }));
    expect(batches.every((b) => b.length <= 300)).toBe(true);
    const got = concatBatches(batches);
    expect(Object.keys(got.columns)).toEqual(["jet_hits", "eventNumber"]);
    const want = sliceBatch(source, 123, 1234);
    expect(got.columns.eventNumber).toEqual(want.columns.eventNumber);
    expect(got.columns.jet_hits).toEqual(want.columns.jet_hits);
    expect(await r.read(["weight"], 1000, 1000)).toEqual({ length: 0, columns: { weight: { kind: "flat", values: new Float64Array(0) } } });
    expect((await r.read([], 10, 20)).length).toBe(10);
  });

  it("rejects bad entry ranges and step sizes", async () => {
    const r = await openParquet(file);
    await expect(collect(r.iterate({ branches: ["weight"], entryStart: 10, entryStop: 2000 }))).rejects.toThrow(
      /entry range \[10, 2000\) outside \[0, 1350\)/,
    );
    await expect(collect(r.iterate({ branches: ["weight"], stepEntries: 0 }))).rejects.toThrow(/stepEntries must be a positive integer/);
  });

  it("names unknown columns with close matches", async () => {
    const r = await openParquet(file);
    await expect(r.read(["jet_ptt"])).rejects.toThrow(`${file}: unknown column "jet_ptt"; did you mean "jet_pt"?`);
    await expect(r.read(["weights", "jet_pt"])).rejects.toThrow(/unknown column "weights"; did you mean "weight"\?/);
  });
});

describe("ServiceX-style files with a treename column", () => {
  const file = path.join(dir, "trees.parquet");
  const reco = events(40, 0);
  const truth = events(25, 1000);
  const reco2 = events(30, 2000);

  it("lists the trees and reads the rows of one tree", async () => {
    writeFileSync(file, serviceXStyleFile([{ tree: "reco", batch: reco }, { tree: "truth", batch: truth }, { tree: "reco", batch: reco2 }]));
    const all = await openParquet(file);
    expect(all.trees).toEqual([
      { name: "reco", entries: 70 },
      { name: "truth", entries: 25 },
    ]);
    expect(all.entries).toBe(95);
    // Groups of 40 rows: the second mixes trees, so its statistics cannot tell and the reader read its names.
    expect(treesFromFooter(readFooter(footerBytes(file), file), "treename")).toEqual(["reco", undefined, "reco"]);
    expect(all.branches.map((b) => b.name)).toEqual(ALL);
    await expect(all.read(["treename"])).rejects.toThrow(/"treename" is a string column; select rows of one tree/);

    const r = await openParquet(file, { tree: "reco" });
    expect(r.entries).toBe(70);
    expect(await r.read(ALL)).toEqual(concatBatches([reco, reco2]));
    // Entries 35..45 of tree "reco" straddle the "truth" rows in the file.
    const across = sliceBatch(concatBatches([reco, reco2]), 35, 45);
    expect(await r.read(["jet_pt"], 35, 45)).toEqual({ length: 10, columns: { jet_pt: across.columns.jet_pt } });
    const clusters = r.clusters();
    expect(clusters[0]!.start).toBe(0);
    expect(clusters[clusters.length - 1]!.stop).toBe(70);

    const t = await openParquet(file, { tree: "truth" });
    expect(await t.read(ALL)).toEqual(truth);
  });

  it("skips the row groups of other trees (one tree per row group, as ServiceX writes)", async () => {
    const grouped = path.join(dir, "grouped.parquet");
    const a = events(30, 0);
    const b = events(30, 500);
    const c = events(30, 900);
    writeFileSync(grouped, serviceXStyleFile([{ tree: "reco", batch: a }, { tree: "truth", batch: b }, { tree: "reco", batch: c }], 30));
    const r = await openParquet(grouped, { tree: "reco" });
    expect(r.rowGroups).toEqual([
      { start: 0, stop: 30 },
      { start: 30, stop: 60 },
      { start: 60, stop: 90 },
    ]);
    expect(r.clusters()).toEqual([
      { start: 0, stop: 30 },
      { start: 30, stop: 60 },
    ]);
    expect(await r.read(ALL, 10, 50)).toEqual(sliceBatch(concatBatches([a, c]), 10, 50));
    // The footer statistics name each group's tree, so opening reads no tree names.
    const footer = footerBytes(grouped);
    expect(treesFromFooter(readFooter(footer, grouped), "treename")).toEqual(["reco", "truth", "reco"]);
    expect(treesFromFooter(readFooter(footer, grouped), "no_such_column")).toEqual([undefined, undefined, undefined]);
    expect(() => readFooter(footer.subarray(0, footer.length - 40), grouped)).toThrow(
      new RegExp(`^${grouped}: corrupt footer \\((unexpected end|length \\d+ beyond the footer) at byte \\d+ of ${footer.length - 40}\\)$`),
    );
    const steps = await collect(r.iterate({ branches: ["weight"], stepEntries: 7 }));
    expect(steps.map((s) => s.length)).toEqual([7, 7, 7, 7, 2, 7, 7, 7, 7, 2]);
    expect(concatBatches(steps).columns.weight).toEqual(concatBatches([a, c]).columns.weight);
  });

  it("reopens with the tree runs of an earlier open instead of scanning the tree column again", async () => {
    const first = await openParquet(file);
    expect(first.treeRuns).toEqual([
      { name: "reco", rows: 40 },
      { name: "truth", rows: 25 },
      { name: "reco", rows: 30 },
    ]);
    const again = await openParquet(file, { tree: "reco", treeRuns: first.treeRuns });
    expect(again.entries).toBe(70);
    expect(await again.read(ALL)).toEqual(concatBatches([reco, reco2]));
    // Runs that do not add up to the file's rows belong to another file: refused, not trusted.
    await expect(openParquet(file, { tree: "reco", treeRuns: [{ name: "reco", rows: 94 }] })).rejects.toThrow(
      `${file}: the tree runs given cover 94 rows, the file has 95; was the file replaced?`,
    );
  });

  it("rejects an unknown tree, suggesting the known ones", async () => {
    await expect(openParquet(file, { tree: "rec" })).rejects.toThrow(
      `${file}: no rows of tree "rec" (trees: "reco", "truth"); did you mean "reco"?`,
    );
    const plain = path.join(dir, "plain.parquet");
    await writeParquet(plain, [events(5, 0)]);
    await expect(openParquet(plain, { tree: "reco" })).rejects.toThrow(/no "treename" column, so tree "reco" cannot be selected/);
  });
});

describe("bad files", () => {
  it("reports a missing file", async () => {
    const missing = path.join(dir, "nope.parquet");
    await expect(openParquet(missing)).rejects.toThrow(`Parquet file not found: ${missing}`);
  });

  it("reports a directory", async () => {
    await expect(openParquet(dir)).rejects.toThrow(`${dir} is not a Parquet file: not a regular file`);
    await expect(detectFormat(dir)).rejects.toThrow(`cannot read ${dir}: EISDIR`);
  });

  it("reports a file that is not Parquet", async () => {
    const text = path.join(dir, "text.parquet");
    writeFileSync(text, "event,pt\n1,2\n");
    await expect(openParquet(text)).rejects.toThrow(`${text} is not a Parquet file: it does not start with "PAR1"`);
  });

  it("says so when handed a ROOT file", async () => {
    const root = path.join(ROOT_FIXTURES, "uproot-HZZ.root");
    await expect(openParquet(root)).rejects.toThrow(/is not a Parquet file.*\(it is a ROOT file\)/);
  });

  it("reports a truncated file and a corrupt footer", async () => {
    const full = readFileSync(path.join(FIXTURES_DIR, "topcp", "wjets.parquet"));
    const cut = path.join(dir, "cut.parquet");
    writeFileSync(cut, full.subarray(0, Math.floor(full.length / 2)));
    await expect(openParquet(cut)).rejects.toThrow(`${cut}: truncated Parquet file (no "PAR1" at the end`);
    const corrupt = path.join(dir, "corrupt.parquet");
    const bytes = Uint8Array.from(full);
    new DataView(bytes.buffer).setUint32(bytes.length - 8, bytes.length, true);
    writeFileSync(corrupt, bytes);
    await expect(openParquet(corrupt)).rejects.toThrow(/corrupt Parquet footer \(metadata length \d+ for a file of \d+ bytes\)/);
    const garbled = path.join(dir, "garbled.parquet");
    const g = Uint8Array.from(full);
    const footer = new DataView(g.buffer).getUint32(g.length - 8, true);
    g.fill(0xff, g.length - 8 - footer, g.length - 8);
    writeFileSync(garbled, g);
    await expect(openParquet(garbled)).rejects.toThrow(`${garbled}: cannot read the Parquet metadata`);
  });

  it("lists columns of unsupported types and refuses to read them", async () => {
    const file = path.join(dir, "half.parquet");
    const half = makeData({ type: new Float16(), length: 2, data: new Uint16Array([0x3c00, 0x4000]) });
    const single = makeData({ type: new Float32(), length: 2, data: new Float32Array([1, 2]) });
    const fields = [new Field("h", new Float16(), false), new Field("x", new Float32(), false)];
    const rb = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 2, children: [half, single] }));
    writeFileSync(file, wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(rb), "stream"))));
    const r = await openParquet(file);
    expect(r.branches.map((b) => b.name)).toEqual(["x"]);
    expect(r.unsupported).toEqual([{ name: "h", type: "float16", reason: "Arrow type float16 cannot be held in an sxflow batch" }]);
    await expect(r.read(["h"])).rejects.toThrow(`${file}: column "h" has type float16: Arrow type float16 cannot be held in an sxflow batch`);
    expect(await r.read(["x"])).toEqual({ length: 2, columns: { x: { kind: "flat", values: new Float32Array([1, 2]) } } });
  });
});

describe("detectFormat", () => {
  it("recognises Parquet and rejects other content", async () => {
    expect(await detectFormat(path.join(FIXTURES_DIR, "topcp", "ttbar.parquet"))).toBe("parquet");
    const odd = path.join(dir, "odd.root");
    writeFileSync(odd, "PK\x03\x04zip");
    await expect(detectFormat(odd)).rejects.toThrow(`${odd}: neither a ROOT nor a Parquet file (starts with bytes [50 4b 03 04]`);
    await expect(detectFormat(path.join(dir, "missing"))).rejects.toThrow(/cannot open .*missing: ENOENT/);
  });

  it("recognises ROOT files whatever their name", async () => {
    const renamed = path.join(dir, "really-root.parquet");
    copyFileSync(path.join(ROOT_FIXTURES, "uproot-HZZ.root"), renamed);
    expect(await detectFormat(renamed)).toBe("root");
  });
});

describe("jagged offsets from the file", () => {
  it("are Int32 whatever the list width on disk", async () => {
    const file = path.join(dir, "narrow.parquet");
    await writeParquet(file, [events(10, 0)], { largeList: false });
    const r = await openParquet(file);
    expect(r.branches.find((b) => b.name === "jet_pt")!.type).toBe("list<float32>");
    const col = (await r.read(["jet_pt"])).columns.jet_pt as JaggedColumn;
    expect(col.offsets).toBeInstanceOf(Int32Array);
    expect(col).toEqual(events(10, 0).columns.jet_pt);
  });
});
