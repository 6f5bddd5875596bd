import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, vectorFromArray, LargeUtf8 } from "apache-arrow";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet as wasmWriteParquet } from "parquet-wasm";
import { batchToArrow } from "../../src/batch/arrow.js";
import type { Batch, Column } from "../../src/batch/types.js";

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `sxflow-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const AWKWARD_EXTENSION: [string, string][] = [
  ["ARROW:extension:name", "awkward"],
  [
    "ARROW:extension:metadata",
    JSON.stringify({ mask_type: "ListOffsetArray", mask_parameters: {}, node_type: "ListOffsetArray", node_parameters: {} }),
  ],
];

/**
 * Parquet bytes written straight through parquet-wasm (not sxflow's writer), one row group per
 * part, each part tagged with its tree name the way ServiceX does when it merges trees.
 */
export function serviceXStyleFile(parts: { tree: string; batch: Batch }[], rowGroupSize?: number): Uint8Array {
  const batches = parts.map(({ tree, batch }) => {
    const rb = batchToArrow(batch, { largeList: true });
    const names = vectorFromArray(new Array<string>(batch.length).fill(tree), new LargeUtf8());
    // awkward's to_arrow_table marks every field as its "awkward" extension type; readers that
    // do not know it must fall back to the storage type.
    const fields = [...rb.schema.fields, new Field("treename", new LargeUtf8(), false)].map(
      (f) => new Field(f.name, f.type, f.nullable, new Map([...AWKWARD_EXTENSION])),
    );
    const children = [...rb.data.children, names.data[0]!];
    return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.length, children }));
  });
  const size = rowGroupSize ?? Math.max(...parts.map((p) => p.batch.length));
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setMaxRowGroupSize(size).build();
  return wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(batches), "stream")), props);
}

function bytesOf(values: ArrayBufferView): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Columns as comparable strings: structure plus a digest of the raw value bytes (fast on large arrays). */
export function fingerprint(batch: Batch): Record<string, string> {
  const out: Record<string, string> = { length: String(batch.length) };
  const describe = (c: Column): string => {
    const head = `${c.kind}/${c.kind === "string" ? "" : (c.elementType ?? "")}/${c.values.constructor.name}`;
    if (c.kind === "flat") return `${head}/${c.shape?.join("x") ?? ""}/${createHash("sha1").update(bytesOf(c.values)).digest("hex")}`;
    const inner = ArrayBuffer.isView(c.values)
      ? createHash("sha1").update(bytesOf(c.values as ArrayBufferView)).digest("hex")
      : describe(c.values as Column);
    return `${head}/${createHash("sha1").update(bytesOf(c.offsets)).digest("hex")}/${inner}`;
  };
  for (const [name, column] of Object.entries(batch.columns)) out[name] = describe(column);
  return out;
}
