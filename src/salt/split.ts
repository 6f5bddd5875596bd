import path from "node:path";
import type { Batch } from "../batch/core.js";
import { elementSize } from "../hdf5/datatype.js";
import { createH5 } from "../hdf5/index.js";
import type { AttrValue, Compression, H5DatasetWriter, H5ElementType, H5Writer } from "../hdf5/index.js";
import { OutputDir } from "../output-dir/index.js";
import { hashSplit, SPLIT_NAMES } from "../stages/index.js";
import { blockRows, openSaltFile } from "./file.js";
import type { SaltFile, SaltGroup } from "./file.js";

/** Split keys tried, in this order, when none are given: the event identity sxflow's runs use. */
export const DEFAULT_KEYS = ["runNumber", "eventNumber"];
/** The key standing for the row number in the file, for files without event keys. */
export const ROW_KEY = "row";

export interface SplitOptions {
  /** train, val, test fractions, summing to 1. */
  fractions: readonly [number, number, number];
  /** Integer fields of the global group hashed into the split (default: those of DEFAULT_KEYS present, else the row number). */
  by?: readonly string[];
  /** Seed of the hash (default 0, as a run's `split.seed`). */
  seed?: number;
  /** Output directory (created if needed). */
  outDir: string;
  /** Output stem: `<name>_<split>.h5` (default: the input's name without `.h5`). */
  name?: string;
  /** Default: the input's (deflate level 4 for any deflate, LZF, or none). */
  compression?: Compression;
  /** Bytes read per block of rows (default 16 MiB): the memory bound. */
  blockBytes?: number;
  notice?: (message: string) => void;
}

export interface SplitResult {
  files: Record<(typeof SPLIT_NAMES)[number], string>;
  /** Rows per split, in SPLIT_NAMES order. */
  rows: number[];
  /** The keys hashed (ROW_KEY: the row number). */
  keys: string[];
}

const INTEGER_TYPES: ReadonlySet<H5ElementType> = new Set(["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]);
/** Attributes of the input that describe its own split, not the new files. */
const SPLIT_ATTRS = new Set(["split", "num_events", "class_counts"]);

function splitKeys(file: SaltFile, by: readonly string[] | undefined, notice: (m: string) => void): string[] {
  const g = file.global;
  const types = new Map(g.fields.map((f) => [f.name, f.type]));
  if (by) {
    for (const key of by) {
      const type = types.get(key);
      if (type === undefined) throw new Error(`${file.path}: group "${g.name}" has no field "${key}" to split by (fields: ${[...types.keys()].join(", ")})`);
      if (!INTEGER_TYPES.has(type)) throw new Error(`${file.path}: group "${g.name}" field "${key}" is ${type}; split keys are integers (event identities)`);
    }
    return [...by];
  }
  const found = DEFAULT_KEYS.filter((k) => INTEGER_TYPES.has(types.get(k) ?? "float32"));
  if (found.length > 0) return found;
  notice(`${file.path}: group "${g.name}" has none of ${DEFAULT_KEYS.join(", ")}: splitting by row number (a reordered copy of the file would split differently)`);
  return [ROW_KEY];
}

function compressionOf(g: SaltGroup): Compression {
  const ids = g.reader.filters.map((f) => f.id);
  if (ids.includes(32000)) return "lzf";
  if (ids.includes(1)) return { deflate: 4 };
  return "none";
}

function copyableAttr(value: unknown): value is AttrValue {
  if (["number", "bigint", "boolean", "string"].includes(typeof value)) return true;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return true;
  return Array.isArray(value) && value.length > 0 && (value.every((v) => typeof v === "string") || value.every((v) => typeof v === "number"));
}

function copyAttrs(from: Record<string, unknown>, skip: ReadonlySet<string> = new Set()): Record<string, AttrValue> {
  return Object.fromEntries(Object.entries(from).filter(([k, v]) => !skip.has(k) && copyableAttr(v))) as Record<string, AttrValue>;
}

/** Moves records from the input's field offsets to the writer's packed ones (the same bytes when they agree). */
function repacker(g: SaltGroup, ds: H5DatasetWriter): (raw: Uint8Array, rows: readonly number[]) => Uint8Array {
  const inSize = g.reader.recordSize;
  const out = ds.layout;
  const same = out.recordSize === inSize && g.fields.every((f, k) => out.offsets[k] === f.offset);
  const sizes = g.fields.map((f) => elementSize(f.type));
  const inRow = inSize * g.slots;
  const outRow = out.recordSize * g.slots;
  return (raw, rows) => {
    const bytes = new Uint8Array(rows.length * outRow);
    rows.forEach((r, i) => {
      if (same) {
        bytes.set(raw.subarray(r * inRow, (r + 1) * inRow), i * outRow);
        return;
      }
      for (let s = 0; s < g.slots; s++) {
        const src = r * inRow + s * inSize;
        const dst = i * outRow + s * out.recordSize;
        g.fields.forEach((f, k) => bytes.set(raw.subarray(src + f.offset, src + f.offset + sizes[k]!), dst + out.offsets[k]!));
      }
    });
    return bytes;
  };
}

/**
 * Splits a SALT file into train/val/test files (`split_h5`): each row goes where the hash of its
 * event keys sends it, as a run's hash split does, so the same event lands in the same split
 * whatever the file's row order. Rows are copied as stored (bytes), in their order, block by
 * block; the three files are staged and committed together, or not at all.
 */
export async function splitFile(input: string, options: SplitOptions): Promise<SplitResult> {
  const notice = options.notice ?? (() => undefined);
  const file = await openSaltFile(input);
  let output: OutputDir | undefined;
  const writers: H5Writer[] = [];
  try {
    const keys = splitKeys(file, options.by, notice);
    output = await OutputDir.open(options.outDir, notice);
    const stem = options.name ?? path.basename(input).replace(/\.h5$|\.hdf5$/i, "");
    const finals = SPLIT_NAMES.map((s) => path.join(options.outDir, `${stem}_${s}.h5`));
    const attrs = copyAttrs(file.attrs, SPLIT_ATTRS);
    const datasets = SPLIT_NAMES.map((split) => {
      const w = createH5(path.join(output!.staging, `${stem}_${split}.h5`), {
        attrs: { ...attrs, split, split_of: path.basename(input), split_by: keys.join(","), split_fractions: [...options.fractions], split_seed: options.seed ?? 0 },
      });
      writers.push(w);
      return file.groups.map((g) => {
        const ds = w.createDataset(g.name, {
          fields: g.fields.map((f) => ({ name: f.name, type: f.type })),
          ...(g.global ? {} : { objects: g.slots }),
          ...(g.reader.chunks?.[0] ? { chunkRows: g.reader.chunks[0] } : {}),
          compression: options.compression ?? compressionOf(g),
        });
        for (const [k, v] of Object.entries(copyAttrs(g.attrs))) ds.setAttr(k, v);
        return ds;
      });
    });
    const repack = file.groups.map((g, i) => repacker(g, datasets[0]![i]!));
    const rows = [0, 0, 0];
    const step = blockRows(file, options.blockBytes);
    for (let start = 0; start < file.rows; start += step) {
      const stop = Math.min(file.rows, start + step);
      const assigned = hashSplit(keyBatch(file, keys, start, stop), keys, options.fractions, options.seed ?? 0);
      const bySplit: number[][] = [[], [], []];
      assigned.forEach((s, r) => bySplit[s]!.push(r));
      for (const [i, g] of file.groups.entries()) {
        let raw: Uint8Array;
        try {
          raw = g.reader.readRaw(start, stop);
        } catch (err) {
          throw new Error(`${input}: group "${g.name}", rows ${start}-${stop}: ${(err as Error).message}`);
        }
        for (let s = 0; s < 3; s++) {
          const n = bySplit[s]!.length;
          if (n === 0) continue;
          const bytes = repack[i]!(raw, bySplit[s]!);
          await datasets[s]![i]!.appendPacked(bytes, n, bytes.length / n, 0);
        }
      }
      bySplit.forEach((r, s) => (rows[s]! += r.length));
    }
    writers.forEach((w, s) => w.setAttr("num_events", rows[s]!));
    for (const w of writers) await w.close();
    await output.commit();
    return { files: { train: finals[0]!, val: finals[1]!, test: finals[2]! }, rows, keys };
  } catch (err) {
    for (const w of writers) await w.abort().catch(() => undefined);
    throw err;
  } finally {
    file.close();
    await output?.close();
  }
}

/** The key columns of rows [start, stop) as a batch for hashSplit (the row number as ROW_KEY). */
function keyBatch(file: SaltFile, keys: readonly string[], start: number, stop: number): Batch {
  const n = stop - start;
  if (keys.length === 1 && keys[0] === ROW_KEY) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = start + i;
    return { length: n, columns: { [ROW_KEY]: { kind: "flat", values } } };
  }
  const columns = file.global.reader.read(start, stop);
  return { length: n, columns: Object.fromEntries(keys.map((k) => [k, { kind: "flat" as const, values: columns[k]! }])) };
}
