/**
 * Conversion between sxflow batches and apache-arrow record batches.
 *
 * Numeric values and Int32 list offsets are shared, not copied: an sxflow jagged column has the
 * memory layout of an Arrow List. Copies happen only where the layouts differ: booleans (one
 * byte per flag here, one bit in Arrow) and 64-bit list offsets (LargeList), which sxflow keeps
 * as Int32.
 */
import {
  Bool,
  Data,
  DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeList,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  Type,
  Uint16,
  Uint32,
  Uint64,
  Uint8,
  Utf8,
} from "apache-arrow";
import { packBits, unpackBits } from "./bits.js";
import { concatBatches } from "./batch.js";
import { columnLength } from "./column.js";
import { elementTypeOf } from "./element-type.js";
import type { Batch, Column, ElementType, NumericArray } from "./types.js";

export interface BatchToArrowOptions {
  /**
   * Write jagged columns as LargeList (BigInt64 offsets, a copy) instead of List (Int32
   * offsets, shared). awkward's `to_arrow_table`, which ServiceX uses, writes LargeList.
   */
  largeList?: boolean;
}

/** Name of the single child field of list types, as pyarrow and arrow-rs name it. */
const ITEM = "item";

const ARROW_TYPES: Record<ElementType, () => DataType> = {
  bool: () => new Bool(),
  int8: () => new Int8(),
  uint8: () => new Uint8(),
  int16: () => new Int16(),
  uint16: () => new Uint16(),
  int32: () => new Int32(),
  uint32: () => new Uint32(),
  int64: () => new Int64(),
  uint64: () => new Uint64(),
  float32: () => new Float32(),
  float64: () => new Float64(),
};

function leafElementType(column: Column): ElementType {
  if (column.kind === "string") throw new Error("a string column has no numeric element type");
  if (column.elementType) return column.elementType;
  if (column.kind === "jagged" && !ArrayBuffer.isView(column.values)) return leafElementType(column.values);
  return elementTypeOf(column.values as NumericArray);
}

function leafData(values: NumericArray, type: ElementType): Data {
  if (type === "bool") {
    return makeData({ type: new Bool(), length: values.length, data: packBits(values as Uint8Array) });
  }
  return makeData({ type: ARROW_TYPES[type](), length: values.length, data: values } as never);
}

function int64Offsets(offsets: Int32Array): BigInt64Array {
  const out = new BigInt64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) out[i] = BigInt(offsets[i]!);
  return out;
}

/** Arrow data of one column; `name` only labels errors. */
export function columnToArrow(column: Column, name: string, options: BatchToArrowOptions = {}): Data {
  if (column.kind === "string") {
    // Utf8 shares sxflow's layout: Int32 offsets into the UTF-8 bytes.
    return makeData({ type: new Utf8(), length: column.offsets.length - 1, valueOffsets: column.offsets, data: column.values, nullCount: 0 });
  }
  if (column.kind === "flat") {
    const leaf = leafData(column.values, leafElementType(column));
    const shape = column.shape ?? [];
    // A fixed shape [a, b] nests as FixedSizeList(a)<FixedSizeList(b)<leaf>>, built inside out.
    let data = leaf;
    let count = column.values.length;
    for (let d = shape.length - 1; d >= 0; d--) {
      const size = shape[d]!;
      count /= size;
      data = makeData({
        type: new FixedSizeList(size, new Field(ITEM, data.type, false)),
        length: count,
        child: data,
        nullCount: 0,
      });
    }
    return data;
  }
  const events = column.offsets.length - 1;
  const child = ArrayBuffer.isView(column.values) ? leafData(column.values, leafElementType(column)) : columnToArrow(column.values, name, options);
  const field = new Field(ITEM, child.type, false);
  if (options.largeList) {
    return makeData({
      type: new LargeList(field),
      length: events,
      valueOffsets: int64Offsets(column.offsets),
      child,
      nullCount: 0,
    } as never);
  }
  return makeData({ type: new List(field), length: events, valueOffsets: column.offsets, child, nullCount: 0 });
}

/** An Arrow record batch holding the batch's columns, in key order, none nullable. */
export function batchToArrow(batch: Batch, options: BatchToArrowOptions = {}): RecordBatch {
  const names = Object.keys(batch.columns);
  const seen = new Set<Int32Array>();
  const children: Data[] = [];
  const fields: Field[] = [];
  for (const name of names) {
    const column = batch.columns[name]!;
    const n = columnLength(column);
    if (n !== batch.length) {
      throw new Error(`batchToArrow: column "${name}" holds ${n} events, the batch has ${batch.length}`);
    }
    const data = columnToArrow(unshared(column, seen), name, options);
    children.push(data);
    fields.push(new Field(name, data.type, false));
  }
  const schema = new Schema(fields);
  const struct = makeData({ type: new Struct(fields), length: batch.length, children, nullCount: 0 });
  return new RecordBatch(schema, struct);
}

/**
 * The column with its own copies of offsets another column of the batch already uses. Columns of
 * one collection often share an offsets array, and apache-arrow's IPC writer (21.x) writes a
 * wrong message body for a record batch in which two list columns share one whose lists are all
 * empty ("Expected to read 40 bytes for message body, but only read 32" on reading it back).
 * Offsets are small; values stay shared.
 */
function unshared(column: Column, seen: Set<Int32Array>): Column {
  if (column.kind === "flat") return column;
  if (column.kind === "string") {
    const offsets = seen.has(column.offsets) ? column.offsets.slice() : column.offsets;
    seen.add(offsets);
    return offsets === column.offsets ? column : { ...column, offsets };
  }
  const offsets = seen.has(column.offsets) ? column.offsets.slice() : column.offsets;
  seen.add(offsets);
  const values = ArrayBuffer.isView(column.values) ? column.values : unshared(column.values, seen);
  return offsets === column.offsets && values === column.values ? column : { ...column, offsets, values };
}

const LEAF_TYPES: Partial<Record<Type, ElementType>> = {
  [Type.Bool]: "bool",
};

function leafElementTypeOf(type: DataType): ElementType | undefined {
  const known = LEAF_TYPES[type.typeId];
  if (known) return known;
  if (DataType.isInt(type)) {
    const bits = type.bitWidth;
    return `${type.isSigned ? "int" : "uint"}${bits}` as ElementType;
  }
  if (DataType.isFloat(type)) {
    if (type.precision === 1) return "float32";
    if (type.precision === 2) return "float64";
  }
  return undefined;
}

function unsupported(name: string, type: DataType, why = ""): Error {
  return new Error(`column "${name}": Arrow type ${String(type)} is not supported by sxflow batches${why}`);
}

function checkNoNulls(data: Data, name: string): void {
  if (data.nullCount > 0) {
    throw new Error(`column "${name}": ${data.nullCount} null values; sxflow batches cannot hold nulls`);
  }
}

const INT32_MAX = 2 ** 31 - 1;

function largeOffsetsToInt32(offsets: BigInt64Array, name: string): Int32Array {
  const last = offsets.length > 0 ? offsets[offsets.length - 1]! : 0n;
  if (offsets.length > 0 && offsets[0]! < 0n) throw new Error(`column "${name}": negative LargeList offset ${offsets[0]}`);
  if (last > BigInt(INT32_MAX)) {
    throw new Error(
      `column "${name}": LargeList offset ${last} exceeds 2^31-1; read fewer events per batch (sxflow offsets are Int32)`,
    );
  }
  // Offsets are non-negative and below 2^31, so each is its own low 32-bit word (little-endian):
  // read the words directly instead of converting a BigInt per element.
  const words = new Int32Array(offsets.buffer, offsets.byteOffset, offsets.length * 2);
  const out = new Int32Array(offsets.length);
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i]!;
  return out;
}

/** Leaf values of `data` (elements [0, data.length) after its offset), shared where possible. */
function leafValues(data: Data, type: ElementType): NumericArray {
  if (type === "bool") return unpackBits(data.values as Uint8Array, data.offset, data.length);
  // apache-arrow slices fixed-width value buffers itself, so `values` already starts at `offset`.
  return (data.values as NumericArray).subarray(0, data.length);
}

/** Element range [lo, hi) of `data`'s child selected by `data`'s events (FixedSizeList). */
function sliceChild(child: Data, lo: number, hi: number): Data {
  return lo === 0 && hi === child.length ? child : child.slice(lo, hi - lo);
}

/** An sxflow column from Arrow data; `name` labels errors. */
export function arrowToColumn(data: Data, name: string): Column {
  checkNoNulls(data, name);
  const type = data.type as DataType;
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return stringColumn(data, name);
  const leaf = leafElementTypeOf(type);
  if (leaf) {
    const values = leafValues(data, leaf);
    return leaf === "bool" ? { kind: "flat", values, elementType: "bool" } : { kind: "flat", values };
  }
  if (DataType.isFixedSizeList(type)) {
    const size = type.listSize;
    const child = sliceChild(data.children[0]!, data.offset * size, (data.offset + data.length) * size);
    const inner = arrowToColumn(child, name);
    if (inner.kind !== "flat") throw unsupported(name, type, " (a fixed-size list of variable-length lists)");
    const column: Column = { kind: "flat", values: inner.values, shape: [size, ...(inner.shape ?? [])] };
    if (inner.elementType) column.elementType = inner.elementType;
    return column;
  }
  if (DataType.isList(type) || DataType.isLargeList(type)) {
    const raw = data.valueOffsets as Int32Array | BigInt64Array;
    // An empty list array may come with an empty (or garbage) offsets buffer from IPC.
    const offsets =
      data.length === 0 ? new Int32Array(1) : raw instanceof BigInt64Array ? largeOffsetsToInt32(raw, name) : raw;
    const inner = arrowToColumn(data.children[0]!, name);
    const values = inner.kind === "flat" && !inner.shape ? inner.values : inner;
    const column: Column = { kind: "jagged", offsets: offsets.subarray(0, data.length + 1), values };
    if (inner.kind !== "string" && inner.elementType) column.elementType = inner.elementType;
    return column;
  }
  throw unsupported(name, type);
}

/** Events [offset, offset + length) of Utf8 or LargeUtf8 data as a string column (offsets rebased when the data is a slice). */
function stringColumn(data: Data, name: string): Column {
  const raw = data.valueOffsets as Int32Array | BigInt64Array;
  if (data.length === 0) return { kind: "string", offsets: new Int32Array(1), values: new Uint8Array(0) };
  let offsets = raw instanceof BigInt64Array ? largeOffsetsToInt32(raw, name) : raw;
  offsets = offsets.subarray(0, data.length + 1);
  const bytes = data.values as Uint8Array;
  const first = offsets[0]!;
  if (first !== 0) offsets = offsets.map((o) => o - first);
  return { kind: "string", offsets, values: bytes.subarray(first, first + offsets[data.length]!) };
}

/** An sxflow batch from an Arrow record batch or table (a multi-batch table is concatenated). */
export function arrowToBatch(input: RecordBatch | Table, columns?: string[]): Batch {
  if (input instanceof Table) {
    if (input.batches.length === 1) return arrowToBatch(input.batches[0]!, columns);
    return concatBatches(input.batches.map((b) => arrowToBatch(b, columns)));
  }
  const names = columns ?? input.schema.fields.map((f) => f.name);
  const out: Record<string, Column> = {};
  for (const name of names) {
    const index = input.schema.fields.findIndex((f) => f.name === name);
    if (index < 0) throw new Error(`arrowToBatch: no column "${name}" in the record batch`);
    out[name] = arrowToColumn(input.data.children[index]!, name);
  }
  return { length: input.numRows, columns: out };
}

/** How an Arrow type maps to an sxflow column. */
export type ArrowTypeMapping =
  | { kind: "flat"; elementType: ElementType }
  | { kind: "fixed"; elementType: ElementType; shape: number[] }
  | { kind: "jagged"; elementType: ElementType; depth: number }
  | { error: string };

/** The sxflow column an Arrow type becomes, or why it cannot become one. */
export function describeArrowType(type: DataType): ArrowTypeMapping {
  const leaf = leafElementTypeOf(type);
  if (leaf) return { kind: "flat", elementType: leaf };
  if (DataType.isFixedSizeList(type) || DataType.isList(type) || DataType.isLargeList(type)) {
    const inner = describeArrowType(type.children[0]!.type);
    if ("error" in inner) return inner;
    if (DataType.isFixedSizeList(type)) {
      if (inner.kind === "jagged") return { error: "a fixed-size list of variable-length lists" };
      const shape = [type.listSize, ...(inner.kind === "fixed" ? inner.shape : [])];
      return { kind: "fixed", elementType: inner.elementType, shape };
    }
    return { kind: "jagged", elementType: inner.elementType, depth: inner.kind === "jagged" ? inner.depth + 1 : 1 };
  }
  return { error: `Arrow type ${String(type)}` };
}
