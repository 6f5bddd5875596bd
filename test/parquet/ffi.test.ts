import { openAsBlob, writeFileSync } from "node:fs";
import path from "node:path";
import { Field, Float32, Int32, List, makeData, RecordBatch, Schema, Struct, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from "apache-arrow";
import { ParquetFile, Table as WasmTable, writeParquet as wasmWriteParquet, type RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { describe, expect, it } from "vitest";
import { arrowToBatch, concatBatches, type Batch } from "../../src/batch/index.js";
import { ffiToBatch } from "../../src/parquet/ffi.js";
import { openParquet } from "../../src/parquet/index.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { fingerprint, serviceXStyleFile, tempDir } from "./helpers.js";

const dir = tempDir("parquet-ffi");

/** Every batch of a file's columns, converted by `convert` (each stream consumes its wasm batches). */
async function batches(file: string, columns: string[], batchSize: number, convert: (b: WasmRecordBatch) => Batch): Promise<Batch[]> {
  const pf = await ParquetFile.fromFile(await openAsBlob(file));
  const out: Batch[] = [];
  for await (const b of (await pf.stream({ columns, batchSize })) as AsyncIterable<WasmRecordBatch>) out.push(convert(b));
  pf.free();
  return out;
}

/** The same batches through the Arrow IPC route (serialise in wasm, parse with apache-arrow). */
const viaIpc = (columns: string[]) => (b: WasmRecordBatch) => arrowToBatch(tableFromIPC(b.intoIPCStream()).batches[0]!, columns);

describe("ffiToBatch (Arrow C Data Interface out of wasm memory)", () => {
  it("gives the same columns as the IPC route on the TopCP fixture", async () => {
    const file = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
    const r = await openParquet(file, { tree: "reco" });
    const columns = r.branches.map((b) => b.name);
    r.close();
    expect(columns.length).toBeGreaterThan(20);
    for (const size of [1000, 4096]) {
      const a = await batches(file, columns, size, (b) => ffiToBatch(b, columns));
      const b = await batches(file, columns, size, viaIpc(columns));
      expect(a.map((x) => x.length)).toEqual(b.map((x) => x.length));
      a.forEach((x, i) => expect(fingerprint(x)).toEqual(fingerprint(b[i]!)));
    }
  });

  it("reads large_list, list of lists, bool, uint64 and fixed-size columns like the IPC route", async () => {
    const file = path.join(dir, "kinds.parquet");
    const n = 300;
    const offsets = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + (i % 5);
    const inner = new Int32Array(offsets[n]! + 1);
    for (let i = 0; i < offsets[n]!; i++) inner[i + 1] = inner[i]! + (i % 3);
    const batch: Batch = {
      length: n,
      columns: {
        id: { kind: "flat", values: BigUint64Array.from({ length: n }, (_, i) => 2n ** 40n + BigInt(i)) },
        ok: { kind: "flat", values: Uint8Array.from({ length: n }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0), elementType: "bool" },
        fixed: { kind: "flat", values: Float64Array.from({ length: 2 * n }, (_, i) => i / 3), shape: [2] },
        pt: { kind: "jagged", offsets, values: Float32Array.from({ length: offsets[n]! }, (_, i) => i * 1.5) },
        sel: { kind: "jagged", offsets, values: Uint8Array.from({ length: offsets[n]! }, (_, i) => i % 2), elementType: "bool" },
        hits: { kind: "jagged", offsets, values: { kind: "jagged", offsets: inner, values: Int16Array.from({ length: inner[offsets[n]!]! }, (_, i) => i - 100) } },
      },
    };
    writeFileSync(file, serviceXStyleFile([{ tree: "reco", batch }], 128));
    const columns = Object.keys(batch.columns);
    const a = await batches(file, columns, 100, (b) => ffiToBatch(b, columns));
    const b = await batches(file, columns, 100, viaIpc(columns));
    a.forEach((x, i) => expect(fingerprint(x)).toEqual(fingerprint(b[i]!)));
    expect(fingerprint(concatBatches(a))).toEqual(fingerprint(batch));
  });

  it("refuses null values with the column's name, and reads nullable columns that hold none", async () => {
    const file = path.join(dir, "nulls.parquet");
    const withNull = vectorFromArray([1.5, null, 3], new Float32());
    const listType = new List(new Field("item", new Float32(), true));
    const lists = vectorFromArray([[1], [], [2, 3]], listType);
    const fields = [new Field("x", new Float32(), true), new Field("l", listType, true)];
    const rb = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 3, children: [withNull.data[0]!, lists.data[0]!] }));
    writeFileSync(file, wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(rb), "stream"))));
    const r = await openParquet(file);
    await expect(r.read(["x"])).rejects.toThrow(`${file}: column "x": 1 null values; sxflow batches cannot hold nulls`);
    expect(await r.read(["l"])).toEqual({ length: 3, columns: { l: { kind: "jagged", offsets: new Int32Array([0, 1, 1, 3]), values: new Float32Array([1, 2, 3]) } } });
    r.close();
  });

  it("describes the schema from the exported C structs: readable branches (strings included) and unsupported columns by pyarrow-style type", async () => {
    const file = path.join(dir, "schema.parquet");
    const inner = [new Field("a", new Int32(), false)];
    const fields = [
      new Field("pt", new List(new Field("item", new Float32(), false)), false),
      new Field("s", new Utf8(), false),
      new Field("st", new Struct(inner), false),
    ];
    const children = [
      vectorFromArray([[1], [2, 3]], fields[0]!.type).data[0]!,
      vectorFromArray(["x", "y"], new Utf8()).data[0]!,
      makeData({ type: new Struct(inner), length: 2, children: [makeData({ type: new Int32(), length: 2, data: new Int32Array([4, 5]) })] }),
    ];
    const rb = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 2, children }));
    writeFileSync(file, wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(rb), "stream"))));
    const r = await openParquet(file);
    expect(r.branches).toEqual([
      { name: "pt", type: "list<float32>", kind: "jagged", elementType: "float32", depth: 1 },
      { name: "s", type: "string", kind: "flat", elementType: "uint8", strings: true },
    ]);
    expect(r.unsupported).toEqual([
      { name: "st", type: "struct<a: int32>", reason: "Arrow type struct<a: int32> cannot be held in an sxflow batch" },
    ]);
    r.close();
  });
});
