import type { H5ElementType } from "../../hdf5/index.js";
import { float16ToNumber } from "../../hdf5/index.js";
import type { MeanStd } from "../../stages/index.js";
import type { TensorInput } from "./types.js";

/** A field of a stored record: its name, type and byte offset inside the record. */
export interface RecordFieldInfo {
  name: string;
  type: H5ElementType;
  offset: number;
}

/** Where one group's records sit in a block of rows, and what to make of them. */
export interface GroupLayout {
  name: string;
  /** `(N,)` dataset: one record per row and no `valid`. */
  global: boolean;
  /** Records per row (1 for the global group). */
  slots: number;
  recordSize: number;
  /** Fields to yield, in output order, each with its normalisation if any. */
  fields: { field: RecordFieldInfo; norm?: MeanStd }[];
  /** Byte offset of `valid` inside a record; -1 when every slot counts (no `valid` field). */
  validOffset: number;
}

/** Rows laid out one after the other, `stride` bytes each, the group's records `base` bytes into a row. */
export interface RowBlock {
  bytes: Uint8Array;
  view: DataView;
  stride: number;
  base: number;
}

export function rowBlock(bytes: Uint8Array, stride: number, base = 0): RowBlock {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), stride, base };
}

/** Byte offset of the first record of output row r: rows come in `order` when given. */
function rowStarts(block: RowBlock, size: number, order: Uint32Array | undefined, from: number): Int32Array {
  const at = new Int32Array(size);
  for (let r = 0; r < size; r++) at[r] = (order ? order[from + r]! : from + r) * block.stride + block.base;
  return at;
}

/** Reads one scalar of `type` at byte `p` as a number. */
type Getter = (v: DataView, b: Uint8Array, p: number) => number;

const GETTERS: Record<H5ElementType, Getter> = {
  bool: (_v, b, p) => b[p]!,
  uint8: (_v, b, p) => b[p]!,
  int8: (v, _b, p) => v.getInt8(p),
  int16: (v, _b, p) => v.getInt16(p, true),
  uint16: (v, _b, p) => v.getUint16(p, true),
  int32: (v, _b, p) => v.getInt32(p, true),
  uint32: (v, _b, p) => v.getUint32(p, true),
  int64: (v, _b, p) => Number(v.getBigInt64(p, true)),
  uint64: (v, _b, p) => Number(v.getBigUint64(p, true)),
  float16: (v, _b, p) => float16ToNumber(v.getUint16(p, true)),
  float32: (v, _b, p) => v.getFloat32(p, true),
  float64: (v, _b, p) => v.getFloat64(p, true),
};

function fillValid(valid: Uint8Array, bytes: Uint8Array, starts: Int32Array, g: GroupLayout): void {
  const { slots, recordSize } = g;
  for (let r = 0, s = 0; r < starts.length; r++) {
    let p = starts[r]! + g.validOffset;
    for (let j = 0; j < slots; j++, s++, p += recordSize) valid[s] = bytes[p]! === 0 ? 0 : 1;
  }
}

/*
 * Hot loops live in small functions of their own: V8 compiles a long loop on the stack, and code
 * after it in the same function, never run before, then deoptimised on every call.
 *
 * One loop per common storage type, so that each stays monomorphic: these loops are the whole
 * cost of turning stored records into tensors.
 */

function fillFloat32(out: Float32Array, k: number, nf: number, view: DataView, starts: Int32Array, g: GroupLayout, off: number, valid: Uint8Array, mean: number, std: number): void {
  const { slots, recordSize } = g;
  for (let r = 0, o = k, s = 0; r < starts.length; r++) {
    let p = starts[r]! + off;
    for (let j = 0; j < slots; j++, s++, o += nf, p += recordSize) out[o] = valid[s] ? (view.getFloat32(p, true) - mean) / std : 0;
  }
}

function fillByte(out: Float32Array, k: number, nf: number, bytes: Uint8Array, starts: Int32Array, g: GroupLayout, off: number, valid: Uint8Array, mean: number, std: number): void {
  const { slots, recordSize } = g;
  for (let r = 0, o = k, s = 0; r < starts.length; r++) {
    let p = starts[r]! + off;
    for (let j = 0; j < slots; j++, s++, o += nf, p += recordSize) out[o] = valid[s] ? (bytes[p]! - mean) / std : 0;
  }
}

function fillAny(out: Float32Array, k: number, nf: number, block: RowBlock, starts: Int32Array, g: GroupLayout, off: number, valid: Uint8Array, mean: number, std: number, get: Getter): void {
  const { slots, recordSize } = g;
  const { view, bytes } = block;
  for (let r = 0, o = k, s = 0; r < starts.length; r++) {
    let p = starts[r]! + off;
    for (let j = 0; j < slots; j++, s++, o += nf, p += recordSize) out[o] = valid[s] ? (get(view, bytes, p) - mean) / std : 0;
  }
}

/**
 * The tensor of one group for `size` rows of a block (rows `order[from..from+size)` when an order
 * is given, else `from..from+size`). Normalised fields are `(x - mean) / std` computed in float64
 * and stored as float32; padded slots are 0.
 */
export function decodeGroup(g: GroupLayout, block: RowBlock, size: number, order?: Uint32Array, from = 0): TensorInput {
  const starts = rowStarts(block, size, order, from);
  const valid = new Uint8Array(size * g.slots);
  if (g.validOffset < 0) valid.fill(1);
  else fillValid(valid, block.bytes, starts, g);
  const nf = g.fields.length;
  const data = new Float32Array(valid.length * nf);
  for (let k = 0; k < nf; k++) {
    const { field, norm } = g.fields[k]!;
    const mean = norm ? norm.mean : 0;
    const std = norm ? norm.std : 1;
    if (field.type === "float32") fillFloat32(data, k, nf, block.view, starts, g, field.offset, valid, mean, std);
    else if (field.type === "bool" || field.type === "uint8") fillByte(data, k, nf, block.bytes, starts, g, field.offset, valid, mean, std);
    else fillAny(data, k, nf, block, starts, g, field.offset, valid, mean, std, GETTERS[field.type]);
  }
  const fields = g.fields.map((f) => f.field.name);
  const shape = g.global ? [size, nf] : [size, g.slots, nf];
  return g.global ? { data, shape, fields } : { data, shape, fields, valid };
}

/** The class index of every row, from the label field of the global group. */
export function decodeLabels(field: RecordFieldInfo, block: RowBlock, size: number, order?: Uint32Array, from = 0): Int32Array {
  const starts = rowStarts(block, size, order, from);
  const get = GETTERS[field.type];
  const out = new Int32Array(size);
  for (let r = 0; r < size; r++) out[r] = get(block.view, block.bytes, starts[r]! + field.offset);
  return out;
}
