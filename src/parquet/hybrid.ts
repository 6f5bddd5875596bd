/**
 * Parquet's RLE / bit-packed hybrid encoding (definition and repetition levels, dictionary
 * indices, RLE booleans): runs, each a varint header whose low bit says bit-packed groups of 8
 * values (LSB first) or one value repeated. Levels decode into bytes, indices into Int32Array:
 * two copies of the same small loops, each monomorphic in its output.
 */

/** Bits needed for values up to `max`. */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

function truncated(): never {
  throw new Error("RLE/bit-packed data ends early");
}

/** Reads the varint run header at `at`; returns [header, next position]. */
function header(src: Uint8Array, at: number, end: number): number {
  let out = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= end || shift > 28) truncated();
    const b = src[at++]!;
    out += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  headerEnd = at;
  return out;
}

/** Where the last {@link header} ended (a module variable spares an allocation per run). */
let headerEnd = 0;

/**
 * Decodes `count` levels (width <= 8 bits) from src[at, end) into `out`; returns the position
 * after the last run read.
 */
export function decodeLevels(src: Uint8Array, at: number, end: number, width: number, out: Uint8Array, count: number): number {
  let o = 0;
  const mask = (1 << width) - 1;
  while (o < count) {
    const h = header(src, at, end);
    at = headerEnd;
    if ((h & 1) === 0) {
      const run = Math.min(h >>> 1, count - o);
      if (width > 0 && at >= end) truncated();
      const v = width > 0 ? src[at]! : 0;
      at += width > 0 ? 1 : 0;
      out.fill(v, o, o + run);
      o += run;
      if (h >>> 1 === 0) throw new Error("empty RLE run");
    } else {
      const values = (h >>> 1) * 8;
      const bytes = (h >>> 1) * width;
      if (at + bytes > end) truncated();
      const n = Math.min(values, count - o);
      if (width === 1) unpackOnes(src, at, out, o, n);
      else unpackBytes(src, at, width, mask, out, o, n);
      o += n;
      at += bytes;
    }
  }
  return at;
}

/** Width 1 (the levels of single-level lists): eight levels per byte. */
function unpackOnes(src: Uint8Array, at: number, out: Uint8Array, o: number, n: number): void {
  const whole = n >>> 3;
  for (let k = 0; k < whole; k++) {
    const b = src[at + k]!;
    const p = o + 8 * k;
    out[p] = b & 1;
    out[p + 1] = (b >>> 1) & 1;
    out[p + 2] = (b >>> 2) & 1;
    out[p + 3] = (b >>> 3) & 1;
    out[p + 4] = (b >>> 4) & 1;
    out[p + 5] = (b >>> 5) & 1;
    out[p + 6] = (b >>> 6) & 1;
    out[p + 7] = b >>> 7;
  }
  for (let i = whole * 8; i < n; i++) out[o + i] = (src[at + (i >>> 3)]! >>> (i & 7)) & 1;
}

function unpackBytes(src: Uint8Array, at: number, width: number, mask: number, out: Uint8Array, o: number, n: number): void {
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    if (bits < width) {
      buf |= src[at++]! << bits;
      bits += 8;
    }
    out[o + i] = buf & mask;
    buf >>>= width;
    bits -= width;
  }
}

/** Decodes `count` values of up to 32 bits (dictionary indices) into `out`. */
export function decodeIndices(src: Uint8Array, at: number, end: number, width: number, out: Int32Array, count: number): void {
  let o = 0;
  const bytesPerValue = (width + 7) >>> 3;
  while (o < count) {
    const h = header(src, at, end);
    at = headerEnd;
    if ((h & 1) === 0) {
      if (h >>> 1 === 0) throw new Error("empty RLE run");
      const run = Math.min(h >>> 1, count - o);
      if (at + bytesPerValue > end) truncated();
      let v = 0;
      for (let i = 0; i < bytesPerValue; i++) v += src[at + i]! * 2 ** (8 * i);
      at += bytesPerValue;
      out.fill(v | 0, o, o + run);
      o += run;
    } else {
      const values = (h >>> 1) * 8;
      const bytes = (h >>> 1) * width;
      if (at + bytes > end) truncated();
      const n = Math.min(values, count - o);
      if (width <= 24) unpackInts(src, at, width, out, o, n);
      else unpackWide(src, at, width, out, o, n);
      o += n;
      at += bytes;
    }
  }
}

function unpackInts(src: Uint8Array, at: number, width: number, out: Int32Array, o: number, n: number): void {
  const mask = (1 << width) - 1;
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < n; i++) {
    while (bits < width) {
      buf |= src[at++]! << bits;
      bits += 8;
    }
    out[o + i] = buf & mask;
    buf >>>= width;
    bits -= width;
  }
}

/** Widths above 24 bits (dictionaries of more than 16M values): bit by bit, rare. */
function unpackWide(src: Uint8Array, at: number, width: number, out: Int32Array, o: number, n: number): void {
  let bit = at * 8;
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let b = 0; b < width; b++, bit++) if ((src[bit >>> 3]! >>> (bit & 7)) & 1) v += 2 ** b;
    out[o + i] = v | 0;
  }
}
