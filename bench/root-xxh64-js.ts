/**
 * XXH64 in plain JavaScript: the reader's implementation until 2026-11-26, replaced by the
 * WebAssembly kernel of src/root/compression/kernels.ts; kept here as the baseline of the codec
 * micro benchmark in bench/root.ts.
 *
 * 64-bit values are (high, low) pairs of 32-bit integers kept in signed int32 form, which V8
 * holds unboxed: BigInt arithmetic is one to two orders of magnitude slower, and uint32 values
 * stored outside registers become heap numbers. Products are assembled from 16-bit halves so each
 * partial product is an exact integer below 2^53.
 */

// Primes of the XXH64 specification, split into 32-bit halves (int32 form).
const P1H = 0x9e3779b1 | 0, P1L = 0x85ebca87 | 0;
const P2H = 0xc2b2ae3d | 0, P2L = 0x27d4eb4f | 0;
const P3H = 0x165667b1 | 0, P3L = 0x9e3779f9 | 0;
const P4H = 0x85ebca77 | 0, P4L = 0xc2b2ae63 | 0;
const P5H = 0x27d4eb2f | 0, P5L = 0x165667c5 | 0;

/**
 * High 32 bits (int32 form) of the unsigned 64-bit product of two 32-bit values. With
 * b = b1·2^16 + b0, a·b1 and a·b0 are exact below 2^48, and floor(a·b / 2^32) =
 * floor((a·b1 + floor(a·b0 / 2^16)) / 2^16) stays exact.
 */
function mulHigh(a: number, b: number): number {
  const ua = a >>> 0;
  return Math.floor((ua * (b >>> 16) + Math.floor((ua * (b & 0xffff)) / 65536)) / 65536) | 0;
}

// Functions return the low half and leave the high half in R[0]; a typed array keeps it unboxed.
const R = new Int32Array(1);

/** (ah,al) * (bh,bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): number {
  R[0] = (mulHigh(al, bl) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
  return Math.imul(al, bl);
}

/** (ah,al) + (bh,bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): number {
  const lo = (al + bl) | 0;
  R[0] = (ah + bh + ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
  return lo;
}

/** Rotate left by r, 0 < r < 32. */
function rotl(h: number, l: number, r: number): number {
  R[0] = (h << r) | (l >>> (32 - r));
  return (l << r) | (h >>> (32 - r));
}

/** round(acc, lane) = rotl(acc + lane * P2, 31) * P1. */
function round(ah: number, al: number, lh: number, ll: number): number {
  // lane * P2
  const tl = Math.imul(ll, P2L);
  const th = (mulHigh(ll, P2L) + Math.imul(ll, P2H) + Math.imul(lh, P2L)) | 0;
  // acc + lane * P2
  const sl = (al + tl) | 0;
  const sh = (ah + th + ((sl >>> 0) < (al >>> 0) ? 1 : 0)) | 0;
  // rotl 31
  const rh = (sh << 31) | (sl >>> 1);
  const rl = (sl << 31) | (sh >>> 1);
  // * P1
  R[0] = (mulHigh(rl, P1L) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) | 0;
  return Math.imul(rl, P1L);
}

function readU32(src: Uint8Array, i: number): number {
  return src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24);
}

/**
 * XXH64 of src[start, end) as [high 32 bits, low 32 bits], both unsigned; seed 0 unless given as
 * (seedHigh, seedLow).
 */
export function xxh64(src: Uint8Array, start = 0, end = src.length, seedHigh = 0, seedLow = 0): [number, number] {
  const len = end - start;
  let p = start;
  let hh: number, hl: number;
  if (len >= 32) {
    // v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1 (mod 2^64).
    let v1l = add(seedHigh, seedLow, P1H, P1L);
    v1l = add(R[0]!, v1l, P2H, P2L);
    let v1h = R[0]!;
    let v2l = add(seedHigh, seedLow, P2H, P2L);
    let v2h = R[0]!;
    let v3h = seedHigh | 0, v3l = seedLow | 0;
    let v4l = add(seedHigh, seedLow, ~P1H, (~P1L + 1) | 0); // -P1 = ~P1 + 1; P1L ≠ 0, so no carry into the high half
    let v4h = R[0]!;
    const limit = end - 32;
    const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    // round() written out for the four lanes: this loop is where all the time goes.
    let ll: number, lh: number, tl: number, th: number, sl: number, sh: number, rl: number, rh: number;
    while (p <= limit) {
      ll = dv.getInt32(p + 0, true); lh = dv.getInt32(p + 4, true);
      tl = Math.imul(ll, P2L); th = (mulHigh(ll, P2L) + Math.imul(ll, P2H) + Math.imul(lh, P2L)) | 0;
      sl = (v1l + tl) | 0; sh = (v1h + th + ((sl >>> 0) < (v1l >>> 0) ? 1 : 0)) | 0;
      rh = (sh << 31) | (sl >>> 1); rl = (sl << 31) | (sh >>> 1);
      v1h = (mulHigh(rl, P1L) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) | 0; v1l = Math.imul(rl, P1L);
      ll = dv.getInt32(p + 8, true); lh = dv.getInt32(p + 12, true);
      tl = Math.imul(ll, P2L); th = (mulHigh(ll, P2L) + Math.imul(ll, P2H) + Math.imul(lh, P2L)) | 0;
      sl = (v2l + tl) | 0; sh = (v2h + th + ((sl >>> 0) < (v2l >>> 0) ? 1 : 0)) | 0;
      rh = (sh << 31) | (sl >>> 1); rl = (sl << 31) | (sh >>> 1);
      v2h = (mulHigh(rl, P1L) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) | 0; v2l = Math.imul(rl, P1L);
      ll = dv.getInt32(p + 16, true); lh = dv.getInt32(p + 20, true);
      tl = Math.imul(ll, P2L); th = (mulHigh(ll, P2L) + Math.imul(ll, P2H) + Math.imul(lh, P2L)) | 0;
      sl = (v3l + tl) | 0; sh = (v3h + th + ((sl >>> 0) < (v3l >>> 0) ? 1 : 0)) | 0;
      rh = (sh << 31) | (sl >>> 1); rl = (sl << 31) | (sh >>> 1);
      v3h = (mulHigh(rl, P1L) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) | 0; v3l = Math.imul(rl, P1L);
      ll = dv.getInt32(p + 24, true); lh = dv.getInt32(p + 28, true);
      tl = Math.imul(ll, P2L); th = (mulHigh(ll, P2L) + Math.imul(ll, P2H) + Math.imul(lh, P2L)) | 0;
      sl = (v4l + tl) | 0; sh = (v4h + th + ((sl >>> 0) < (v4l >>> 0) ? 1 : 0)) | 0;
      rh = (sh << 31) | (sl >>> 1); rl = (sl << 31) | (sh >>> 1);
      v4h = (mulHigh(rl, P1L) + Math.imul(rl, P1H) + Math.imul(rh, P1L)) | 0; v4l = Math.imul(rl, P1L);
      p += 32;
    }
    hl = rotl(v1h, v1l, 1); hh = R[0]!;
    tl = rotl(v2h, v2l, 7);
    hl = add(hh, hl, R[0]!, tl); hh = R[0]!;
    tl = rotl(v3h, v3l, 12);
    hl = add(hh, hl, R[0]!, tl); hh = R[0]!;
    tl = rotl(v4h, v4l, 18);
    hl = add(hh, hl, R[0]!, tl); hh = R[0]!;
    // mergeRound(h, v) = (h ^ round(0, v)) * P1 + P4
    const lanes = [v1h, v1l, v2h, v2l, v3h, v3l, v4h, v4l];
    for (let j = 0; j < 8; j += 2) {
      tl = round(0, 0, lanes[j]!, lanes[j + 1]!);
      hl = mul(hh ^ R[0]!, hl ^ tl, P1H, P1L);
      hl = add(R[0]!, hl, P4H, P4L); hh = R[0]!;
    }
  } else {
    hl = add(seedHigh, seedLow, P5H, P5L); hh = R[0]!;
  }
  // h += len (lengths stay far below 2^53).
  hl = add(hh, hl, Math.floor(len / 0x100000000) | 0, len | 0); hh = R[0]!;
  while (p + 8 <= end) {
    const kl = round(0, 0, readU32(src, p + 4), readU32(src, p));
    hh ^= R[0]!; hl ^= kl;
    hl = rotl(hh, hl, 27);
    hl = mul(R[0]!, hl, P1H, P1L);
    hl = add(R[0]!, hl, P4H, P4L); hh = R[0]!;
    p += 8;
  }
  if (p + 4 <= end) {
    const kl = mul(0, readU32(src, p), P1H, P1L);
    hh ^= R[0]!; hl ^= kl;
    hl = rotl(hh, hl, 23);
    hl = mul(R[0]!, hl, P2H, P2L);
    hl = add(R[0]!, hl, P3H, P3L); hh = R[0]!;
    p += 4;
  }
  while (p < end) {
    const kl = mul(0, src[p]!, P5H, P5L);
    hh ^= R[0]!; hl ^= kl;
    hl = rotl(hh, hl, 11);
    hl = mul(R[0]!, hl, P1H, P1L); hh = R[0]!;
    p++;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl ^= hh >>> 1;
  hl = mul(hh, hl, P2H, P2L); hh = R[0]!;
  hl ^= (hl >>> 29) | (hh << 3);
  hh ^= hh >>> 29;
  hl = mul(hh, hl, P3H, P3L); hh = R[0]!;
  hl ^= hh;
  return [hh >>> 0, hl >>> 0];
}
