import { existsSync, openAsBlob, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { tableFromIPC, type Schema } from "apache-arrow";
import { Compression, ParquetFile, wasmMemory } from "parquet-wasm";
import type { Batch } from "../../src/batch/index.js";
import { openParquet, writeParquet, writeParquetTrees } from "../../src/parquet/index.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("parquet-writer");

function batch(n: number, start = 0): Batch {
  const offsets = Int32Array.from({ length: n + 1 }, (_, i) => 2 * i);
  const inner = Int32Array.from({ length: 2 * n + 1 }, (_, i) => i);
  return {
    length: n,
    columns: {
      id: { kind: "flat", values: BigInt64Array.from({ length: n }, (_, i) => BigInt(start + i)) },
      pt: { kind: "jagged", offsets, values: Float32Array.from({ length: 2 * n }, (_, i) => start + i) },
      sel: { kind: "jagged", offsets, values: new Uint8Array(2 * n).fill(1), elementType: "bool" },
      hits: { kind: "jagged", offsets, values: { kind: "jagged", offsets: inner, values: new Float64Array(2 * n) } },
    },
  };
}

async function* slowly(parts: Batch[]): AsyncGenerator<Batch> {
  for (const p of parts) {
    await new Promise((r) => setImmediate(r));
    yield p;
  }
}

/** What the file declares, read without going through sxflow's reader. */
async function footer(file: string): Promise<{
  rowGroups: number[];
  paths: string[];
  codecs: Compression[];
  arrowSchema: Schema;
  kv: Map<string, string>;
  createdBy: string | undefined;
}> {
  const f = await ParquetFile.fromFile(await openAsBlob(file));
  const meta = f.metadata();
  const rgs = meta.rowGroups();
  const kv = meta.fileMetadata().keyValueMetadata() as Map<string, string>;
  // ARROW:schema is the base64 IPC schema the writer stored: decode it with apache-arrow
  // itself rather than trusting parquet-rs's Parquet-to-Arrow mapping.
  const ipc = Buffer.from(kv.get("ARROW:schema")!, "base64");
  const arrowSchema = tableFromIPC(ipc).schema;
  const out = {
    rowGroups: rgs.map((r) => r.numRows()),
    paths: rgs[0] ? rgs[0].columns().map((c) => c.columnPath().join(".")) : [],
    codecs: rgs[0] ? rgs[0].columns().map((c) => c.compression()) : [],
    arrowSchema,
    kv,
    createdBy: meta.fileMetadata().createdBy(),
  };
  f.free();
  return out;
}

describe("writeParquet", () => {
  it("writes large_list columns as three-level Parquet lists, zstd, in row groups of the requested size", async () => {
    const file = path.join(dir, "large.parquet");
    const result = await writeParquet(file, slowly([batch(300), batch(450, 300), batch(10, 750)]), {
      rowGroupSize: 256,
      treename: "reco",
      metadata: { origin: "test" },
    });
    expect(result).toEqual({ rows: 760, rowGroups: 3 });
    const f = await footer(file);
    expect(f.rowGroups).toEqual([256, 256, 248]);
    expect(f.paths).toEqual(["id", "pt.list.item", "sel.list.item", "hits.list.item.list.item", "treename"]);
    expect(new Set(f.codecs)).toEqual(new Set([Compression.ZSTD]));
    expect(f.arrowSchema.fields.map((x) => `${x.name}: ${String(x.type)} nullable=${x.nullable}`)).toEqual([
      "id: Int64 nullable=false",
      "pt: LargeList<Float32> nullable=false",
      "sel: LargeList<Bool> nullable=false",
      "hits: LargeList<LargeList<Float64>> nullable=false",
      "treename: LargeUtf8 nullable=false",
    ]);
    expect(f.kv.get("origin")).toBe("test");
    expect(f.createdBy).toMatch(/^sxflow /);
    const r = await openParquet(file, { tree: "reco" });
    const back = await r.read(["id", "pt", "sel", "hits"]);
    expect(back.length).toBe(760);
    expect(Array.from(back.columns.id!.values as BigInt64Array, Number)).toEqual(Array.from({ length: 760 }, (_, i) => i));
  });

  it("writes 32-bit lists and other codecs on request", async () => {
    const file = path.join(dir, "small.parquet");
    await writeParquet(file, [batch(5)], { largeList: false, compression: "snappy" });
    const f = await footer(file);
    expect(f.arrowSchema.fields.map((x) => String(x.type))).toEqual(["Int64", "List<Float32>", "List<Bool>", "List<List<Float64>>"]);
    expect(new Set(f.codecs)).toEqual(new Set([Compression.SNAPPY]));
    const none = path.join(dir, "none.parquet");
    await writeParquet(none, [batch(5)], { compression: "none" });
    expect(new Set((await footer(none)).codecs)).toEqual(new Set([Compression.UNCOMPRESSED]));
  });

  it("writes a schema-only file from an empty batch", async () => {
    const file = path.join(dir, "empty.parquet");
    expect(await writeParquet(file, [batch(0)])).toEqual({ rows: 0, rowGroups: 0 });
    const r = await openParquet(file);
    expect(r.entries).toBe(0);
    expect(r.branches.map((b) => b.type)).toEqual(["int64", "large_list<float32>", "large_list<bool>", "large_list<large_list<float64>>"]);
    expect((await r.read(["hits"])).columns.hits).toEqual({
      kind: "jagged",
      offsets: new Int32Array(1),
      values: { kind: "jagged", offsets: new Int32Array(1), values: new Float64Array(0) },
    });
  });

  it("fails cleanly, leaving neither the file nor a temporary behind", async () => {
    const sub = path.join(dir, "fail");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(sub);
    const file = path.join(sub, "bad.parquet");
    const other: Batch = { length: 2, columns: { id: { kind: "flat", values: new Float32Array(2) } } };
    await expect(writeParquet(file, [batch(3), other], { rowGroupSize: 2 })).rejects.toThrow(
      /writeParquet .*bad\.parquet: batch 1 has other columns than batch 0:\n {2}batch 0: id: int64, pt: float32\[\], sel: bool\[\], hits: float64\[\]\[\]\n {2}batch 1: id: float32/,
    );
    const broken: Batch = { length: 3, columns: { id: { kind: "flat", values: new BigInt64Array(2) } } };
    await expect(writeParquet(file, [broken])).rejects.toThrow(/batch 0: column "id" holds 2 events, batch has 3/);
    await expect(writeParquet(file, [])).rejects.toThrow(/no batches to write/);
    await expect(writeParquet(file, [batch(1)], { rowGroupSize: 0 })).rejects.toThrow(/rowGroupSize must be a positive integer/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(sub)).toEqual([]);
  });

  it("does not accumulate wasm memory row group after row group", async () => {
    const file = path.join(dir, "many.parquet");
    const sizes: number[] = [];
    async function* groups(): AsyncGenerator<Batch> {
      for (let i = 0; i < 40; i++) {
        if (i === 10 || i === 39) sizes.push(wasmMemory().buffer.byteLength);
        yield batch(8192, i * 8192);
      }
    }
    expect(await writeParquet(file, groups(), { rowGroupSize: 8192 })).toEqual({ rows: 40 * 8192, rowGroups: 40 });
    // Each row group decodes to ~0.5 MB in wasm memory; 29 retained ones would add ~15 MB.
    expect(sizes[1]! - sizes[0]!).toBeLessThan(4 << 20);
    expect((await openParquet(file)).entries).toBe(40 * 8192);
  });

  it("replaces an existing file only when the new one is complete", async () => {
    const file = path.join(dir, "replace.parquet");
    await writeParquet(file, [batch(4)]);
    const bad: Batch = { length: 1, columns: { id: { kind: "flat", values: new Float32Array(1) } } };
    await expect(writeParquet(file, [batch(2), bad])).rejects.toThrow();
    expect((await openParquet(file)).entries).toBe(4);
    await writeParquet(file, [batch(9)]);
    expect((await openParquet(file)).entries).toBe(9);
  });
});

describe("writeParquetTrees", () => {
  it("writes several trees through one writer, each row named in the treename column", async () => {
    const file = path.join(dir, "trees.parquet");
    const parts = [
      { tree: "reco", batch: batch(30) },
      { tree: "truth", batch: batch(0) },
      { tree: "truth", batch: batch(12, 100) },
      { tree: "reco", batch: batch(5, 200) },
    ];
    expect((await writeParquetTrees(file, parts)).rows).toBe(47);
    const all = await openParquet(file);
    expect(all.treeRuns).toEqual([
      { name: "reco", rows: 30 },
      { name: "truth", rows: 12 },
      { name: "reco", rows: 5 },
    ]);
    all.close();
    const truth = await openParquet(file, { tree: "truth" });
    const ids = (await truth.read(["id"], 0, truth.entries)).columns.id!.values as BigInt64Array;
    expect(Array.from(ids, Number)).toEqual(Array.from({ length: 12 }, (_, i) => 100 + i));
    truth.close();
  });

  it("refuses a tree whose columns differ, naming both trees, and leaves no file", async () => {
    const file = path.join(dir, "mixed.parquet");
    const other: Batch = { length: 2, columns: { id: { kind: "flat", values: new Float64Array(2) } } };
    await expect(writeParquetTrees(file, [{ tree: "reco", batch: batch(3) }, { tree: "truth", batch: other }])).rejects.toThrow(
      /batch 1 \(tree "truth"\) has other columns than batch 0 \(tree "reco"\)/,
    );
    expect(existsSync(file)).toBe(false);
  });
});
