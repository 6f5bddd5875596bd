/** One compound dataset being written: rows are interleaved into chunks, full chunks handed on. */

import { AttrStore, type AttrValue } from "./attributes.js";
import { emptyChunkIndex, pushChunk, type ChunkIndex } from "./btree.js";
import { validateCompression, filterPipelineMessage, type ChunkFilters, type Compression } from "./chunk-encoder.js";
import {
  compoundLayout, compoundTypeMessage, elementSize, isElementType, ELEMENT_TYPES,
  type CompoundLayout, type FieldSpec,
} from "./datatype.js";
import { acceptedNames, acceptsArray, copyField, type ColumnArray, type FieldCopy } from "./interleave.js";
import { attributeInfoMessage, chunkedLayoutMessage, dataspaceMessage, fillValueMessage, MSG, type Message } from "./object-header.js";

export interface DatasetSpec {
  fields: FieldSpec[];
  /** Second dimension for `(N, objects)` datasets; omit for `(N,)`. */
  objects?: number;
  /**
   * Rows per chunk; default: about 512 KiB of records per chunk. A dataset that ends before its
   * first chunk is full is stored as one chunk of exactly its rows instead.
   */
  chunkRows?: number;
  /** Default "none". */
  compression?: Compression;
  /**
   * Byte shuffle before compression; default off: on left-packed, zero-padded SALT records it
   * breaks the zero runs apart, and both LZF and deflate then compress worse and slower
   * (bench/README-h5.md). Dense float data may gain from it.
   */
  shuffle?: boolean;
}

/** What the dataset needs from the file writer. */
export interface ChunkSink {
  submitChunk(dataset: H5DatasetWriter, raw: Uint8Array): Promise<void>;
  /** True when a chunk is encoded and written before submitChunk resolves, so its buffer is free again. */
  readonly chunkWrittenOnSubmit: boolean;
  checkWritable(action: string): void;
}

const DEFAULT_CHUNK_BYTES = 512 * 1024;
const MAX_CHUNK_BYTES = 0xffffffff;

function positiveInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

export class H5DatasetWriter {
  readonly name: string;
  readonly layout: CompoundLayout;
  readonly objects: number | undefined;
  readonly filters: ChunkFilters;
  readonly index: ChunkIndex = emptyChunkIndex();
  readonly attrs: AttrStore;
  private readonly rowBytes: number;
  private readonly copies: FieldCopy[];
  private chunk: Uint8Array;
  /** Rows per chunk: as specified, or the row count of a dataset smaller than one chunk (set by flush). */
  private rowsPerChunk: number;
  /** Chunks handed to the sink so far. */
  private emitted = 0;
  private fill = 0;
  private rowCount = 0;
  private busy = false;

  constructor(private readonly sink: ChunkSink, name: string, spec: DatasetSpec) {
    const where = `dataset "${name}"`;
    if (!Array.isArray(spec.fields) || spec.fields.length === 0) throw new Error(`${where}: at least one field is required`);
    const seen = new Set<string>();
    spec.fields.forEach((f, i) => {
      if (typeof f?.name !== "string" || f.name.length === 0) throw new Error(`${where}: fields[${i}] has no name`);
      if (seen.has(f.name)) throw new Error(`${where}: duplicate field "${f.name}"`);
      seen.add(f.name);
      if (!isElementType(f.type)) {
        throw new Error(`${where}: field "${f.name}" has unsupported type ${JSON.stringify(f.type)}; supported: ${ELEMENT_TYPES.join(", ")}`);
      }
    });
    if (spec.objects !== undefined && !positiveInteger(spec.objects)) {
      throw new Error(`${where}: objects must be a positive integer, got ${String(spec.objects)}`);
    }
    this.name = name;
    this.attrs = new AttrStore(where);
    this.layout = compoundLayout(spec.fields.map((f) => ({ name: f.name, type: f.type })));
    this.objects = spec.objects;
    this.rowBytes = this.layout.recordSize * (spec.objects ?? 1);
    const chunkRows = spec.chunkRows ?? Math.max(1, Math.floor(DEFAULT_CHUNK_BYTES / this.rowBytes));
    if (!positiveInteger(chunkRows)) throw new Error(`${where}: chunkRows must be a positive integer, got ${String(spec.chunkRows)}`);
    if (chunkRows * this.rowBytes > MAX_CHUNK_BYTES) throw new Error(`${where}: a chunk of ${chunkRows} rows exceeds 4 GiB`);
    this.rowsPerChunk = chunkRows;
    const compression = validateCompression(spec.compression ?? "none", where);
    const shuffle = spec.shuffle ?? false;
    this.filters = { shuffle: shuffle ? this.layout.recordSize : 0, compression };
    this.copies = this.layout.fields.map((f, i) => ({ type: f.type, offset: this.layout.offsets[i], size: elementSize(f.type) }));
    this.chunk = new Uint8Array(chunkRows * this.rowBytes);
  }

  /** Rows per chunk (final once the dataset is flushed). */
  get chunkRows(): number {
    return this.rowsPerChunk;
  }

  setAttr(name: string, value: AttrValue): void {
    this.sink.checkWritable(`set attribute "${name}" of dataset "${this.name}"`);
    this.attrs.set(name, value);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.rowCount;
  }

  /**
   * Appends `rows` rows given as one typed array per field (`rows * objects` values each,
   * row-major). Resolves once full chunks have been handed to the writer; await it before the next
   * call.
   */
  async append(columns: Record<string, ColumnArray>, rows?: number): Promise<void> {
    this.checkAppend();
    const width = this.objects ?? 1;
    const n = rows ?? this.inferRows(columns, width);
    this.checkColumns(columns, n, width);
    await this.fillChunks(n, (done, take, at) => {
      this.layout.fields.forEach((f, i) => {
        copyField(this.chunk, at, this.layout.recordSize, this.copies[i], columns[f.name], done * width, take * width);
      });
    });
  }

  /**
   * Appends `rows` rows whose bytes are already this dataset's records (`objects` packed compound
   * records per row): row r is the bytes at `offset + r * stride`, so the rows may be sections of
   * wider rows (the pipeline's rows hold every group). Spares splitting records into columns only
   * to interleave them again. Resolves like append().
   */
  async appendPacked(bytes: Uint8Array, rows: number, stride: number, offset: number): Promise<void> {
    this.checkAppend();
    const rb = this.rowBytes;
    if (!Number.isSafeInteger(rows) || rows < 0 || offset < 0 || offset + rb > stride || (rows > 0 && (rows - 1) * stride + offset + rb > bytes.length)) {
      throw new Error(`dataset "${this.name}": ${rows} packed rows of ${rb} bytes at offset ${offset}, stride ${stride} do not fit in ${bytes.length} bytes`);
    }
    await this.fillChunks(rows, (done, take, at) => copyRows(bytes, offset + done * stride, stride, this.chunk, at, rb, take));
  }

  private checkAppend(): void {
    this.sink.checkWritable(`append to dataset "${this.name}"`);
    if (this.busy) throw new Error(`dataset "${this.name}": append called before the previous append resolved`);
  }

  /**
   * Adds `rows` rows chunk by chunk: `copy(done, take, at)` puts rows [done, done + take) into the
   * current chunk at byte `at`; full chunks are handed on.
   */
  private async fillChunks(rows: number, copy: (done: number, take: number, at: number) => void): Promise<void> {
    this.busy = true;
    try {
      let done = 0;
      while (done < rows) {
        const take = Math.min(rows - done, this.rowsPerChunk - this.fill);
        copy(done, take, this.fill * this.rowBytes);
        this.fill += take;
        this.rowCount += take;
        done += take;
        if (this.fill === this.rowsPerChunk) await this.emit();
      }
    } finally {
      this.busy = false;
    }
  }

  private inferRows(columns: Record<string, ColumnArray>, width: number): number {
    const first = columns?.[this.layout.fields[0].name];
    if (first === undefined) throw new Error(`dataset "${this.name}": missing column "${this.layout.fields[0].name}"`);
    if (first.length % width !== 0) {
      throw new Error(`dataset "${this.name}": column "${this.layout.fields[0].name}" has ${first.length} values, not a multiple of ${width} objects per row`);
    }
    return first.length / width;
  }

  private checkColumns(columns: Record<string, ColumnArray>, rows: number, width: number): void {
    const where = `dataset "${this.name}"`;
    if (!Number.isSafeInteger(rows) || rows < 0) throw new Error(`${where}: invalid row count ${rows}`);
    for (const f of this.layout.fields) {
      const col = columns[f.name];
      if (col === undefined) throw new Error(`${where}: missing column "${f.name}"`);
      if (!acceptsArray(f.type, col)) {
        const got = (col as object)?.constructor?.name ?? typeof col;
        throw new Error(`${where}: field "${f.name}" is ${f.type} and needs a ${acceptedNames(f.type)}, got ${got}`);
      }
      if (col.length !== rows * width) {
        throw new Error(`${where}: column "${f.name}" has ${col.length} values, expected ${rows} rows x ${width} = ${rows * width}`);
      }
    }
    for (const key of Object.keys(columns)) {
      if (!this.layout.fields.some((f) => f.name === key)) throw new Error(`${where}: unknown column "${key}"`);
    }
  }

  private async emit(): Promise<void> {
    const raw = this.chunk;
    // A chunk still in flight (worker threads) needs a fresh buffer; otherwise it is reused.
    if (!this.sink.chunkWrittenOnSubmit) this.chunk = new Uint8Array(raw.length);
    this.fill = 0;
    this.emitted++;
    await this.sink.submitChunk(this, raw);
  }

  /**
   * Hands on the last, partial chunk, zero-padded to full size as HDF5 stores edge chunks; or,
   * when it is the only chunk, shrunk to the rows written: the chunk shape then depends on the
   * dataset's row count alone, and a small dataset does not take a whole chunk of padding.
   */
  async flush(): Promise<void> {
    if (this.fill === 0) return;
    if (this.emitted === 0) {
      this.rowsPerChunk = this.fill;
      this.chunk = this.chunk.slice(0, this.fill * this.rowBytes);
    } else {
      this.chunk.fill(0, this.fill * this.rowBytes);
    }
    await this.emit();
  }

  recordChunk(address: number, size: number, mask: number): void {
    pushChunk(this.index, address, size, mask);
  }

  /** Layout dimensions: chunk shape plus the record size. */
  chunkDims(): number[] {
    return this.objects === undefined
      ? [this.rowsPerChunk, this.layout.recordSize]
      : [this.rowsPerChunk, this.objects, this.layout.recordSize];
  }

  headerMessages(btreeAddress: number, attributes: Uint8Array[]): Message[] {
    const dims = this.objects === undefined ? [this.rowCount] : [this.rowCount, this.objects];
    const maxDims = this.objects === undefined ? [-1] : [-1, this.objects];
    const messages: Message[] = [
      { type: MSG.dataspace, body: dataspaceMessage(dims, maxDims) },
      { type: MSG.datatype, body: compoundTypeMessage(this.layout), constant: true },
      { type: MSG.fillValue, body: fillValueMessage(), constant: true },
      { type: MSG.layout, body: chunkedLayoutMessage(btreeAddress, this.chunkDims()) },
    ];
    const pipeline = filterPipelineMessage(this.filters, this.chunk.length);
    if (pipeline) messages.push({ type: MSG.filterPipeline, body: pipeline, constant: true });
    messages.push({ type: MSG.attributeInfo, body: attributeInfoMessage() });
    for (const a of attributes) messages.push({ type: MSG.attribute, body: a });
    return messages;
  }
}

/** `count` rows of `size` bytes from every `stride` bytes of `src` to consecutive places in `dst`. */
function copyRows(src: Uint8Array, s: number, stride: number, dst: Uint8Array, d: number, size: number, count: number): void {
  if (stride === size) {
    dst.set(src.subarray(s, s + size * count), d);
    return;
  }
  // A native copy per row pays a call each; short rows go faster byte by byte.
  if (size >= 64) {
    for (let r = 0; r < count; r++, s += stride, d += size) dst.set(src.subarray(s, s + size), d);
    return;
  }
  for (let r = 0; r < count; r++, s += stride) for (let b = 0; b < size; b++) dst[d++] = src[s + b]!;
}
