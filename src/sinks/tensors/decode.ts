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
  // Two 32-bit halves: the sum is rounded once, as Number(bigint) is, without allocating a BigInt.
  int64: (v, _b, p) => v.getInt32(p + 4, true) * 4294967296 + v.getUint32(p, true),
  uint64: (v, _b, p) => v.getUint32(p + 4, true) * 4294967296 + v.getUint32(p, true),
  float16: (v, _b, p) => float16ToNumber(v.getUint16(p, true)),
  float32: (v, _b, p) => v.getFloat32(p, true),
  float64: (v, _b, p) => v.getFloat64(p, true),
};

/**
 * Slot validity, and per row the slots up to its last valid one: the fill loops stop there, as
 * the output starts as zeros. SALT files are left-packed, so those slots are all valid and the
 * loops' `valid` test is always true (predictable), and padding costs nothing.
 */
function fillValid(valid: Uint8Array, used: Int32Array, bytes: Uint8Array, starts: Int32Array, g: GroupLayout): void {
  const { slots, recordSize } = g;
  for (let r = 0, s = 0; r < starts.length; r++) {
    let p = starts[r]! + g.validOffset;
    let last = 0;
    for (let j = 0; j < slots; j++, s++, p += recordSize) {
      const v = bytes[p]! === 0 ? 0 : 1;
      valid[s] = v;
      if (v) last = j + 1;
    }
    used[r] = last;
  }
}

/*
 * Hot loops live in small functions of their own: V8 compiles a long loop on the stack, and code
 * after it in the same function, never run before, then deoptimised on every call.
 *
 * One loop per common storage type, so that each stays monomorphic: these loops are the whole
 * cost of turning stored records into tensors.
 */

interface Fill {
  out: Float32Array;
  /** Output index of the field in the first slot, and of the next slot. */
  k: number;
  nf: number;
  starts: Int32Array;
  slots: number;
  recordSize: number;
  valid: Uint8Array;
  used: Int32Array;
}

function fillFloat32(f: Fill, view: DataView, off: number, mean: number, std: number): void {
  const { out, k, nf, starts, slots, recordSize, valid, used } = f;
  for (let r = 0; r < starts.length; r++) {
    const s0 = r * slots;
    const p0 = starts[r]! + off;
    for (let j = 0, n = used[r]!; j < n; j++) if (valid[s0 + j]) out[(s0 + j) * nf + k] = (view.getFloat32(p0 + j * recordSize, true) - mean) / std;
  }
}

function fillByte(f: Fill, bytes: Uint8Array, off: number, mean: number, std: number): void {
  const { out, k, nf, starts, slots, recordSize, valid, used } = f;
  for (let r = 0; r < starts.length; r++) {
    const s0 = r * slots;
    const p0 = starts[r]! + off;
    for (let j = 0, n = used[r]!; j < n; j++) if (valid[s0 + j]) out[(s0 + j) * nf + k] = (bytes[p0 + j * recordSize]! - mean) / std;
  }
}

function fillAny(f: Fill, block: RowBlock, off: number, mean: number, std: number, get: Getter): void {
  const { out, k, nf, starts, slots, recordSize, valid, used } = f;
  const { view, bytes } = block;
  for (let r = 0; r < starts.length; r++) {
    const s0 = r * slots;
    const p0 = starts[r]! + off;
    for (let j = 0, n = used[r]!; j < n; j++) if (valid[s0 + j]) out[(s0 + j) * nf + k] = (get(view, bytes, p0 + j * recordSize) - mean) / std;
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
  const used = new Int32Array(size);
  if (g.validOffset < 0) {
    valid.fill(1);
    used.fill(g.slots);
  } else fillValid(valid, used, block.bytes, starts, g);
  const nf = g.fields.length;
  const data = new Float32Array(valid.length * nf);
  for (let k = 0; k < nf; k++) {
    const { field, norm } = g.fields[k]!;
    const mean = norm ? norm.mean : 0;
    const std = norm ? norm.std : 1;
    const f: Fill = { out: data, k, nf, starts, slots: g.slots, recordSize: g.recordSize, valid, used };
    if (field.type === "float32") fillFloat32(f, block.view, field.offset, mean, std);
    else if (field.type === "bool" || field.type === "uint8") fillByte(f, block.bytes, field.offset, mean, std);
    else fillAny(f, block, field.offset, mean, std, GETTERS[field.type]);
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
