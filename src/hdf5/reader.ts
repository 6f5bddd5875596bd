/**
 * Reading HDF5 through h5wasm (libhdf5 compiled to WebAssembly): an independent implementation
 * for checking what sxflow writes, and for reading SALT files written by others. Compound slices
 * are read as raw records and split into one typed array per field.
 */

import type { ColumnArray } from "./interleave.js";
import { float16ToNumber } from "./float16.js";
import { elementSize, type H5ElementType } from "./datatype.js";

/** h5wasm's type classes (H5T_class_t). */
const INTEGER = 0;
const FLOAT = 1;
const ENUM = 8;
const COMPOUND = 6;

/** Filters the libhdf5 inside h5wasm applies: deflate, shuffle, fletcher32, szip, nbit, scaleoffset. */
const READABLE_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

export interface H5FieldInfo {
  name: string;
  type: H5ElementType;
  offset: number;
}

export interface H5DatasetReader {
  readonly name: string;
  readonly shape: number[];
  readonly recordSize: number;
  readonly fields: H5FieldInfo[];
  readonly chunks: number[] | null;
  readonly filters: { id: number; name: string }[];
  readonly attrs: Record<string, unknown>;
  /** Rows [start, stop) as one typed array per field (float16 decoded to Float32Array, bool as 0/1 bytes). */
  read(start?: number, stop?: number): Record<string, ColumnArray>;
  /** Rows [start, stop) as packed records, exactly as stored. */
  readRaw(start?: number, stop?: number): Uint8Array;
}

export interface H5Reader {
  readonly path: string;
  readonly attrs: Record<string, unknown>;
  /** Names of the datasets in the root group. */
  datasets(): string[];
  dataset(name: string): H5DatasetReader;
  close(): void;
}

interface MemberMeta {
  name: string;
  offset: number;
  type: number;
  size: number;
  signed: boolean;
  enum_type?: { members: Record<string, number> };
}

function fieldType(where: string, m: MemberMeta): H5ElementType {
  if (m.type === ENUM && m.size === 1 && m.enum_type) {
    const names = Object.keys(m.enum_type.members).sort().join(",");
    if (names === "FALSE,TRUE") return "bool";
  }
  if (m.type === INTEGER && [1, 2, 4, 8].includes(m.size)) {
    return `${m.signed ? "int" : "uint"}${m.size * 8}` as H5ElementType;
  }
  if (m.type === FLOAT && [2, 4, 8].includes(m.size)) return `float${m.size * 8}` as H5ElementType;
  throw new Error(`${where}: field "${m.name}" has a type sxflow does not read (class ${m.type}, ${m.size} bytes)`);
}

function attrsOf(obj: { attrs: Record<string, { value: unknown }> }): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, a] of Object.entries(obj.attrs)) out[k] = a.value;
  return out;
}

const ARRAYS: Record<Exclude<H5ElementType, "float16">, new (b: ArrayBuffer) => ColumnArray> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  float32: Float32Array, float64: Float64Array,
};

/** Splits packed records into columns, byte-wise so that NaN payloads survive. */
function splitFields(raw: Uint8Array, recordSize: number, fields: H5FieldInfo[]): Record<string, ColumnArray> {
  const n = raw.length / recordSize;
  const out: Record<string, ColumnArray> = {};
  for (const f of fields) {
    const size = elementSize(f.type);
    const bytes = new Uint8Array(n * size);
    for (let i = 0, p = f.offset, q = 0; i < n; i++, p += recordSize) {
      for (let k = 0; k < size; k++) bytes[q++] = raw[p + k];
    }
    if (f.type === "float16") {
      const half = new Uint16Array(bytes.buffer);
      out[f.name] = Float32Array.from(half, float16ToNumber);
    } else {
      out[f.name] = new ARRAYS[f.type](bytes.buffer);
    }
  }
  return out;
}

/** Opens an HDF5 file read-only through h5wasm. */
export async function openH5(file: string): Promise<H5Reader> {
  // Loaded on first use: instantiating libhdf5's WebAssembly costs memory and start-up time.
  const { default: h5wasm } = await import("h5wasm/node");
  const Module = await h5wasm.ready;
  let f: InstanceType<typeof h5wasm.File>;
  try {
    f = new h5wasm.File(file, "r");
  } catch (err) {
    throw new Error(`cannot open HDF5 file "${file}": ${err instanceof Error ? err.message : String(err)}`);
  }
  const dataset = (name: string): H5DatasetReader => {
    const where = `${file}: dataset "${name}"`;
    const ds = f.get(name);
    if (!(ds instanceof h5wasm.Dataset)) throw new Error(`${where}: no such dataset`);
    const meta = ds.metadata;
    if (meta.type !== COMPOUND || !meta.compound_type) throw new Error(`${where}: not a compound dataset`);
    const fields = (meta.compound_type.members as MemberMeta[]).map((m) => ({ name: m.name, type: fieldType(where, m), offset: m.offset }));
    const shape = (meta.shape ?? []).map(Number);
    const recordSize = meta.size;
    const filters = ds.filters.map((x) => ({ id: x.id, name: x.name }));
    const readRaw = (start = 0, stop = shape[0]): Uint8Array => {
      if (!(Number.isInteger(start) && Number.isInteger(stop) && 0 <= start && start <= stop && stop <= shape[0])) {
        throw new Error(`${where}: rows [${start}, ${stop}) out of range 0..${shape[0]}`);
      }
      const unreadable = filters.find((x) => !READABLE_FILTERS.has(x.id));
      if (unreadable) throw new Error(`${where}: filter ${unreadable.id} (${unreadable.name}) is not available in h5wasm`);
      const inner = shape.slice(1).reduce((a, b) => a * b, 1);
      const nbytes = (stop - start) * inner * recordSize;
      if (nbytes === 0) return new Uint8Array(0);
      const ptr = Module._malloc(nbytes);
      if (ptr === 0) throw new Error(`${where}: cannot allocate ${nbytes} bytes in the wasm heap; read fewer rows`);
      try {
        const count = [BigInt(stop - start), ...shape.slice(1).map(BigInt)];
        const offset = [BigInt(start), ...shape.slice(1).map(() => 0n)];
        const strides = shape.map(() => 1n);
        Module.get_dataset_data(ds.file_id, ds.path, count, offset, strides, BigInt(ptr));
        return Module.HEAPU8.slice(ptr, ptr + nbytes);
      } finally {
        Module._free(ptr);
      }
    };
    return {
      name, shape, recordSize, fields, filters,
      chunks: meta.chunks,
      attrs: attrsOf(ds),
      readRaw,
      read: (start, stop) => splitFields(readRaw(start, stop), recordSize, fields),
    };
  };
  return {
    path: file,
    attrs: attrsOf(f),
    datasets: () => f.keys().filter((k) => f.get(k) instanceof h5wasm.Dataset),
    dataset,
    close: () => f.close(),
  };
}
