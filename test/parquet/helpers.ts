import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll } from "vitest";
import { Field, makeData, RecordBatch, Schema, Struct, Table, tableToIPC, vectorFromArray, LargeUtf8 } from "apache-arrow";
import { Compression, Table as WasmTable, WriterPropertiesBuilder, writeParquet as wasmWriteParquet } from "parquet-wasm";
import { batchToArrow } from "../../src/batch/arrow.js";
import type { Batch } from "../../src/batch/types.js";

/** A fresh temporary directory, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `sxflow-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Parquet bytes written straight through parquet-wasm (not sxflow's writer), one row group per
 * part, each part tagged with its tree name the way ServiceX does when it merges trees.
 */
export function serviceXStyleFile(parts: { tree: string; batch: Batch }[]): Uint8Array {
  const batches = parts.map(({ tree, batch }) => {
    const rb = batchToArrow(batch, { largeList: true });
    const names = vectorFromArray(new Array<string>(batch.length).fill(tree), new LargeUtf8());
    const fields = [...rb.schema.fields, new Field("treename", new LargeUtf8(), false)];
    const children = [...rb.data.children, names.data[0]!];
    return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.length, children }));
  });
  const largest = Math.max(...parts.map((p) => p.batch.length));
  const props = new WriterPropertiesBuilder().setCompression(Compression.SNAPPY).setMaxRowGroupSize(largest).build();
  return wasmWriteParquet(WasmTable.fromIPCStream(tableToIPC(new Table(batches), "stream")), props);
}
