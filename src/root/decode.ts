import { allocate } from "../batch/element-type.js";
import type { Column, ElementType } from "../batch/types.js";
import type { BasketPlace, RawBasket } from "./basket.js";
import { RootError } from "./errors.js";
import type { Interpretation } from "./interpret.js";
import { ITEM_SIZE } from "./leaf-types.js";
import { decodeVectorsInPlace, VECTOR_KERNEL_MAX_BYTES } from "./vector-kernel.js";

/**
 * The decoded content of one basket (or a slice of it): value bytes with every per-entry header
 * removed, plus offsets. Vectors are swapped to native order while they are compacted; the
 * values of flat and counted baskets, already contiguous, keep the file's big-endian order
 * (`bigEndian`) and assembleColumn swaps the whole column once after copying them: one native
 * call per column instead of one per basket (files of many small baskets).
 */
export interface Piece {
  entries: number;
  values: Uint8Array;
  /** entries + 1 offsets, in values (or, for vector2, in inner vectors); null for flat kinds. */
  offsets: Int32Array | null;
  /** vector2 only: inner-vector offsets in values. */
  inner: Int32Array | null;
  /** Values still in the file's byte order. */
  bigEndian: boolean;
}

/** Numeric interpretations (strings decode in strings.ts). */
type Decodable = Exclude<Interpretation, { kind: "unsupported" } | { kind: "string" }>;

const STL_HEADER = 10;

// Byte swapping below turns big-endian file data into little-endian memory, the byte order of
// every platform Node supports; refuse to run silently wrong anywhere else.
if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error("sxflow's ROOT reader needs a little-endian host");

/** Where a basket is, for messages: a string or an object whose text is built only when needed. */
type Where = string | BasketPlace;

function corrupt(where: Where, what: string): RootError {
  return new RootError(`${where.toString()}: ${what}; the basket is corrupt`);
}

/** Copies `n` items of `itemSize` bytes from big-endian `from` to native-order `to`, both in `dv`. */
function copySwapped(dv: DataView, from: number, to: number, n: number, itemSize: number): void {
  switch (itemSize) {
    case 4:
      for (let k = 0; k < n; k++) dv.setInt32(to + 4 * k, dv.getInt32(from + 4 * k, false), true);
      break;
    case 8:
      for (let k = 0; k < n; k++) {
        const hi = dv.getInt32(from + 8 * k, false);
        dv.setInt32(to + 8 * k, dv.getInt32(from + 8 * k + 4, false), true);
        dv.setInt32(to + 8 * k + 4, hi, true);
      }
      break;
    case 2:
      for (let k = 0; k < n; k++) dv.setUint16(to + 2 * k, dv.getUint16(from + 2 * k, false), true);
      break;
    default:
      for (let k = 0; k < n; k++) dv.setUint8(to + k, dv.getUint8(from + k));
  }
}

function decodeVector(raw: RawBasket, itemSize: number, where: Where): Piece {
  const { data, nevbuf } = raw;
  if (raw.offsets && data.length <= VECTOR_KERNEL_MAX_BYTES) {
    const count = decodeVectorsInPlace(data, raw.offsets, nevbuf, itemSize);
    if (count >= 0) return { entries: nevbuf, values: data.subarray(0, count * itemSize), offsets: raw.offsets, inner: null, bigEndian: false };
    // Inconsistent somewhere: the checks below find where, and say so.
  }
  const size = data.length;
  const dv = new DataView(data.buffer, data.byteOffset, size);
  // Value offsets overwrite the entry byte offsets in place (the caller owns the table): entry
  // i's end is read before value offset i + 1 is written, and its start is the previous end.
  const table = raw.offsets;
  const offsets = table ?? new Int32Array(nevbuf + 1);
  let w = 0;
  let s = table ? table[0]! : 0;
  let count = 0;
  offsets[0] = 0;
  for (let i = 0; i < nevbuf; i++) {
    if (s < 0) throw corrupt(where, `entry ${i} starts at byte ${s}, before the basket data`);
    if (s + STL_HEADER > size) throw corrupt(where, `entry ${i} runs past the basket data`);
    // Header: byte count (with ROOT's 0x40000000 flag) of what follows it, version, value count.
    const n = dv.getInt32(s + 6, false);
    const len = n * itemSize;
    const e = table ? table[i + 1]! : s + STL_HEADER + len;
    if (n < 0 || s + STL_HEADER + len !== e || e > size || (dv.getInt32(s, false) & 0x3fffffff) !== 6 + len) {
      throw corrupt(where, `entry ${i} holds ${e - s} bytes, inconsistent with its vector header (${n} values)`);
    }
    // Compacting in place, swapping as it goes: short vectors (most physics objects per event)
    // item by item, since native calls cost more than a few items; longer ones by a native copy
    // and swap. Writes stay behind reads (w <= s), so nothing is overwritten before it is read.
    if (len <= 64) {
      copySwapped(dv, s + STL_HEADER, w, n, itemSize);
    } else {
      data.copyWithin(w, s + STL_HEADER, e);
      swapInPlace(data.subarray(w, w + len), itemSize);
    }
    w += len;
    count += n;
    offsets[i + 1] = count;
    s = e;
  }
  return { entries: nevbuf, values: data.subarray(0, w), offsets, inner: null, bigEndian: false };
}

function decodeVector2(raw: RawBasket, itemSize: number, where: Where): Piece {
  const { data, nevbuf } = raw;
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const offsets = new Int32Array(nevbuf + 1);
  let inner = new Int32Array(Math.max(16, (data.length >> 2) + 1));
  let nInner = 0;
  let w = 0;
  let p = 0;
  for (let i = 0; i < nevbuf; i++) {
    const s = raw.offsets ? raw.offsets[i]! : p;
    if (s + STL_HEADER > data.length) throw corrupt(where, `entry ${i} runs past the basket data`);
    const e = raw.offsets ? raw.offsets[i + 1]! : s + 4 + (dv.getUint32(s) & 0x3fffffff);
    if (e > data.length) throw corrupt(where, `entry ${i} runs past the basket data`);
    const outer = dv.getInt32(s + 6);
    let q = s + STL_HEADER;
    if (outer < 0 || outer > (e - q) / 4) throw corrupt(where, `entry ${i} claims ${outer} inner vectors`);
    for (let j = 0; j < outer; j++) {
      const n = q + 4 <= e ? dv.getInt32(q) : -1;
      const len = n * itemSize;
      if (n < 0 || q + 4 + len > e) throw corrupt(where, `inner vector ${j} of entry ${i} runs past the entry`);
      data.copyWithin(w, q + 4, q + 4 + len);
      w += len;
      if (nInner + 1 >= inner.length) {
        const grown = new Int32Array(inner.length * 2);
        grown.set(inner);
        inner = grown;
      }
      inner[++nInner] = w / itemSize;
      q += 4 + len;
    }
    if (q !== e) throw corrupt(where, `entry ${i} has ${e - q} bytes left after its inner vectors`);
    offsets[i + 1] = nInner;
    p = e;
  }
  const values = data.subarray(0, w);
  swapInPlace(values, itemSize);
  return { entries: nevbuf, values, offsets, inner: inner.slice(0, nInner + 1), bigEndian: false };
}

/**
 * Decodes one basket, reusing its memory (data and offset table) for the result. `counts` (per-entry lengths from the counter branch) is needed only for a
 * counted array whose basket has no offset table.
 */
export function decodeBasket(raw: RawBasket, interp: Decodable, where: Where, counts?: ArrayLike<number>): Piece {
  const itemSize = ITEM_SIZE[interp.elementType];
  const { data, nevbuf } = raw;
  switch (interp.kind) {
    case "flat": {
      const size = nevbuf * interp.width * itemSize;
      if (data.length !== size) throw corrupt(where, `${data.length} data bytes for ${nevbuf} entries of ${interp.width * itemSize} bytes`);
      return { entries: nevbuf, values: data, offsets: null, inner: null, bigEndian: itemSize > 1 };
    }
    case "counted": {
      const itemBytes = itemSize * interp.width;
      let offsets: Int32Array;
      if (raw.offsets) {
        // The byte offsets become value offsets in place: the caller hands over a table it owns.
        offsets = raw.offsets;
        const w = interp.width;
        offsets[0] = 0;
        const shift = Math.log2(itemBytes);
        if (Number.isInteger(shift) && w === 1) {
          // The common case (x[n] of numbers): a mask and a shift instead of a division.
          const mask = itemBytes - 1;
          for (let i = 1; i <= nevbuf; i++) {
            const b = offsets[i]!;
            if ((b & mask) !== 0) throw corrupt(where, `entry ${i - 1} ends at byte ${b}, not a multiple of ${itemBytes}`);
            offsets[i] = b >> shift;
          }
        } else {
          for (let i = 1; i <= nevbuf; i++) {
            const b = offsets[i]!;
            const n = (b / itemBytes) | 0;
            if (n * itemBytes !== b) throw corrupt(where, `entry ${i - 1} ends at byte ${b}, not a multiple of ${itemBytes}`);
            offsets[i] = n * w;
          }
        }
      } else {
        offsets = new Int32Array(nevbuf + 1);
        if (!counts || counts.length !== nevbuf) throw corrupt(where, `no entry offsets and no counts for ${nevbuf} entries`);
        for (let i = 0; i < nevbuf; i++) {
          const n = counts[i]!;
          if (n < 0) throw corrupt(where, `negative count ${n} at entry ${i}`);
          offsets[i + 1] = offsets[i]! + n * interp.width;
        }
      }
      const total = offsets[nevbuf]! * itemSize;
      if (total !== data.length) throw corrupt(where, `counts add up to ${total} bytes but the basket holds ${data.length}`);
      return { entries: nevbuf, values: data, offsets, inner: null, bigEndian: itemSize > 1 };
    }
    case "vector":
      return decodeVector(raw, itemSize, where);
    case "vector2":
      return decodeVector2(raw, itemSize, where);
  }
}

/** Entries [a, b) of a piece, sharing its memory. */
export function slicePiece(p: Piece, a: number, b: number, itemSize: number, width: number): Piece {
  if (a === 0 && b === p.entries) return p;
  const bigEndian = p.bigEndian;
  if (!p.offsets) {
    const w = width * itemSize;
    return { entries: b - a, values: p.values.subarray(a * w, b * w), offsets: null, inner: null, bigEndian };
  }
  const offsets = p.offsets.subarray(a, b + 1);
  if (!p.inner) {
    return { entries: b - a, values: p.values.subarray(offsets[0]! * itemSize, offsets[b - a]! * itemSize), offsets, inner: null, bigEndian };
  }
  const inner = p.inner.subarray(offsets[0]!, offsets[b - a]! + 1);
  const values = p.values.subarray(inner[0]! * itemSize, inner[inner.length - 1]! * itemSize);
  return { entries: b - a, values, offsets, inner, bigEndian };
}

function swapInPlace(bytes: Uint8Array, itemSize: number): void {
  if (itemSize === 1 || bytes.length === 0) return;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (itemSize === 2) buf.swap16();
  else if (itemSize === 4) buf.swap32();
  else buf.swap64();
}

function concatOffsets(parts: Int32Array[], entries: number): Int32Array {
  const out = new Int32Array(entries + 1);
  let at = 0;
  let base = 0;
  for (const o of parts) {
    const o0 = o[0]!;
    // Offsets that need no shift (a basket's from its start, the usual single-basket step) are copied natively.
    if (o0 === base) out.set(o.subarray(1), at + 1);
    else for (let i = 1; i < o.length; i++) out[at + i] = o[i]! - o0 + base;
    at += o.length - 1;
    base += o[o.length - 1]! - o0;
  }
  return out;
}

/** Concatenates pieces into one column: one allocation, one copy. */
export function assembleColumn(pieces: Piece[], interp: Decodable, elementType: ElementType, where = ""): Column {
  const itemSize = ITEM_SIZE[elementType];
  let entries = 0;
  let bytes = 0;
  for (const p of pieces) {
    entries += p.entries;
    bytes += p.values.length;
  }
  if (bytes / itemSize > 0x7fffffff) {
    throw new RootError(`${where}: a batch of ${bytes / itemSize} values overflows 32-bit offsets; read fewer entries per step`);
  }
  const values = allocate(elementType, bytes / itemSize);
  const out = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  let at = 0;
  let swapFrom = -1;
  for (const p of pieces) {
    // Runs of big-endian pieces are swapped together once copied.
    if (p.bigEndian && swapFrom < 0) swapFrom = at;
    else if (!p.bigEndian && swapFrom >= 0) {
      swapInPlace(out.subarray(swapFrom, at), itemSize);
      swapFrom = -1;
    }
    out.set(p.values, at);
    at += p.values.length;
  }
  if (swapFrom >= 0) swapInPlace(swapFrom === 0 ? out : out.subarray(swapFrom, at), itemSize);
  const et = { elementType };
  if (interp.kind === "flat") {
    return interp.shape ? { kind: "flat", values, shape: [...interp.shape], ...et } : { kind: "flat", values, ...et };
  }
  const offsets = concatOffsets(pieces.map((p) => p.offsets!), entries);
  if (interp.kind !== "vector2") return { kind: "jagged", offsets, values, ...et };
  let innerCount = 0;
  for (const p of pieces) innerCount += p.inner!.length - 1;
  const inner = concatOffsets(pieces.map((p) => p.inner!), innerCount);
  return { kind: "jagged", offsets, values: { kind: "jagged", offsets: inner, values, ...et }, ...et };
}
