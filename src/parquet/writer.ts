/**
 * Parquet writer from sxflow batches: batches go to parquet-wasm's streaming writer in pieces of
 * at most 16384 events, which closes a row group every `rowGroupSize` rows, so memory holds at
 * most one piece plus one encoded row group whatever the file size.
 */
import { open, rename, unlink } from "node:fs/promises";
import {
  Field,
  LargeUtf8,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  Utf8,
  type Data,
} from "apache-arrow";
import type { Compression, RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { parquetWasm } from "./wasm.js";
import { batchToArrow } from "../batch/arrow.js";
import { sliceBatch, validateBatch } from "../batch/batch.js";
import { leafType } from "../batch/column.js";
import type { Batch, Column } from "../batch/types.js";
import { VERSION } from "../version.js";
import { TREENAME_COLUMN } from "./schema.js";
import { rewriteWriterOutput } from "./output-rewrite.js";

export type ParquetCompression = "zstd" | "snappy" | "gzip" | "lz4" | "brotli" | "none";

export interface WriteParquetOptions {
  /** Codec of every column (default "zstd"). */
  compression?: ParquetCompression;
  /** Rows per row group (default 65536); the last row group may be shorter. */
  rowGroupSize?: number;
  /**
   * Jagged columns as `large_list` (64-bit offsets, the default: what awkward's
   * `to_arrow_table` and therefore ServiceX's uproot-raw transformer write) or `list`.
   */
  largeList?: boolean;
  /**
   * Adds ServiceX's `treename` string column holding this tree name on every row (for several
   * trees in one file, see {@link writeParquetTrees}).
   */
  treename?: string;
  /**
   * Dictionary-encode columns (default false: physics floats rarely repeat, and a failed
   * dictionary costs both size and time).
   */
  dictionary?: boolean;
  /** Extra key-value metadata stored in the file footer. */
  metadata?: Record<string, string>;
  /**
   * Store the CRC-32 of every page in its header (default true), which readers check to detect
   * corrupt pages (see output-rewrite.ts).
   */
  pageChecksums?: boolean;
  /** Data page format: 1 (the default, what pyarrow writes unless asked) or 2. */
  pageVersion?: 1 | 2;
  /**
   * Target bytes of a data page (parquet-wasm's default: 1 MiB). When set, the size is checked
   * every 64 rows (by default every 1024), so that small limits do cut pages.
   */
  pageSize?: number;
}

/** A batch of one tree, for a file holding several trees as ServiceX writes them. */
export interface TreeBatch {
  tree: string;
  batch: Batch;
}

export interface WriteParquetResult {
  rows: number;
  rowGroups: number;
}

/** parquet-wasm's codec for each option. */
function codecs(): Record<ParquetCompression, Compression> {
  const { Compression } = parquetWasm();
  return {
    zstd: Compression.ZSTD,
    snappy: Compression.SNAPPY,
    gzip: Compression.GZIP,
    lz4: Compression.LZ4_RAW,
    brotli: Compression.BROTLI,
    none: Compression.UNCOMPRESSED,
  };
}

const DEFAULT_ROW_GROUP = 65536;
/** Largest batch handed to parquet-wasm at once (see {@link pieces}). */
const PIECE = 16384;

/** A string column holding `value` on each of `length` rows. */
function constantStrings(value: string, length: number, large: boolean): Data {
  const bytes = new TextEncoder().encode(value);
  const values = new Uint8Array(bytes.length * length);
  for (let i = 0; i < length; i++) values.set(bytes, i * bytes.length);
  if (large) {
    const offsets = new BigInt64Array(length + 1);
    for (let i = 0; i <= length; i++) offsets[i] = BigInt(i * bytes.length);
    return makeData({ type: new LargeUtf8(), length, valueOffsets: offsets, data: values, nullCount: 0 } as never);
  }
  const offsets = new Int32Array(length + 1);
  for (let i = 0; i <= length; i++) offsets[i] = i * bytes.length;
  return makeData({ type: new Utf8(), length, valueOffsets: offsets, data: values, nullCount: 0 });
}

/** A batch and the tree name its rows get in the `treename` column (none: no such column). */
interface Part {
  batch: Batch;
  tree: string | undefined;
}

function toRecordBatch({ batch, tree: treename }: Part, options: WriteParquetOptions): RecordBatch {
  const rb = batchToArrow(batch, { largeList: options.largeList ?? true });
  if (treename === undefined) return rb;
  const large = options.largeList ?? true;
  const names = rb.schema.fields;
  const tree = constantStrings(treename, batch.length, large);
  const fields = [...names, new Field(TREENAME_COLUMN, tree.type, false)];
  const children = [...rb.data.children, tree];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: batch.length, children, nullCount: 0 }));
}

function describeColumn(column: Column): string {
  let depth = 0;
  let c: Column = column;
  while (c.kind === "jagged" && !ArrayBuffer.isView(c.values)) {
    depth++;
    c = c.values;
  }
  if (c.kind === "jagged") depth++;
  const shape = c.kind === "flat" && c.shape ? `[${c.shape.join(",")}]` : "";
  return `${c.kind === "string" ? "string" : leafType(column)}${shape}${"[]".repeat(depth)}`;
}

function signature(batch: Batch): string {
  return Object.entries(batch.columns)
    .map(([name, column]) => `${name}: ${describeColumn(column)}`)
    .join(", ");
}

/**
 * Checks a stream of batches and cuts them into pieces of at most `size` events. parquet-wasm's
 * writer closes a row group whenever `rowGroupSize` rows have arrived, splitting batches as
 * needed, so small pieces keep its memory (and ours) small without changing the row groups.
 */
async function* pieces(input: AsyncIterable<Part> | Iterable<Part>, size: number): AsyncGenerator<Part> {
  let index = 0;
  let total = 0;
  let first: { part: Part; signature: string } | undefined;
  for await (const part of input) {
    const { batch, tree } = part;
    try {
      validateBatch(batch);
    } catch (error) {
      throw new Error(`batch ${index}: ${(error as Error).message}`);
    }
    const sig = signature(batch);
    if (!first) first = { part, signature: sig };
    else if (sig !== first.signature) {
      const which = (n: number, t: string | undefined) => (t === undefined ? `batch ${n}` : `batch ${n} (tree "${t}")`);
      throw new Error(
        `${which(index, tree)} has other columns than ${which(0, first.part.tree)}:\n  batch 0: ${first.signature}\n  batch ${index}: ${sig}`,
      );
    }
    index++;
    for (let at = 0; at < batch.length; at += size) {
      yield at === 0 && batch.length <= size ? part : { batch: sliceBatch(batch, at, Math.min(at + size, batch.length)), tree };
    }
    total += batch.length;
  }
  if (!first) throw new Error("no batches to write (at least one batch, possibly empty, gives the schema)");
  // A file without rows still needs the schema, which the first (empty) batch carries.
  if (total === 0) yield first.part;
}

/** Bytes gathered before each file write. */
const WRITE_CHUNK = 4 << 20;

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/**
 * Drains parquet-wasm's output into a file. Its chunks are small (pages and headers, often a
 * few bytes); writing each separately is slow enough that its unbounded output queue grows
 * with the file, so they are coalesced into large writes.
 */
async function writeCoalesced(bytes: AsyncIterable<Uint8Array>, file: string): Promise<void> {
  const handle = await open(file, "w");
  try {
    let parts: Uint8Array[] = [];
    let size = 0;
    for await (const value of bytes) {
      parts.push(value);
      size += value.byteLength;
      if (size >= WRITE_CHUNK) {
        await handle.write(Buffer.concat(parts, size));
        parts = [];
        size = 0;
      }
    }
    if (size > 0) await handle.write(Buffer.concat(parts, size));
  } finally {
    await handle.close();
  }
}

/**
 * Writes batches to a Parquet file, row group by row group, under a temporary name renamed to
 * `path` once complete. Every batch must have the same columns and types.
 */
export async function writeParquet(
  path: string,
  batches: AsyncIterable<Batch> | Iterable<Batch>,
  options: WriteParquetOptions = {},
): Promise<WriteParquetResult> {
  async function* parts(): AsyncGenerator<Part> {
    for await (const batch of batches) yield { batch, tree: options.treename };
  }
  return writeParts(path, parts(), options);
}

/**
 * Writes the batches of several trees into one Parquet file as ServiceX does for a request that
 * reads several trees: one writer, so one schema, and a `treename` column naming each row's
 * tree. Every batch must have the same columns and types whatever its tree.
 */
export async function writeParquetTrees(
  path: string,
  batches: AsyncIterable<TreeBatch> | Iterable<TreeBatch>,
  options: Omit<WriteParquetOptions, "treename"> = {},
): Promise<WriteParquetResult> {
  return writeParts(path, batches, options);
}

async function writeParts(
  path: string,
  batches: AsyncIterable<Part> | Iterable<Part>,
  options: WriteParquetOptions,
): Promise<WriteParquetResult> {
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP;
  if (!Number.isInteger(rowGroupSize) || rowGroupSize < 1) {
    throw new RangeError(`writeParquet ${path}: rowGroupSize must be a positive integer, got ${rowGroupSize}`);
  }
  const codec = codecs()[options.compression ?? "zstd"];
  if (codec === undefined) throw new Error(`writeParquet ${path}: unknown compression "${options.compression}"`);
  let props = new (parquetWasm().WriterPropertiesBuilder)()
    .setCompression(codec)
    .setMaxRowGroupSize(rowGroupSize)
    .setDictionaryEnabled(options.dictionary ?? false)
    .setCreatedBy(`sxflow ${VERSION}`);
  if (options.metadata) props = props.setKeyValueMetadata(new Map(Object.entries(options.metadata)));
  if (options.pageVersion === 2) props = props.setWriterVersion(parquetWasm().WriterVersion.V2);
  if (options.pageSize !== undefined) props = props.setDataPageSizeLimit(options.pageSize).setWriteBatchSize(64);

  const parts = pieces(batches, Math.min(rowGroupSize, PIECE));
  let rows = 0;
  let failure: unknown;
  const source = new ReadableStream<WasmRecordBatch>({
    async pull(controller) {
      try {
        const next = await parts.next();
        if (next.done) {
          controller.close();
          return;
        }
        const rb = toRecordBatch(next.value, options);
        const wasm = parquetWasm().Table.fromIPCStream(tableToIPC(new Table(rb), "stream"));
        for (const b of wasm.recordBatches()) controller.enqueue(b);
        // The enqueued batches share the table's buffers; without an explicit free the table
        // would pin them in wasm memory until a garbage collection that may never come.
        wasm.free();
        rows += rb.numRows;
      } catch (error) {
        failure = error;
        controller.error(error);
      }
    },
  });

  const temp = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const bytes = chunksOf(await parquetWasm().transformParquetStream(source, props.build()));
    await writeCoalesced(rewriteWriterOutput(bytes, path, options.pageChecksums !== false), temp);
    // parquet-wasm ends the file normally when its input stream errors: never keep that file.
    if (failure !== undefined) throw failure;
    await rename(temp, path);
  } catch (error) {
    // Let the caller's generator run its cleanup too.
    await parts.return(undefined).catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    const cause = failure ?? error;
    throw new Error(`writeParquet ${path}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  return { rows, rowGroups: Math.ceil(rows / rowGroupSize) };
}
