import { createRequire } from "node:module";
import type { RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { openFileSlices } from "./file-slices.js";
import type { HttpSourceOptions } from "../sources/http-bytes.js";
import { isWasmTrap, trapped } from "./wasm-trap.js";

const require = createRequire(import.meta.url);

/**
 * parquet-wasm loaded once more: an instance of its own, with its own memory. After a trap the
 * thread's instance is in an undefined state and must not decode again.
 */
function freshParquetWasm(): typeof import("parquet-wasm") {
  const id = require.resolve("parquet-wasm");
  const cached = require.cache[id];
  delete require.cache[id];
  try {
    return require(id) as typeof import("parquet-wasm");
  } finally {
    if (cached) require.cache[id] = cached;
    else delete require.cache[id];
  }
}

export interface FaultyColumn {
  rowGroup: number;
  column: string;
  /** What the decoder said. */
  cause: string;
}

/**
 * Finds the column chunk that fails to decode, among `columns` of row groups `rowGroups`, by
 * decoding each alone in a fresh parquet-wasm instance: a stream of several columns that fails
 * does not tell which one did. Runs only after a failure (it costs a module compilation and a
 * second decode). Undefined when each decodes alone.
 */
export async function findFaultyColumn(
  path: string,
  http: HttpSourceOptions | undefined,
  rowGroups: readonly number[],
  columns: readonly string[],
): Promise<FaultyColumn | undefined> {
  const wasm = freshParquetWasm();
  const slices = await openFileSlices(path, http);
  try {
    const file = await wasm.ParquetFile.fromFile(slices as unknown as Blob);
    for (const rowGroup of rowGroups) {
      for (const column of columns) {
        try {
          const stream = await trapped(file.stream({ rowGroups: [rowGroup], columns: [column] }));
          const batches = (stream as AsyncIterable<WasmRecordBatch>)[Symbol.asyncIterator]();
          for (let next = await trapped(batches.next()); !next.done; next = await trapped(batches.next())) next.value.free();
        } catch (error) {
          // After a trap this instance is not used again: the search ends here either way.
          return { rowGroup, column, cause: isWasmTrap(error) ? `WebAssembly ${error.message}` : (error as Error).message };
        }
      }
    }
    file.free();
    return undefined;
  } finally {
    slices.close();
  }
}
