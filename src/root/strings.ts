import type { Column } from "../batch/types.js";
import type { BasketPlace, RawBasket } from "./basket.js";
import { RootError } from "./errors.js";

/**
 * String branches: `char*` leaves, std::string and TString (depth 0), std::vector of them
 * (depth 1) and vectors of those vectors (depth 2). Each string is ROOT's length-prefixed form
 * (one length byte, or 255 and a 32-bit length), a vector a 10-byte header (byte count, version,
 * size) then its items, an inner vector a 32-bit size then its strings.
 */
export type StringDepth = 0 | 1 | 2;

/**
 * A decoded basket of strings: the UTF-8 bytes of every string, back to back, and one offsets
 * array per level, outermost first (entries into vectors into strings into bytes).
 */
export interface StringPiece {
  entries: number;
  values: Uint8Array;
  levels: Int32Array<ArrayBuffer>[];
}

const STL_HEADER = 10;

function corrupt(where: string | BasketPlace, what: string): RootError {
  return new RootError(`${where.toString()}: ${what}; the basket is corrupt`);
}

/** An Int32Array that grows by doubling; `n` items written so far. */
class Growing {
  data: Int32Array<ArrayBuffer>;
  n = 1;
  constructor(size: number) {
    this.data = new Int32Array(Math.max(16, size));
  }
  push(v: number): void {
    if (this.n === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = v;
  }
  done(): Int32Array<ArrayBuffer> {
    return this.data.slice(0, this.n);
  }
}

/** Decodes one basket of string entries, compacting the string bytes at the start of `raw.data`. */
export function decodeStrings(raw: RawBasket, depth: StringDepth, where: string | BasketPlace): StringPiece {
  // The offset table becomes nothing here: strings need a level per nesting, built below.
  const { data, nevbuf } = raw;
  const size = data.length;
  const dv = new DataView(data.buffer, data.byteOffset, size);
  const entries = new Int32Array(nevbuf + 1);
  const vectors = depth === 2 ? new Growing(nevbuf + 1) : null;
  const strings = depth >= 1 ? new Growing(nevbuf + 1) : null;
  let p = 0;
  let w = 0;
  // One string at p: its bytes move to w (never ahead of p, so nothing unread is overwritten).
  const readString = (end: number, i: number): void => {
    if (p >= end) throw corrupt(where, `entry ${i} ends inside a string length`);
    let len = data[p++]!;
    if (len === 255) {
      if (p + 4 > end) throw corrupt(where, `entry ${i} ends inside a string length`);
      len = dv.getInt32(p);
      p += 4;
    }
    if (len < 0 || p + len > end) throw corrupt(where, `a string of ${len} bytes runs past entry ${i}`);
    data.copyWithin(w, p, p + len);
    w += len;
    p += len;
    strings?.push(w);
  };
  const readCount = (end: number, i: number, what: string): number => {
    const n = p + 4 <= end ? dv.getInt32(p) : -1;
    if (n < 0 || n > end - p) throw corrupt(where, `entry ${i} has an impossible ${what} (${n})`);
    p += 4;
    return n;
  };
  for (let i = 0; i < nevbuf; i++) {
    if (raw.offsets) p = raw.offsets[i]!;
    let end = raw.offsets ? raw.offsets[i + 1]! : size;
    if (p > end || end > size) throw corrupt(where, `entry ${i} lies outside the basket data`);
    if (depth === 0) {
      readString(end, i);
      if (!raw.offsets) end = p;
      entries[i + 1] = w;
    } else {
      if (p + STL_HEADER > end) throw corrupt(where, `entry ${i} is shorter than a vector header`);
      const byteCount = dv.getUint32(p) & 0x3fffffff;
      if (!raw.offsets) end = p + 4 + byteCount;
      if (p + 4 + byteCount !== end) throw corrupt(where, `entry ${i} holds ${end - p} bytes, its vector header says ${4 + byteCount}`);
      p += 6;
      const n = readCount(end, i, "vector size");
      if (depth === 1) {
        for (let k = 0; k < n; k++) readString(end, i);
        entries[i + 1] = strings!.n - 1;
      } else {
        for (let k = 0; k < n; k++) {
          const m = readCount(end, i, "inner vector size");
          for (let j = 0; j < m; j++) readString(end, i);
          vectors!.push(strings!.n - 1);
        }
        entries[i + 1] = vectors!.n - 1;
      }
    }
    if (p !== end) throw corrupt(where, `entry ${i} has ${end - p} bytes left after its strings`);
  }
  const levels: Int32Array<ArrayBuffer>[] = [entries];
  if (vectors) levels.push(vectors.done());
  if (strings) levels.push(strings.done());
  return { entries: nevbuf, values: data.subarray(0, w), levels };
}

/** Entries [a, b) of a string piece, sharing its memory. */
export function sliceStrings(p: StringPiece, a: number, b: number): StringPiece {
  if (a === 0 && b === p.entries) return p;
  const levels: Int32Array<ArrayBuffer>[] = [];
  let lo = a;
  let hi = b;
  for (const level of p.levels) {
    const part = level.subarray(lo, hi + 1);
    levels.push(part);
    lo = part[0]!;
    hi = part[part.length - 1]!;
  }
  return { entries: b - a, values: p.values.subarray(lo, hi), levels };
}

/** Offsets of consecutive parts as one array starting at 0 (each part may start anywhere). */
function concatLevel(parts: Int32Array[]): Int32Array {
  let n = 0;
  for (const o of parts) n += o.length - 1;
  const out = new Int32Array(n + 1);
  let at = 0;
  let base = 0;
  for (const o of parts) {
    const o0 = o[0]!;
    for (let i = 1; i < o.length; i++) out[at + i] = o[i]! - o0 + base;
    at += o.length - 1;
    base += o[o.length - 1]! - o0;
  }
  return out;
}

/** Concatenates string pieces into one column: strings, or lists (of lists) of strings. */
export function assembleStrings(pieces: StringPiece[], depth: StringDepth): Column {
  let bytes = 0;
  for (const p of pieces) bytes += p.values.length;
  const values = new Uint8Array(bytes);
  let at = 0;
  for (const p of pieces) {
    values.set(p.values, at);
    at += p.values.length;
  }
  const levels: Int32Array[] = [];
  for (let k = 0; k <= depth; k++) levels.push(concatLevel(pieces.map((p) => p.levels[k]!)));
  let column: Column = { kind: "string", offsets: levels[depth]!, values };
  for (let k = depth - 1; k >= 0; k--) column = { kind: "jagged", offsets: levels[k]!, values: column };
  return column;
}
