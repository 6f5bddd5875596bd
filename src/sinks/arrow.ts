/**
 * Arrow IPC output: one `<name>_<split>.arrow` file per split, for consumers outside Node (pyarrow,
 * polars, DuckDB, arrow-rs). Every field of a group is a column named `<group>.<field>`: a plain
 * column for the global group, a FixedSizeList(max) column for object groups (the (N, max) shape
 * of the SALT dataset), `valid` as bool, float16 as Float16. Files are written under a temporary
 * name and renamed when complete, like the HDF5 files.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import {
  Bool, Field, FixedSizeList, Float16, Float32, Float64, Int16, Int32, Int64, Int8, makeData, RecordBatch, RecordBatchFileWriter, Schema, Struct,
  Uint16, Uint32, Uint64, Uint8,
} from "apache-arrow";
import type { Data, DataType } from "apache-arrow";
import { packBits } from "../batch/bits.js";
import type { H5ElementType } from "../hdf5/datatype.js";
import type { GroupPlan, RecordField } from "../stages/record.js";
import { SPLIT_NAMES } from "../stages/split.js";
import { splitPath } from "./paths.js";
import type { SinkFactory } from "./split-sink.js";

const ARROW_TYPES: Record<H5ElementType, () => DataType> = {
  bool: () => new Bool(), int8: () => new Int8(), uint8: () => new Uint8(), int16: () => new Int16(), uint16: () => new Uint16(),
  int32: () => new Int32(), uint32: () => new Uint32(), int64: () => new Int64(), uint64: () => new Uint64(),
  float16: () => new Float16(), float32: () => new Float32(), float64: () => new Float64(),
};

const STORAGE: Record<H5ElementType, new (b: ArrayBuffer) => ArrayBufferView> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  float16: Uint16Array, float32: Float32Array, float64: Float64Array,
};

/** The stored bytes of one field of every slot, `size` bytes each, out of whole rows. */
function gather(rows: Uint8Array, n: number, rowBytes: number, g: GroupPlan, f: RecordField): Uint8Array {
  const out = new Uint8Array(n * g.max * f.size);
  for (let r = 0, q = 0; r < n; r++) {
    let p = r * rowBytes + g.rowOffset + f.offset;
    for (let j = 0; j < g.max; j++, p += g.recordBytes) for (let b = 0; b < f.size; b++) out[q++] = rows[p + b]!;
  }
  return out;
}

function column(rows: Uint8Array, n: number, rowBytes: number, g: GroupPlan, f: RecordField): Data {
  const bytes = gather(rows, n, rowBytes, g, f);
  const leaf = f.h5 === "bool"
    ? makeData({ type: new Bool(), length: bytes.length, data: packBits(bytes), nullCount: 0 })
    : makeData({ type: ARROW_TYPES[f.h5](), length: n * g.max, data: new STORAGE[f.h5](bytes.buffer as ArrayBuffer), nullCount: 0 } as never);
  if (g.global) return leaf;
  return makeData({ type: new FixedSizeList(g.max, new Field("item", leaf.type, false)), length: n, child: leaf, nullCount: 0 });
}

export interface ArrowFileOptions {
  /** Schema metadata (config, version, split, class names...). */
  metadata: Record<string, string>;
}

/** The Arrow schema of a plan's rows: `<group>.<field>` columns, none nullable. */
export function arrowSchema(groups: readonly GroupPlan[], metadata: Record<string, string>): Schema {
  const fields = groups.flatMap((g) =>
    g.fields.map((f) => {
      const leaf = ARROW_TYPES[f.h5]();
      const type = g.global ? leaf : new FixedSizeList(g.max, new Field("item", leaf, false));
      return new Field(`${g.name}.${f.name}`, type, false);
    }),
  );
  return new Schema(fields, new Map(Object.entries(metadata)));
}

/** Packed rows (the layout of `groups`, `rowBytes` each) as one Arrow record batch. */
export function rowsToArrow(schema: Schema, groups: readonly GroupPlan[], rowBytes: number, rows: Uint8Array): RecordBatch {
  const n = rows.length / rowBytes;
  const children = groups.flatMap((g) => g.fields.map((f) => column(rows, n, rowBytes, g, f)));
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, children, nullCount: 0 }));
}

/** One Arrow IPC file being written from packed rows. */
export class ArrowFileWriter {
  readonly path: string;
  private readonly tempPath: string;
  private readonly fd: number;
  private readonly writer = new RecordBatchFileWriter();
  private readonly schema: Schema;
  private readonly pump: Promise<void>;
  private rowCount = 0;
  private state: "open" | "closed" = "open";

  constructor(file: string, private readonly groups: readonly GroupPlan[], private readonly rowBytes: number, options: ArrowFileOptions) {
    this.path = file;
    this.tempPath = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
    this.schema = arrowSchema(groups, options.metadata);
    const fd = openSync(this.tempPath, "wx");
    this.fd = fd;
    const writer = this.writer;
    // The writer queues its output; this loop moves it to the file as it comes.
    this.pump = (async () => {
      for await (const chunk of writer) writeSync(fd, chunk);
    })();
    this.pump.catch(() => undefined);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Appends whole rows; returns once their bytes are in the file (memory: one batch). */
  async append(rows: Uint8Array): Promise<void> {
    if (this.state !== "open") throw new Error(`${this.path}: append after close`);
    if (rows.length % this.rowBytes !== 0) throw new RangeError(`${this.path}: ${rows.length} bytes is not a whole number of ${this.rowBytes}-byte rows`);
    if (rows.length === 0) return;
    this.writer.write(rowsToArrow(this.schema, this.groups, this.rowBytes, rows));
    this.rowCount += rows.length / this.rowBytes;
    // The pump drains the queue in microtasks; by the next macrotask it is empty.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Footer, fsync, rename to the final name. */
  async close(): Promise<void> {
    if (this.state !== "open") throw new Error(`${this.path}: closed twice`);
    this.state = "closed";
    try {
      // An empty split still gets its schema.
      if (this.rowCount === 0) this.writer.write(rowsToArrow(this.schema, this.groups, this.rowBytes, new Uint8Array(0)));
      this.writer.finish().close();
      await this.pump;
      fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.tempPath, this.path);
    } catch (err) {
      this.discard();
      throw err;
    }
  }

  /** Drops the temporary file; nothing appears under the final name. */
  async abort(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    this.writer.abort();
    await this.pump.catch(() => undefined);
    this.discard();
  }

  private discard(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    rmSync(this.tempPath, { force: true });
  }
}

/** The Arrow sink as a stream stage: a Writable taking packed rows (Uint8Array chunks). */
export function arrowSink(file: string, groups: readonly GroupPlan[], rowBytes: number, options: ArrowFileOptions): Writable {
  const out = new ArrowFileWriter(file, groups, rowBytes, options);
  return new Writable({
    objectMode: true,
    write(rows: Uint8Array, _enc, done) {
      out.append(rows).then(() => done(), done);
    },
    final(done) {
      out.close().then(() => done(), done);
    },
    destroy(err, done) {
      out.abort().then(() => done(err), () => done(err));
    },
  });
}

/**
 * `output.format: arrow`: `<name>_<split>.arrow` for each split, in place of the SALT files. Schema
 * metadata: the run's attributes (tool version, resolved configuration), the split, and the class
 * names of the label field (`<global group>.<label field>:classes`, a JSON list).
 */
export const arrowSplitSink: SinkFactory = ({ config, layout, attrs }) => {
  const files: ArrowFileWriter[] = [];
  const metadata = (split: string): Record<string, string> => ({
    ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    split,
    [`${config.globalGroup}.${config.labelField}:classes`]: JSON.stringify(config.classes),
  });
  try {
    for (const split of SPLIT_NAMES) {
      files.push(new ArrowFileWriter(splitPath(config.output.dir, config.output.name, split, "arrow"), layout.groups, layout.rowBytes, { metadata: metadata(split) }));
    }
  } catch (err) {
    for (const f of files) void f.abort();
    throw err;
  }
  return {
    append: (split, rows) => files[split]!.append(rows),
    async close() {
      let closed = 0;
      try {
        for (const f of files) {
          await f.close();
          closed++;
        }
      } catch (err) {
        // A later file failed: the earlier ones must not stay behind as if the run had completed.
        for (const f of files.slice(0, closed)) rmSync(f.path, { force: true });
        for (const f of files.slice(closed + 1)) await f.abort();
        throw err;
      }
    },
    async abort() {
      for (const f of files) await f.abort();
    },
  };
};
