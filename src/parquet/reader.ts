/**
 * Streaming Parquet reader. The footer is read once (footer.ts); the branches come from its
 * schema (arrow-fields.ts), and sxflow's own decoder reads the column chunks it supports
 * (own-columns.ts). parquet-wasm is loaded and given the file only when something needs it: a
 * column chunk the own decoder gives back, a schema the derivation is not sure of, tree names the
 * statistics do not tell. It decodes row groups into Arrow record batches, and ffi.ts copies
 * their buffers out of wasm memory through the Arrow C Data Interface straight into sxflow
 * batches. The file is read with positioned reads (file-slices.ts); this module does not load
 * apache-arrow.
 */
import { stat } from "node:fs/promises";
import type { ParquetFile, RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { ffiSchemaFields, ffiStringRuns, ffiToBatch, type FfiField } from "./ffi.js";
import { concatBatches } from "../batch/batch.js";
import { allocate } from "../batch/element-type.js";
import type { Batch, Column, NumericArray } from "../batch/types.js";
import { openFileSlices, type FileSlices } from "./file-slices.js";
import { columnChunkRanges, type ChunkRange } from "./chunk-ranges.js";
import { checkedSlices, type CheckedSlices } from "./checked-slices.js";
import { findFaultyColumn } from "./diagnose.js";
import { isUrl } from "../sources/byte-source.js";
import type { HttpSourceOptions } from "../sources/http-bytes.js";
import { treesFromFooter } from "./tree-stats.js";
import { parquetWasm } from "./wasm.js";
import { isWasmTrap, trapped } from "./wasm-trap.js";
import { describeColumns, TREENAME_COLUMN, type ParquetBranch, type UnsupportedColumn } from "./schema.js";
import { suggestNames } from "../text/close-names.js";
import { fileMeta } from "./metadata.js";
import { readFooter, type Footer } from "./footer.js";
import { deriveArrowFields } from "./arrow-fields.js";
import { OwnColumns, ownedPiece } from "./own-columns.js";

export interface OpenParquetOptions {
  /**
   * Read only the rows of this tree, as named in the `treename` column ServiceX adds when it
   * writes several trees into one file. Entry numbers then count that tree's rows only.
   */
  tree?: string;
  /**
   * The `treeRuns` of an earlier open of the same file. Scanning the tree column decodes one
   * string per row, so a process that opens a file in several threads scans it once and passes
   * the runs on.
   */
  treeRuns?: readonly TreeRun[];
  /** Range-request settings when `path` is an http(s):// URL. */
  http?: HttpSourceOptions;
  /**
   * "parquet-wasm" decodes every column through parquet-wasm, as before sxflow had its own
   * column-chunk decoder (for comparisons; also set by SXFLOW_PARQUET_DECODER=parquet-wasm).
   * Default "auto": sxflow's decoder where it supports the column chunk, parquet-wasm elsewhere.
   */
  decoder?: "auto" | "parquet-wasm";
}

/** Consecutive rows of one tree in the `treename` column. */
export interface TreeRun {
  name: string;
  rows: number;
}

export interface ParquetIterateOptions {
  branches: string[];
  /** First entry to read (default 0). */
  entryStart?: number;
  /** Entry after the last to read (default `entries`). */
  entryStop?: number;
  /**
   * Largest batch to yield (default 16384). Batches never span row groups. parquet-wasm's memory
   * holds each decoded batch while it is copied out, so peak RSS grows with it (measured with the
   * former IPC copy on a 41-column TopCP-like file: 16384 rows ~320 MB, a 131072-row group
   * ~550 MB).
   */
  stepEntries?: number;
}

/** How one column is stored; a list column's leaf chunks are counted once per row group each. */
export interface ColumnStorage {
  compressedBytes: number;
  uncompressedBytes: number;
  chunks: number;
  codecs: string[];
}

/** A half-open entry range [start, stop). */
export interface EntryRange {
  start: number;
  stop: number;
}

export interface ParquetTree {
  name: string;
  entries: number;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const MAGIC = "PAR1";
const DEFAULT_STEP = 16384;

function isMagic(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4; i++) if (bytes[at + i] !== MAGIC.charCodeAt(i)) return false;
  return true;
}

/** Checks that `path` names a regular file, with errors that say so. */
async function checkFile(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error(`${path} is not a Parquet file: not a regular file`);
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new Error(`Parquet file not found: ${path}`);
    throw new Error(`cannot open Parquet file ${path}: ${code ?? message(error)}`);
  }
}

/**
 * Checks the Parquet envelope (head magic, footer magic, footer length) before parquet-wasm sees
 * the file; returns the footer's length.
 */
async function checkEnvelope(path: string, file: FileSlices): Promise<number> {
  const size = file.size;
  const head = new Uint8Array(4);
  head.set(await file.read(0, Math.min(4, size)));
  if (!isMagic(head, 0)) {
    const looksRoot = String.fromCharCode(...head) === "root";
    throw new Error(`${path} is not a Parquet file: it does not start with "PAR1"${looksRoot ? " (it is a ROOT file)" : ""}`);
  }
  if (size < 12) throw new Error(`${path}: truncated Parquet file (${size} bytes, too short for a footer)`);
  const tail = await file.read(size - 8, size);
  if (!isMagic(tail, 4)) {
    throw new Error(`${path}: truncated Parquet file (no "PAR1" at the end; incomplete download or still being written?)`);
  }
  const footer = new DataView(tail.buffer).getUint32(0, true);
  if (footer + 12 > size) {
    throw new Error(`${path}: corrupt Parquet footer (metadata length ${footer} for a file of ${size} bytes)`);
  }
  return footer;
}

/** Codec names by parquet.thrift's CompressionCodec value (as parquet-wasm names them, lower case). */
const CODEC_NAMES = ["uncompressed", "snappy", "gzip", "lzo", "brotli", "lz4", "zstd", "lz4_raw"];

/** parquet-wasm's handle on the file; errors as the open's. */
async function wasmFileOf(path: string, slices: CheckedSlices): Promise<ParquetFile> {
  try {
    // parquet-wasm uses only size, slice() and arrayBuffer() of the Blob it is given.
    return await parquetWasm().ParquetFile.fromFile(slices as unknown as Blob);
  } catch (error) {
    throw new Error(`${path}: cannot read the Parquet metadata: ${message(error)}`);
  }
}

function pushRun(runs: TreeRun[], name: string, rows: number): void {
  const last = runs[runs.length - 1];
  if (last && last.name === name) last.rows += rows;
  else runs.push({ name, rows });
}

export class ParquetReader {
  /** Entries readable (rows of the selected tree, or all rows). */
  readonly entries: number;
  /** Rows in the file, all trees together. */
  readonly fileRows: number;
  /** Trees named by the `treename` column, in file order of first appearance; empty without it. */
  readonly trees: ParquetTree[];
  /** File rows of each row group. */
  readonly rowGroups: EntryRange[];
  /** The tree column as runs of equal names (empty without one): pass to another open as `treeRuns`. */
  readonly treeRuns: readonly TreeRun[];

  /** File-row ranges of the selected entries, in order, with the entry each starts at. */
  private readonly segments: { start: number; stop: number; entry: number }[];
  private readonly branchByName: Map<string, ParquetBranch>;
  private wasmChunks = 0;
  /** parquet-wasm's handle, opened on first need. */
  private file: Promise<ParquetFile> | undefined;
  private opened: ParquetFile | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    file: ParquetFile | undefined,
    private readonly footer: Footer,
    private readonly slices: CheckedSlices,
    private readonly http: HttpSourceOptions | undefined,
    readonly branches: ParquetBranch[],
    readonly unsupported: UnsupportedColumn[],
    readonly tree: string | undefined,
    rowGroups: EntryRange[],
    runs: TreeRun[],
    /** Column chunk locations, for fetching them ahead (remote files). */
    private readonly chunks: ChunkRange[],
    /** The own decoder (undefined: everything through parquet-wasm). */
    private readonly own: OwnColumns | undefined,
  ) {
    if (file) this.keep(file);
    this.rowGroups = rowGroups;
    this.treeRuns = runs;
    this.fileRows = rowGroups.length ? rowGroups[rowGroups.length - 1]!.stop : 0;
    this.branchByName = new Map(branches.map((b) => [b.name, b]));
    const trees = new Map<string, number>();
    this.segments = [];
    let row = 0;
    let entry = 0;
    for (const run of runs) {
      trees.set(run.name, (trees.get(run.name) ?? 0) + run.rows);
      if (tree === undefined || run.name === tree) {
        this.segments.push({ start: row, stop: row + run.rows, entry });
        entry += run.rows;
      }
      row += run.rows;
    }
    if (runs.length === 0 && tree === undefined && this.fileRows > 0) {
      this.segments.push({ start: 0, stop: this.fileRows, entry: 0 });
      entry = this.fileRows;
    }
    this.entries = entry;
    this.trees = [...trees].map(([name, entries]) => ({ name, entries }));
  }

  /** Opens a Parquet file: checks its envelope, reads its metadata and schema (and its tree column). */
  static async open(path: string, options: OpenParquetOptions = {}): Promise<ParquetReader> {
    if (!isUrl(path)) await checkFile(path);
    let plain: FileSlices;
    try {
      plain = await openFileSlices(path, options.http);
    } catch (error) {
      throw new Error(`cannot open Parquet file ${isUrl(path) ? "" : `${path}: `}${message(error)}`);
    }
    let footer: Footer;
    let chunks: ChunkRange[];
    try {
      const footerLength = await checkEnvelope(path, plain);
      const bytes = await plain.read(plain.size - 8 - footerLength, plain.size - 8);
      try {
        footer = readFooter(bytes, path);
      } catch (error) {
        throw new Error(`${path}: cannot read the Parquet metadata: ${message(error).replace(`${path}: `, "")}`);
      }
      chunks = columnChunkRanges(footer);
    } catch (error) {
      plain.close();
      throw error;
    }
    const slices = checkedSlices(plain, chunks, path);
    const decoder = options.decoder ?? (process.env.SXFLOW_PARQUET_DECODER === "parquet-wasm" ? "parquet-wasm" : "auto");
    // The schema from the footer; parquet-wasm's when the derivation is not sure (or asked for).
    let fields: FfiField[] | undefined = decoder === "auto" ? deriveArrowFields(footer) : undefined;
    let file: ParquetFile | undefined;
    if (!fields) {
      try {
        file = await wasmFileOf(path, slices);
      } catch (error) {
        slices.close();
        throw error;
      }
      try {
        fields = ffiSchemaFields(file.schema());
      } catch (error) {
        file.free();
        slices.close();
        throw new Error(`${path}: cannot convert the Parquet schema to Arrow: ${message(error)}`);
      }
    }
    const release = (): void => {
      file?.free();
      slices.close();
    };
    const { branches, unsupported } = describeColumns(fields);
    const rowGroups: EntryRange[] = [];
    let row = 0;
    const groupRows = file ? file.metadata().rowGroups().map((rg) => rg.numRows()) : footer.rowGroups.map((rg) => rg.numRows!);
    for (const rows of groupRows) {
      rowGroups.push({ start: row, stop: row + rows });
      row += rows;
    }
    const runs: TreeRun[] = [];
    const hasTreeColumn = fields.some((f) => f.name === TREENAME_COLUMN);
    if (hasTreeColumn && options.treeRuns) {
      let given = 0;
      for (const r of options.treeRuns) given += r.rows;
      if (given !== row) {
        release();
        throw new Error(`${path}: the tree runs given cover ${given} rows, the file has ${row}; was the file replaced?`);
      }
      runs.push(...options.treeRuns);
    } else if (hasTreeColumn && row > 0) {
      let g = 0;
      try {
        const known = treesFromFooter(footer, TREENAME_COLUMN);
        for (; g < rowGroups.length; g++) {
          const name = known[g];
          if (name !== undefined) {
            pushRun(runs, name, rowGroups[g]!.stop - rowGroups[g]!.start);
            continue;
          }
          // The statistics cannot tell (several trees, or none written): read the names.
          file ??= await wasmFileOf(path, slices);
          const stream = await trapped(file.stream({ rowGroups: [g], columns: [TREENAME_COLUMN], batchSize: 1 << 20 }));
          const batches = (stream as AsyncIterable<WasmRecordBatch>)[Symbol.asyncIterator]();
          for (let next = await trapped(batches.next()); !next.done; next = await trapped(batches.next())) {
            ffiStringRuns(next.value, TREENAME_COLUMN, (name, rows) => pushRun(runs, name, rows));
          }
        }
      } catch (error) {
        // After a trap the wasm side is left alone; the file itself is still closed.
        if (isWasmTrap(error)) slices.close();
        else release();
        if (!file) throw error;
        throw await decodeError(path, options.http, slices, [g], [TREENAME_COLUMN], error, "cannot read the tree names");
      }
    }
    if (options.tree !== undefined) {
      const names = runs.map((r) => r.name);
      if (!hasTreeColumn) {
        release();
        throw new Error(`${path}: no "${TREENAME_COLUMN}" column, so tree "${options.tree}" cannot be selected`);
      }
      if (!names.includes(options.tree)) {
        const known = [...new Set(names)];
        release();
        throw new Error(
          `${path}: no rows of tree "${options.tree}" (trees: ${known.map((n) => `"${n}"`).join(", ") || "none"})${suggestNames(options.tree, known)}`,
        );
      }
    }
    const readable = branches.filter((b) => b.name !== TREENAME_COLUMN);
    const notReadable = unsupported.filter((u) => u.name !== TREENAME_COLUMN);
    const own = decoder === "auto" ? new OwnColumns(path, fileMeta(footer), plain, new Map(readable.map((b) => [b.name, b]))) : undefined;
    return new ParquetReader(path, file, footer, slices, options.http, readable, notReadable, options.tree, rowGroups, runs, chunks, own);
  }

  private keep(file: ParquetFile): void {
    this.opened = file;
    this.file = Promise.resolve(file);
  }

  /** parquet-wasm's handle on the file, opened (and parquet-wasm loaded) on first need. */
  private wasmFile(): Promise<ParquetFile> {
    this.file ??= wasmFileOf(this.path, this.slices).then((file) => {
      if (this.closed) file.free();
      else this.opened = file;
      return file;
    });
    return this.file;
  }

  /**
   * Storage of each top-level column over all row groups (from the footer): compressed and
   * uncompressed bytes, column chunks and the codecs used.
   */
  columnStorage(): Map<string, ColumnStorage> {
    const out = new Map<string, ColumnStorage>();
    for (const rg of this.footer.rowGroups) {
      for (const c of rg.columns ?? []) {
        const name = c.path?.[0];
        if (name === undefined) continue;
        const s = out.get(name) ?? { compressedBytes: 0, uncompressedBytes: 0, chunks: 0, codecs: [] };
        s.compressedBytes += c.compressedSize ?? 0;
        s.uncompressedBytes += c.uncompressedSize ?? 0;
        s.chunks++;
        const codec = CODEC_NAMES[c.codec ?? -1] ?? String(c.codec);
        if (!s.codecs.includes(codec)) s.codecs.push(codec);
        out.set(name, s);
      }
    }
    return out;
  }

  /** Entry ranges of the row groups (the natural unit of parallel work), empty ones omitted. */
  clusters(): EntryRange[] {
    const out: EntryRange[] = [];
    for (const rg of this.rowGroups) {
      let start = -1;
      let stop = -1;
      for (const s of this.segments) {
        const lo = Math.max(s.start, rg.start);
        const hi = Math.min(s.stop, rg.stop);
        if (lo >= hi) continue;
        if (start < 0) start = s.entry + lo - s.start;
        stop = s.entry + hi - s.start;
      }
      if (start >= 0) out.push({ start, stop });
    }
    return out;
  }

  /** Checks branch names, naming the file and suggesting close matches. */
  private checkBranches(names: string[]): string[] {
    const unique = [...new Set(names)];
    for (const name of unique) {
      if (this.branchByName.has(name)) continue;
      const bad = this.unsupported.find((u) => u.name === name);
      if (bad) throw new Error(`${this.path}: column "${name}" has type ${bad.type}: ${bad.reason}`);
      if (name === TREENAME_COLUMN) {
        throw new Error(
          `${this.path}: "${TREENAME_COLUMN}" is a string column; select rows of one tree with openParquet(path, { tree })`,
        );
      }
      throw new Error(`${this.path}: unknown column "${name}"${suggestNames(name, this.branchByName.keys())}`);
    }
    return unique;
  }

  /** File-row ranges holding entries [start, stop). */
  private fileRanges(start: number, stop: number): EntryRange[] {
    const out: EntryRange[] = [];
    for (const s of this.segments) {
      const lo = Math.max(start, s.entry);
      const hi = Math.min(stop, s.entry + s.stop - s.start);
      if (lo < hi) out.push({ start: s.start + lo - s.entry, stop: s.start + hi - s.entry });
    }
    return out;
  }

  /** Batches of the given branches for entries [entryStart, entryStop), row group by row group. */
  async *iterate(options: ParquetIterateOptions): AsyncGenerator<Batch> {
    const branches = this.checkBranches(options.branches);
    const start = options.entryStart ?? 0;
    const stop = options.entryStop ?? this.entries;
    if (!Number.isInteger(start) || !Number.isInteger(stop) || start < 0 || stop > this.entries || start > stop) {
      throw new RangeError(`${this.path}: entry range [${start}, ${stop}) outside [0, ${this.entries})`);
    }
    const step = options.stepEntries;
    if (step !== undefined && (!Number.isInteger(step) || step < 1)) {
      throw new RangeError(`${this.path}: stepEntries must be a positive integer, got ${step}`);
    }
    const wanted = this.fileRanges(start, stop);
    if (wanted.length === 0) return;
    const groups = this.rowGroups
      .map((rg, index) => ({ ...rg, index }))
      .filter((rg) => wanted.some((w) => w.start < rg.stop && w.stop > rg.start));
    const largest = Math.max(...groups.map((g) => g.stop - g.start));
    const batchSize = Math.min(step ?? DEFAULT_STEP, largest);
    if (branches.length === 0) {
      // Nothing to decode: the batches only carry their lengths.
      for (const w of wanted) {
        for (const g of groups) {
          const lo = Math.max(w.start, g.start);
          const hi = Math.min(w.stop, g.stop);
          for (let at = lo; at < hi; at += batchSize) yield { length: Math.min(batchSize, hi - at), columns: {} };
        }
      }
      return;
    }
    // Whole row groups go through one stream; a part of a group gets a stream of its own that
    // skips the rows before it and stops after it instead of decoding the group: pipeline tasks
    // cut large row groups into pieces, and a 100k-row piece of a 1M-row group decodes in 124 ms
    // this way against 1,737 ms for the group. (parquet-wasm applies offset and limit to each row
    // group of a stream, hence the separate streams; one stream per small group instead doubled
    // the time on 5000-row groups.)
    for (const w of wanted) {
      let run: IndexedGroup[] = [];
      for (const g of groups) {
        const lo = Math.max(w.start, g.start);
        const hi = Math.min(w.stop, g.stop);
        if (lo >= hi) continue;
        if (lo === g.start && hi === g.stop) {
          run.push(g);
          continue;
        }
        if (run.length > 0) yield* this.streamRows(run, run[0]!.start, run[run.length - 1]!.stop, branches, batchSize);
        run = [];
        yield* this.streamRows([g], lo, hi, branches, batchSize);
      }
      if (run.length > 0) yield* this.streamRows(run, run[0]!.start, run[run.length - 1]!.stop, branches, batchSize);
    }
  }

  /**
   * File rows [lo, hi) of consecutive row groups: all of them, or a part of a single one. Each
   * row group's columns that the own decoder reads are decoded whole first, so that a column
   * it gives back (nulls) joins the others in parquet-wasm before anything is yielded.
   */
  private async *streamRows(gs: IndexedGroup[], lo: number, hi: number, branches: string[], batchSize: number): AsyncGenerator<Batch> {
    const own = this.own;
    const chosen = gs.map((g) => own?.chunks(g.index, branches));
    if (!own || chosen.every((c) => !c || c.size === 0)) {
      yield* this.wasmRows(gs, lo, hi, branches, batchSize);
      return;
    }
    if (this.slices.remote) this.announce(gs, branches);
    for (const [i, g] of gs.entries()) {
      const a = Math.max(lo, g.start);
      const b = Math.min(hi, g.stop);
      const decoded = await own.decode(g.index, a - g.start, b - g.start, chosen[i]!);
      const rest = branches.filter((name) => !decoded.has(name));
      const whole = (at: number, rows: number): boolean => at === a && rows === b - a;
      const piece = (columns: Record<string, Column>, at: number, rows: number): void => {
        for (const [name, c] of decoded) columns[name] = whole(at, rows) ? c : ownedPiece(c, at - a, at - a + rows);
      };
      if (rest.length === 0) {
        for (let at = a; at < b; at += batchSize) {
          const rows = Math.min(batchSize, b - at);
          const columns: Record<string, Column> = {};
          piece(columns, at, rows);
          yield { length: rows, columns: ordered(columns, branches) };
        }
        continue;
      }
      let at = a;
      for await (const batch of this.wasmRows([g], a, b, rest, batchSize)) {
        piece(batch.columns, at, batch.length);
        at += batch.length;
        yield { length: batch.length, columns: ordered(batch.columns, branches) };
      }
    }
  }

  /** Tells a remote file which column chunks of these row groups are about to be read. */
  private announce(gs: IndexedGroup[], branches: string[]): void {
    const wanted = new Set(gs.map((x) => x.index));
    const columns = new Set(branches);
    this.slices.willNeed(this.chunks.filter((c) => wanted.has(c.rowGroup) && columns.has(c.column)));
  }

  /** File rows [lo, hi) of consecutive row groups through parquet-wasm. */
  private async *wasmRows(gs: IndexedGroup[], lo: number, hi: number, branches: string[], batchSize: number): AsyncGenerator<Batch> {
    const g = gs[0]!;
    this.wasmChunks += gs.length * branches.length;
    const part = lo > g.start || hi < gs[gs.length - 1]!.stop;
    // parquet-wasm asks for one or two column chunks at a time: announce all of these row
    // groups' chunks so that a remote file fetches them coalesced and ahead of the decoder.
    if (this.slices.remote) this.announce(gs, branches);
    const file = await this.wasmFile();
    let stream: ReadableStream;
    try {
      const range = part ? { offset: lo - g.start, limit: hi - lo } : {};
      stream = await file.stream({ rowGroups: gs.map((x) => x.index), ...range, columns: branches, batchSize });
    } catch (error) {
      throw new Error(`${this.path}: cannot read columns ${branches.join(", ")}: ${message(error)}`);
    }
    let row = lo;
    const iterator = (stream as AsyncIterable<WasmRecordBatch>)[Symbol.asyncIterator]();
    let poisoned = false;
    try {
      while (true) {
        let next: IteratorResult<WasmRecordBatch>;
        try {
          next = await trapped(iterator.next());
        } catch (error) {
          // The decoder's memory is in an undefined state after a trap: leave the stream alone.
          poisoned = isWasmTrap(error);
          const where = `cannot decode ${groupNames(gs)} (columns ${branches.join(", ")})`;
          throw await decodeError(this.path, this.http, this.slices, gs.map((x) => x.index), branches, error, where);
        }
        if (next.done) break;
        const rows = next.value.numRows;
        let batch: Batch;
        try {
          batch = ffiToBatch(next.value, branches);
        } catch (error) {
          throw new Error(`${this.path}: ${message(error)}`);
        }
        row += rows;
        // Entry bookkeeping relies on the rows matching the metadata.
        if (row > hi) throw new Error(`${this.path}: ${groupNames(gs)} yielded more rows than their metadata's ${hi - lo}`);
        yield batch;
      }
      if (row !== hi) throw new Error(`${this.path}: ${groupNames(gs)} ended early (the file disagrees with its metadata)`);
    } finally {
      if (!poisoned) await iterator.return?.();
    }
  }

  /** Entries [start, stop) of the given branches as one batch. */
  async read(branches: string[], start = 0, stop = this.entries): Promise<Batch> {
    const parts: Batch[] = [];
    // The caller holds the whole range anyway: decoding each row group as one batch spares
    // concatenating (copying) sub-batches afterwards.
    const stepEntries = Math.max(1, stop - start);
    for await (const batch of this.iterate({ branches, entryStart: start, entryStop: stop, stepEntries })) parts.push(batch);
    if (parts.length === 1) return parts[0]!;
    if (parts.length > 0) return concatBatches(parts);
    const columns: Record<string, Column> = {};
    for (const name of this.checkBranches(branches)) columns[name] = emptyColumn(this.branchByName.get(name)!);
    return { length: 0, columns };
  }

  /**
   * Column chunks (row group x column, or a part of one) decoded so far by sxflow's own decoder
   * and by parquet-wasm.
   */
  get decodedChunks(): { own: number; parquetWasm: number } {
    return { own: this.own?.counts.own ?? 0, parquetWasm: this.wasmChunks };
  }

  /** Releases the file (and parquet-wasm's handle on it, if one was opened). */
  close(): void {
    this.closed = true;
    this.opened?.free();
    this.slices.close();
  }
}

interface IndexedGroup extends EntryRange {
  index: number;
}

/**
 * The error for a failed decode of `columns` of row groups `groups`: the page whose CRC did not
 * match if a check failed, else the one column chunk that fails to decode alone, else (when each
 * decodes alone) what the decoder said about them all, prefixed with `where`.
 */
async function decodeError(
  path: string,
  http: HttpSourceOptions | undefined,
  slices: CheckedSlices,
  groups: readonly number[],
  columns: readonly string[],
  error: unknown,
  where: string,
): Promise<Error> {
  if (slices.failure) return new Error(slices.failure.message);
  const trap = isWasmTrap(error);
  const cause = trap ? `the decoder failed (WebAssembly ${error.message}): the data of a page is corrupt` : message(error);
  const faulty = await findFaultyColumn(path, http, groups, columns).catch(() => undefined);
  if (!faulty) return new Error(`${path}: ${where}: ${cause}`);
  const detail = faulty.cause.startsWith("WebAssembly") ? `the decoder failed (${faulty.cause}): the data of a page is corrupt` : faulty.cause;
  return new Error(`${path}: cannot decode row group ${faulty.rowGroup}, column "${faulty.column}": ${detail}`);
}

/** The columns in the order asked for (what parquet-wasm's batches have). */
function ordered(columns: Record<string, Column>, names: readonly string[]): Record<string, Column> {
  const out: Record<string, Column> = {};
  for (const name of names) out[name] = columns[name]!;
  return out;
}

function groupNames(gs: IndexedGroup[]): string {
  return gs.length === 1 ? `row group ${gs[0]!.index}` : `row groups ${gs[0]!.index}-${gs[gs.length - 1]!.index}`;
}

/** A zero-entry column with the type of a branch, so that it concatenates with real batches. */
function emptyColumn(b: ParquetBranch): Column {
  const bool = b.elementType === "bool";
  let column: Column;
  if (b.strings) {
    column = { kind: "string", offsets: new Int32Array(1), values: new Uint8Array(0) };
  } else {
    const flat: Column = { kind: "flat", values: allocate(b.elementType, 0) };
    if (b.shape) flat.shape = b.shape;
    if (bool) flat.elementType = "bool";
    column = flat;
  }
  for (let d = 0; d < (b.depth ?? 0); d++) {
    const values: NumericArray | Column = column.kind === "flat" && !column.shape ? column.values : column;
    column = { kind: "jagged", offsets: new Int32Array(1), values };
    if (bool) column.elementType = "bool";
  }
  return column;
}

/** Opens a Parquet file for streaming reads; see {@link ParquetReader}. */
export function openParquet(path: string, options: OpenParquetOptions = {}): Promise<ParquetReader> {
  return ParquetReader.open(path, options);
}
