/**
 * Raw Snappy decompression (the block format Parquet's SNAPPY codec stores, no framing): a varint
 * of the decoded length, then literals and back-references. Small enough to keep in JS; Parquet
 * pages are at most a few MB, and SNAPPY is not what ServiceX writes (zstd is).
 */

function fail(what: string): never {
  throw new Error(`snappy data is corrupt (${what})`);
}

/** Decodes `src` into exactly `size` bytes; throws on corrupt data or another decoded length. */
export function snappyDecode(src: Uint8Array, size: number): Uint8Array {
  let at = 0;
  let declared = 0;
  for (let shift = 0; ; shift += 7) {
    if (at >= src.length || shift > 28) fail("bad length header");
    const b = src[at++]!;
    declared += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (declared !== size) fail(`it declares ${declared} bytes, the page ${size}`);
  const out = new Uint8Array(size);
  let o = 0;
  while (at < src.length) {
    const tag = src[at++]!;
    const kind = tag & 3;
    if (kind === 0) {
      let len = tag >>> 2;
      if (len >= 60) {
        const extra = len - 59;
        if (at + extra > src.length) fail("truncated literal length");
        len = 0;
        for (let i = 0; i < extra; i++) len += src[at + i]! * 2 ** (8 * i);
        at += extra;
      }
      len += 1;
      if (at + len > src.length || o + len > size) fail("literal runs past the end");
      out.set(src.subarray(at, at + len), o);
      at += len;
      o += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      if (at >= src.length) fail("truncated copy");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[at++]!;
    } else if (kind === 2) {
      if (at + 2 > src.length) fail("truncated copy");
      len = (tag >>> 2) + 1;
      offset = src[at]! | (src[at + 1]! << 8);
      at += 2;
    } else {
      if (at + 4 > src.length) fail("truncated copy");
      len = (tag >>> 2) + 1;
      offset = (src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24)) >>> 0;
      at += 4;
    }
    if (offset === 0 || offset > o || o + len > size) fail("bad back-reference");
    copyWithin(out, o, offset, len);
    o += len;
  }
  if (o !== size) fail(`decoded ${o} bytes, expected ${size}`);
  return out;
}

/** A back-reference: `len` bytes from `offset` back, overlapping runs repeating. */
function copyWithin(out: Uint8Array, o: number, offset: number, len: number): void {
  if (offset >= len) {
    out.copyWithin(o, o - offset, o - offset + len);
    return;
  }
  for (let i = 0; i < len; i++) out[o + i] = out[o + i - offset]!;
}
