/**
 * Columns of a parquet-wasm record batch read straight from WebAssembly memory through the Arrow
 * C Data Interface, each buffer copied once into the sxflow layout. The IPC route it replaces
 * serialised the batch inside wasm, copied the stream out, parsed it with apache-arrow and then
 * converted 64-bit list offsets: two extra copies of every column and the garbage they leave.
 *
 * Struct layouts on wasm32 (pointers 4 bytes, int64 8-byte aligned):
 *   ArrowSchema: format 0, name 4, metadata 8, flags 16, n_children 24, children 32, dictionary 36
 *   ArrowArray:  length 0, null_count 8, offset 16, n_buffers 24, n_children 32, buffers 40,
 *                children 44, dictionary 48
 */
import type { RecordBatch as WasmRecordBatch, Schema as WasmSchema } from "parquet-wasm";
import { parquetWasm } from "./wasm.js";
import { arrayConstructor } from "../batch/element-type.js";
import { unpackBits } from "../batch/bits.js";
import type { Batch, Column } from "../batch/types.js";
import { LEAF_FORMATS } from "./schema.js";

const INT32_MAX = 2 ** 31 - 1;

/** Reads the C structs of one export; valid until the next call into wasm. */
class FfiView {
  private readonly view: DataView;
  private readonly bytes: Uint8Array;

  constructor(buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  /** A non-negative int64 field (lengths, counts, offsets) as a number. */
  int(at: number): number {
    const hi = this.view.getInt32(at + 4, true);
    return hi * 2 ** 32 + this.u32(at);
  }

  /** An offset of a string or list array: 32-bit, or 64-bit below 2^53. */
  int32or64(at: number, width: number): number {
    return width === 4 ? this.view.getInt32(at, true) : this.int(at);
  }

  cString(at: number): string {
    let end = at;
    while (this.bytes[end] !== 0) end++;
    return new TextDecoder().decode(this.bytes.subarray(at, end));
  }

  /** `length` bytes at `at`, copied out of wasm memory. */
  copy(at: number, length: number): ArrayBuffer {
    return this.bytes.slice(at, at + length).buffer;
  }

  sub(at: number, length: number): Uint8Array {
    return this.bytes.subarray(at, at + length);
  }
}

interface Node {
  format: string;
  name: string;
  schema: number;
  array: number;
}

/** Taken after an export: exporting may have grown (and so replaced) the memory buffer. */
function memoryView(): FfiView {
  return new FfiView(parquetWasm().wasmMemory().buffer as ArrayBuffer);
}

function childOf(m: FfiView, node: Node, i: number): Node {
  const schema = m.u32(m.u32(node.schema + 32) + 4 * i);
  const array = m.u32(m.u32(node.array + 44) + 4 * i);
  return { format: m.cString(m.u32(schema)), name: m.cString(m.u32(schema + 4)), schema, array };
}

function buffer(m: FfiView, node: Node, i: number): number {
  return m.u32(m.u32(node.array + 40) + 4 * i);
}

function checkNoNulls(m: FfiView, node: Node, start: number, count: number, column: string): void {
  const nullCount = m.int(node.array + 8);
  if (nullCount === 0) return;
  const validity = buffer(m, node, 0);
  if (validity === 0) return;
  const offset = m.int(node.array + 16) + start;
  const bits = unpackBits(m.sub(validity, Math.ceil((offset + count) / 8)), offset, count);
  let nulls = 0;
  for (let i = 0; i < count; i++) nulls += 1 - bits[i]!;
  if (nulls > 0) throw new Error(`column "${column}": ${nulls} null values; sxflow batches cannot hold nulls`);
}

/** Elements [start, start + count) of an array (after its own offset) as an sxflow column. */
function readColumn(m: FfiView, node: Node, start: number, count: number, column: string): Column {
  checkNoNulls(m, node, start, count, column);
  const at = m.int(node.array + 16) + start;
  if (m.u32(node.schema + 36) !== 0) return readDictionary(m, node, at, count, column);
  if (node.format === "u" || node.format === "U") return readStrings(m, node, at, count, column);
  const leaf = LEAF_FORMATS[node.format];
  if (leaf === "bool") {
    const values = unpackBits(m.sub(buffer(m, node, 1), Math.ceil((at + count) / 8)), at, count);
    return { kind: "flat", values, elementType: "bool" };
  }
  if (leaf) {
    const Ctor = arrayConstructor(leaf);
    const size = Ctor.BYTES_PER_ELEMENT;
    const values = count === 0 ? new Ctor(0) : new Ctor(m.copy(buffer(m, node, 1) + at * size, count * size));
    return { kind: "flat", values };
  }
  if (node.format.startsWith("+w:")) {
    const width = Number(node.format.slice(3));
    const inner = readColumn(m, childOf(m, node, 0), at * width, count * width, column);
    if (inner.kind !== "flat") throw new Error(`column "${column}": Arrow type ${node.format} (a fixed-size list of variable-length lists) is not supported by sxflow batches`);
    const out: Column = { kind: "flat", values: inner.values, shape: [width, ...(inner.shape ?? [])] };
    if (inner.elementType) out.elementType = inner.elementType;
    return out;
  }
  if (node.format === "+l" || node.format === "+L") {
    const offsets = new Int32Array(count + 1);
    const base = buffer(m, node, 1);
    if (count > 0) {
      if (node.format === "+l") {
        offsets.set(new Int32Array(m.copy(base + at * 4, (count + 1) * 4)));
      } else {
        const words = new Int32Array(m.copy(base + at * 8, (count + 1) * 8));
        if (words[1] !== 0 || words[2 * count + 1] !== 0 || words[2 * count]! < 0) {
          const last = m.int(base + (at + count) * 8);
          throw new Error(`column "${column}": LargeList offset ${last} exceeds 2^31-1; read fewer events per batch (sxflow offsets are Int32)`);
        }
        lowWords(words, offsets);
      }
    }
    const first = offsets[0]!;
    const last = offsets[count]!;
    if (last < first || last - first > INT32_MAX) throw new Error(`column "${column}": list offsets decrease (${first} to ${last})`);
    if (first !== 0) rebase(offsets, first);
    const inner = readColumn(m, childOf(m, node, 0), first, last - first, column);
    const values = inner.kind === "flat" && !inner.shape ? inner.values : inner;
    const out: Column = { kind: "jagged", offsets, values };
    if (inner.kind !== "string" && inner.elementType) out.elementType = inner.elementType;
    return out;
  }
  throw new Error(`column "${column}": Arrow format "${node.format}" is not supported by sxflow batches`);
}

/** Utf8 (32-bit offsets) or LargeUtf8 (64-bit) elements [at, at + count): offsets from 0 and the bytes they span. */
function readStrings(m: FfiView, node: Node, at: number, count: number, column: string): Column {
  const offsets = new Int32Array(count + 1);
  const base = buffer(m, node, 1);
  if (count > 0) {
    if (node.format === "u") {
      offsets.set(new Int32Array(m.copy(base + at * 4, (count + 1) * 4)));
    } else {
      const words = new Int32Array(m.copy(base + at * 8, (count + 1) * 8));
      if (words[1] !== 0 || words[2 * count + 1] !== 0 || words[2 * count]! < 0) {
        throw new Error(`column "${column}": LargeUtf8 offset ${m.int(base + (at + count) * 8)} exceeds 2^31-1; read fewer events per batch (sxflow offsets are Int32)`);
      }
      lowWords(words, offsets);
    }
  }
  const first = offsets[0]!;
  const last = offsets[count]!;
  if (last < first) throw new Error(`column "${column}": string offsets decrease (${first} to ${last})`);
  if (first !== 0) rebase(offsets, first);
  const values = new Uint8Array(last - first);
  if (last > first) values.set(m.sub(buffer(m, node, 2) + first, last - first));
  return { kind: "string", offsets, values };
}

const INDEX_ARRAYS: Record<string, Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor | Int32ArrayConstructor | Uint32ArrayConstructor> = {
  c: Int8Array,
  C: Uint8Array,
  s: Int16Array,
  S: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
};

/**
 * A dictionary-encoded string array (what a Parquet dictionary page comes back as when the
 * file's Arrow schema asks for it): the indices [at, at + count) looked up in its dictionary.
 */
function readDictionary(m: FfiView, node: Node, at: number, count: number, column: string): Column {
  const dictSchema = m.u32(node.schema + 36);
  const dictArray = m.u32(node.array + 48);
  const dict: Node = { format: m.cString(m.u32(dictSchema)), name: "", schema: dictSchema, array: dictArray };
  if (dict.format !== "u" && dict.format !== "U") throw new Error(`column "${column}": dictionaries of Arrow format "${dict.format}" are not supported by sxflow batches`);
  const size = m.int(dictArray);
  const words = readStrings(m, dict, m.int(dictArray + 16), size, column) as { offsets: Int32Array; values: Uint8Array };
  const wide = node.format === "l" || node.format === "L";
  const Ctor = INDEX_ARRAYS[node.format];
  if (!Ctor && !wide) throw new Error(`column "${column}": dictionary indices of Arrow format "${node.format}" are not supported`);
  const width = wide ? 8 : Ctor!.BYTES_PER_ELEMENT;
  const raw = count === 0 ? new ArrayBuffer(0) : m.copy(buffer(m, node, 1) + at * width, count * width);
  const indices: ArrayLike<number | bigint> = wide ? new BigInt64Array(raw) : new Ctor!(raw);
  return gatherStrings(words.offsets, words.values, indices, size, column);
}

function gatherStrings(dictOffsets: Int32Array, dictValues: Uint8Array, indices: ArrayLike<number | bigint>, size: number, column: string): Column {
  const count = indices.length;
  const offsets = new Int32Array(count + 1);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const k = Number(indices[i]!);
    if (!(k >= 0 && k < size)) throw new Error(`column "${column}": dictionary index ${k} outside its ${size} values`);
    bytes += dictOffsets[k + 1]! - dictOffsets[k]!;
    if (bytes > INT32_MAX) throw new Error(`column "${column}": more than 2^31-1 bytes of strings; read fewer events per batch`);
    offsets[i + 1] = bytes;
  }
  const values = new Uint8Array(bytes);
  for (let i = 0; i < count; i++) {
    const k = Number(indices[i]!);
    values.set(dictValues.subarray(dictOffsets[k]!, dictOffsets[k + 1]!), offsets[i]!);
  }
  return { kind: "string", offsets, values };
}

// The loops over offsets live in their own functions: readColumn is recursive and runs once per
// column, and V8 kept recompiling it on-stack around an inline loop.

/** Non-negative 64-bit offsets below 2^31 are their own low words (little-endian). */
function lowWords(words: Int32Array, out: Int32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i]!;
}

function rebase(offsets: Int32Array, first: number): void {
  for (let i = 0; i < offsets.length; i++) offsets[i] = offsets[i]! - first;
}

/**
 * The named columns of a parquet-wasm record batch as an sxflow batch. Consumes (frees) the
 * wasm batch.
 */
export function ffiToBatch(batch: WasmRecordBatch, columns: readonly string[]): Batch {
  return withExport(batch, (m, rows) => {
    const out: Record<string, Column> = {};
    for (const name of columns) out[name] = readColumn(m, rows.column(name), rows.offset, rows.length, name);
    return { length: rows.length, columns: out };
  });
}

/** The rows of an exported record batch: their count, the struct's offset and its columns by name. */
interface ExportedRows {
  length: number;
  /** A struct's offset applies to its children as well. */
  offset: number;
  column(name: string): Node;
}

/** Runs `read` on the C structs of a record batch, then frees them. Consumes the wasm batch. */
function withExport<T>(batch: WasmRecordBatch, read: (m: FfiView, rows: ExportedRows) => T): T {
  const ffi = batch.intoFFI();
  try {
    const m = memoryView();
    const schema = ffi.schemaAddr();
    const array = ffi.arrayAddr();
    const root: Node = { format: m.cString(m.u32(schema)), name: "", schema, array };
    if (root.format !== "+s") throw new Error(`a record batch exported as Arrow format "${root.format}", not a struct`);
    const byName = new Map<string, Node>();
    const n = m.int(schema + 24);
    for (let i = 0; i < n; i++) {
      const child = childOf(m, root, i);
      byName.set(child.name, child);
    }
    const column = (name: string): Node => {
      const node = byName.get(name);
      if (!node) throw new Error(`no column "${name}" in the record batch`);
      return node;
    };
    return read(m, { length: m.int(array), offset: m.int(array + 16), column });
  } finally {
    ffi.free();
  }
}

/** A field of an exported Arrow schema: its format string (the C Data Interface's type code) and children. */
export interface FfiField {
  name: string;
  format: string;
  children: FfiField[];
  /** The value type of a dictionary-encoded field (whose own format is then the index type). */
  dictionary?: FfiField;
}

function readField(m: FfiView, schema: number, depth: number): FfiField {
  if (depth > 64) throw new Error("Arrow schema nested too deeply");
  const n = m.int(schema + 24);
  const children: FfiField[] = [];
  for (let i = 0; i < n; i++) children.push(readField(m, m.u32(m.u32(schema + 32) + 4 * i), depth + 1));
  const field: FfiField = { name: m.cString(m.u32(schema + 4)), format: m.cString(m.u32(schema)), children };
  const dictionary = m.u32(schema + 36);
  if (dictionary !== 0) field.dictionary = readField(m, dictionary, depth + 1);
  return field;
}

/** The fields of a parquet-wasm schema, read through the C Data Interface. Consumes the schema. */
export function ffiSchemaFields(schema: WasmSchema): FfiField[] {
  const ffi = schema.intoFFI();
  try {
    return readField(memoryView(), ffi.addr(), 0).children;
  } finally {
    ffi.free();
  }
}

/**
 * The runs of equal consecutive values of a string column of a record batch, in order, each
 * passed to `onRun`. Consumes (frees) the wasm batch.
 */
export function ffiStringRuns(batch: WasmRecordBatch, column: string, onRun: (name: string, rows: number) => void): void {
  withExport(batch, (m, rows) => {
    const node = rows.column(column);
    if (node.format !== "u" && node.format !== "U") throw new Error(`column "${column}" has Arrow format "${node.format}", not a string`);
    const { length } = rows;
    checkNoNulls(m, node, rows.offset, length, column);
    const start = rows.offset + m.int(node.array + 16);
    const width = node.format === "u" ? 4 : 8;
    const offsets = buffer(m, node, 1);
    const data = buffer(m, node, 2);
    const at = (i: number): number => m.int32or64(offsets + (start + i) * width, width);
    const decoder = new TextDecoder();
    let runStart = 0;
    for (let i = 1; i <= length; i++) {
      if (i < length && sameString(m, data, at(runStart), at(runStart + 1), at(i), at(i + 1))) continue;
      onRun(decoder.decode(m.sub(data + at(runStart), at(runStart + 1) - at(runStart))), i - runStart);
      runStart = i;
    }
  });
}

function sameString(m: FfiView, data: number, a0: number, a1: number, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  const bytes = m.sub(data, Math.max(a1, b1));
  for (let k = 0; k < a1 - a0; k++) if (bytes[a0 + k] !== bytes[b0 + k]) return false;
  return true;
}
