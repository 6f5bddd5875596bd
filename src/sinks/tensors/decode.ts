import type { H5ElementType } from "../../hdf5/index.js";
import type { MeanStd } from "../../stages/index.js";
import { groupKernel } from "./kernel.js";
import type { GroupKernel } from "./kernel.js";
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

/** Byte offset of the first record of output row r (rows in `order` when given) into `at`. */
function rowStarts(at: Int32Array, block: RowBlock, size: number, order: Uint32Array | undefined, from: number): Int32Array {
  const { stride, base } = block;
  if (order) for (let r = 0; r < size; r++) at[r] = order[from + r]! * stride + base;
  else for (let r = 0; r < size; r++) at[r] = (from + r) * stride + base;
  return at;
}

/** Reads one integer of `type` at byte `p` as a number (labels: the plan accepts integer types only). */
type Getter = (v: DataView, b: Uint8Array, p: number) => number;

const GETTERS: Partial<Record<H5ElementType, Getter>> = {
  bool: (_v, b, p) => b[p]!,
  uint8: (_v, b, p) => b[p]!,
  int8: (v, _b, p) => v.getInt8(p),
  int16: (v, _b, p) => v.getInt16(p, true),
  uint16: (v, _b, p) => v.getUint16(p, true),
  int32: (v, _b, p) => v.getInt32(p, true),
  uint32: (v, _b, p) => v.getUint32(p, true),
  int64: (v, _b, p) => v.getInt32(p + 4, true) * 4294967296 + v.getUint32(p, true),
  uint64: (v, _b, p) => v.getUint32(p + 4, true) * 4294967296 + v.getUint32(p, true),
};

const kernels = new WeakMap<GroupLayout, GroupKernel>();

/** Where a batch's values go: fresh arrays, or the same ones batch after batch. */
export interface GroupOut {
  data: Float32Array;
  valid: Uint8Array;
}

/** Arrays for `rows` rows of a group. */
export function groupOut(g: GroupLayout, rows: number): GroupOut {
  return { data: new Float32Array(rows * g.slots * g.fields.length), valid: new Uint8Array(rows * g.slots) };
}

/**
 * The tensor of one group for `size` rows of a block (rows `order[from..from+size)` when an order
 * is given, else `from..from+size`), in the first values of `out`. Normalised fields are
 * `(x - mean) / std` computed in float64 and stored as float32; padded slots are 0. `starts` is
 * scratch space for `size` row offsets.
 */
export function decodeGroup(g: GroupLayout, block: RowBlock, size: number, order: Uint32Array | undefined, from: number, out: GroupOut, starts: Int32Array): TensorInput {
  rowStarts(starts, block, size, order, from);
  const nf = g.fields.length;
  const data = out.data.length === size * g.slots * nf ? out.data : out.data.subarray(0, size * g.slots * nf);
  const valid = out.valid.length === size * g.slots ? out.valid : out.valid.subarray(0, size * g.slots);
  let kernel = kernels.get(g);
  if (!kernel) kernels.set(g, (kernel = groupKernel(g)));
  kernel(block.bytes, block.view, starts, size, data, valid);
  const fields = g.fields.map((f) => f.field.name);
  const shape = g.global ? [size, nf] : [size, g.slots, nf];
  return g.global ? { data, shape, fields } : { data, shape, fields, valid };
}

/** The class index of every row, from the label field of the global group, into the first `size` of `out`. */
export function decodeLabels(field: RecordFieldInfo, block: RowBlock, size: number, order: Uint32Array | undefined, from: number, out: Int32Array, starts: Int32Array): Int32Array {
  rowStarts(starts, block, size, order, from);
  const get = GETTERS[field.type];
  if (!get) throw new Error(`label field "${field.name}" is ${field.type}, expected an integer`);
  const labels = out.length === size ? out : out.subarray(0, size);
  const p = field.offset;
  for (let r = 0; r < size; r++) labels[r] = get(block.view, block.bytes, starts[r]! + p);
  return labels;
}
