import { allocate, elementTypeOf } from "./element-type.js";
import type { Column, ElementType, JaggedColumn, NumericArray, StringColumn } from "./types.js";

/** Values per event of a flat column (1 for scalars, product(shape) for fixed arrays). */
export function flatWidth(shape: number[] | undefined): number {
  let w = 1;
  if (shape) for (const d of shape) w *= d;
  return w;
}

/** Number of events a column holds. */
export function columnLength(column: Column): number {
  if (column.kind !== "flat") return column.offsets.length - 1;
  return column.values.length / flatWidth(column.shape);
}

/** True when a column's leaves are strings (a string column, or lists of them). */
export function holdsStrings(column: Column): boolean {
  if (column.kind === "string") return true;
  return column.kind === "jagged" && !ArrayBuffer.isView(column.values) && holdsStrings(column.values);
}

/** The element type of a column's numeric leaf values; string columns have none. */
export function leafType(column: Column): ElementType {
  if (column.kind === "string") throw new Error("a string column has no numeric element type");
  if (column.elementType) return column.elementType;
  if (column.kind === "jagged" && !ArrayBuffer.isView(column.values)) return leafType(column.values as Column);
  return elementTypeOf(column.values as NumericArray);
}

function isColumn(v: NumericArray | Column): v is Column {
  return !ArrayBuffer.isView(v);
}

// A string column moves like a list of bytes per event: the helpers below work on that view.
function asBytes(column: StringColumn): JaggedColumn {
  return { kind: "jagged", offsets: column.offsets, values: column.values };
}

function asStrings(column: Column): StringColumn {
  const bytes = column as JaggedColumn;
  return { kind: "string", offsets: bytes.offsets, values: bytes.values as Uint8Array };
}

function rebase(offsets: Int32Array, start: number, stop: number): Int32Array {
  const base = offsets[start]!;
  const out = new Int32Array(stop - start + 1);
  for (let i = 0; i <= stop - start; i++) out[i] = offsets[start + i]! - base;
  return out;
}

function sliceInner(values: NumericArray | Column, lo: number, hi: number): NumericArray | Column {
  return isColumn(values) ? sliceColumn(values, lo, hi) : values.subarray(lo, hi);
}

/** Events [start, stop) of a column. Flat slices are views; jagged offsets are rebased copies. */
export function sliceColumn(column: Column, start: number, stop: number): Column {
  if (column.kind === "string") return asStrings(sliceColumn(asBytes(column), start, stop));
  if (column.kind === "flat") {
    const w = flatWidth(column.shape);
    return { ...column, values: column.values.subarray(start * w, stop * w) };
  }
  const offsets = rebase(column.offsets, start, stop);
  const values = sliceInner(column.values, column.offsets[start]!, column.offsets[stop]!);
  return { ...column, offsets, values };
}

function concatArrays(parts: NumericArray[]): NumericArray {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = allocate(elementTypeOf(parts[0]!), n);
  let at = 0;
  for (const p of parts) {
    (out as Float64Array).set(p as Float64Array, at);
    at += p.length;
  }
  return out;
}

/** Concatenates columns of the same kind and type, in order. */
export function concatColumns(parts: Column[]): Column {
  const first = parts[0];
  if (!first) throw new Error("concatColumns: no columns to concatenate");
  if (parts.length === 1) return first;
  if (first.kind === "string") return asStrings(concatColumns(parts.map((p) => asBytes(p as StringColumn))));
  if (first.kind === "flat") {
    return { ...first, values: concatArrays(parts.map((p) => p.values as NumericArray)) };
  }
  const jagged = parts as Extract<Column, { kind: "jagged" }>[];
  let events = 0;
  for (const p of jagged) events += p.offsets.length - 1;
  const offsets = new Int32Array(events + 1);
  let at = 0;
  let base = 0;
  for (const p of jagged) {
    const o = p.offsets;
    const o0 = o[0]!;
    for (let i = 1; i < o.length; i++) offsets[++at] = o[i]! - o0 + base;
    base += o[o.length - 1]! - o0;
  }
  const inner = jagged.map((p) => sliceInner(p.values, p.offsets[0]!, p.offsets[p.offsets.length - 1]!));
  const values = isColumn(inner[0]!)
    ? concatColumns(inner as Column[])
    : concatArrays(inner as NumericArray[]);
  return { ...first, offsets, values };
}

/** Indices of the non-zero bytes of a mask. */
export function maskIndex(mask: Uint8Array): Int32Array {
  const index = new Int32Array(countSet(mask));
  fillIndex(mask, index);
  return index;
}

// maskIndex's loops in functions of their own: compiled on the stack during the first, one
// function holding both was thrown away on reaching the allocation after it.

function countSet(mask: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  return count;
}

function fillIndex(mask: Uint8Array, index: Int32Array): void {
  const count = index.length;
  for (let i = 0, at = 0; at < count; i++) if (mask[i]) index[at++] = i;
}

/** Keeps the events whose mask byte is non-zero. */
export function filterColumn(column: Column, mask: Uint8Array): Column {
  return takeColumn(column, maskIndex(mask));
}

/**
 * The same bytes as lanes of the element's width (8-byte elements as two 32-bit lanes), so that
 * copies are bit-exact and the copy loops see three array types whatever the column types: a loop
 * fed every element type goes megamorphic and V8 deoptimised it again and again.
 */
function lanesOf(values: NumericArray): { lanes: Uint8Array | Uint16Array | Int32Array; per: number } {
  const { buffer, byteOffset, byteLength } = values;
  switch (values.BYTES_PER_ELEMENT) {
    case 1:
      return { lanes: new Uint8Array(buffer, byteOffset, byteLength), per: 1 };
    case 2:
      return { lanes: new Uint16Array(buffer, byteOffset, byteLength / 2), per: 1 };
    case 4:
      return { lanes: new Int32Array(buffer, byteOffset, byteLength / 4), per: 1 };
    default:
      return { lanes: new Int32Array(buffer, byteOffset, byteLength / 4), per: 2 };
  }
}

/** Copies lanes [start[k] * per, end[k] * per) of every kept event, one after the other. */
function gatherRanges(src: Uint8Array | Uint16Array | Int32Array, dst: Uint8Array | Uint16Array | Int32Array, o: Int32Array, index: Int32Array, per: number): void {
  let pos = 0;
  for (let k = 0; k < index.length; k++) {
    const i = index[k]!;
    const end = o[i + 1]! * per;
    for (let j = o[i]! * per; j < end; j++) dst[pos++] = src[j]!;
  }
}

/** Copies `width` lanes from lane index[k] * width of every kept event. */
function gatherFixed(src: Uint8Array | Uint16Array | Int32Array, dst: Uint8Array | Uint16Array | Int32Array, index: Int32Array, width: number): void {
  if (width === 1) {
    for (let k = 0; k < index.length; k++) dst[k] = src[index[k]!]!;
    return;
  }
  let pos = 0;
  for (let k = 0; k < index.length; k++) {
    const end = (index[k]! + 1) * width;
    for (let j = index[k]! * width; j < end; j++) dst[pos++] = src[j]!;
  }
}

/**
 * Offsets of the kept events' lists, from 0. A helper of its own (as the copy loops): a loop in
 * takeColumn had V8 compile it on the stack and throw the code away at the next column kind.
 */
function keptOffsets(o: Int32Array, index: Int32Array): Int32Array {
  const offsets = new Int32Array(index.length + 1);
  let total = 0;
  for (let k = 0; k < index.length; k++) offsets[k + 1] = total += o[index[k]! + 1]! - o[index[k]!]!;
  return offsets;
}

/**
 * The events at `index` (increasing), in that order. The work follows the kept events, not every
 * event of the column: cuts often keep a few per cent, and one index serves every column.
 */
export function takeColumn(column: Column, index: Int32Array): Column {
  if (column.kind === "string") return asStrings(takeColumn(asBytes(column), index));
  const count = index.length;
  if (column.kind === "flat") {
    const w = flatWidth(column.shape);
    const out = allocate(elementTypeOf(column.values), count * w);
    const src = lanesOf(column.values);
    gatherFixed(src.lanes, lanesOf(out).lanes, index, w * src.per);
    return { ...column, values: out };
  }
  const o = column.offsets;
  const offsets = keptOffsets(o, index);
  const total = offsets[count]!;
  if (!isColumn(column.values)) {
    const out = allocate(elementTypeOf(column.values), total);
    const src = lanesOf(column.values);
    gatherRanges(src.lanes, lanesOf(out).lanes, o, index, src.per);
    return { ...column, offsets, values: out };
  }
  // A list of lists: keep the inner lists of the kept events.
  const inner = new Int32Array(total);
  for (let k = 0, pos = 0; k < count; k++) for (let j = o[index[k]!]!; j < o[index[k]! + 1]!; j++) inner[pos++] = j;
  return { ...column, offsets, values: takeColumn(column.values as Column, inner) };
}
