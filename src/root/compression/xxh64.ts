/**
 * XXH64 (seed 0 by default), as ROOT stores it in front of every LZ4 block.
 *
 * 64-bit values are kept as (hi, lo) pairs of unsigned 32-bit numbers: BigInt arithmetic in the
 * hot loop is one to two orders of magnitude slower. The products are built from 16-bit halves so
 * every intermediate stays an exact integer below 2^53.
 */

// Primes of the XXH64 specification, split into 32-bit halves.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Functions return the low half and leave the high half here, to avoid allocating pairs.
let rh = 0;

/** (ah,al) * (bh,bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): number {
  const a0 = al & 0xffff, a1 = al >>> 16;
  const b0 = bl & 0xffff, b1 = bl >>> 16;
  const m01 = a0 * b1, m10 = a1 * b0;
  const mid = (m01 & 0xffff) + (m10 & 0xffff) + ((a0 * b0) >>> 16);
  const hiOfLow = a1 * b1 + (m01 >>> 16) + (m10 >>> 16) + (mid >>> 16);
  rh = (hiOfLow + Math.imul(al, bh) + Math.imul(ah, bl)) >>> 0;
  return Math.imul(al, bl) >>> 0;
}

/** (ah,al) + (bh,bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): number {
  const lo = al + bl;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  return lo >>> 0;
}

/** Rotate left by r, 0 < r < 32. */
function rotl(h: number, l: number, r: number): number {
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  return ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** round(acc, lane) = rotl(acc + lane * P2, 31) * P1. */
function round(ah: number, al: number, lh: number, ll: number): number {
  let lo = mul(lh, ll, P2H, P2L);
  lo = add(ah, al, rh, lo);
  lo = rotl(rh, lo, 31);
  return mul(rh, lo, P1H, P1L);
}

function readU32(src: Uint8Array, i: number): number {
  return (src[i]! | (src[i + 1]! << 8) | (src[i + 2]! << 16) | (src[i + 3]! << 24)) >>> 0;
}

/**
 * XXH64 of src[start, end) as [high 32 bits, low 32 bits], both unsigned.
 * Seed is 0 unless given as (seedHigh, seedLow).
 */
export function xxh64(src: Uint8Array, start = 0, end = src.length, seedHigh = 0, seedLow = 0): [number, number] {
  const len = end - start;
  let p = start;
  let hh: number, hl: number;
  if (len >= 32) {
    // v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1 (mod 2^64).
    let v1l = add(seedHigh, seedLow, P1H, P1L);
    v1l = add(rh, v1l, P2H, P2L);
    let v1h = rh;
    let v2l = add(seedHigh, seedLow, P2H, P2L);
    let v2h = rh;
    let v3h = seedHigh, v3l = seedLow;
    // -P1 = ~P1 + 1
    let v4l = add(seedHigh, seedLow, ~P1H >>> 0, ((~P1L >>> 0) + 1) >>> 0);
    let v4h = rh;
    const limit = end - 32;
    while (p <= limit) {
      v1l = round(v1h, v1l, readU32(src, p + 4), readU32(src, p)); v1h = rh;
      v2l = round(v2h, v2l, readU32(src, p + 12), readU32(src, p + 8)); v2h = rh;
      v3l = round(v3h, v3l, readU32(src, p + 20), readU32(src, p + 16)); v3h = rh;
      v4l = round(v4h, v4l, readU32(src, p + 28), readU32(src, p + 24)); v4h = rh;
      p += 32;
    }
    hl = rotl(v1h, v1l, 1); hh = rh;
    let tl = rotl(v2h, v2l, 7);
    hl = add(hh, hl, rh, tl); hh = rh;
    tl = rotl(v3h, v3l, 12);
    hl = add(hh, hl, rh, tl); hh = rh;
    tl = rotl(v4h, v4l, 18);
    hl = add(hh, hl, rh, tl); hh = rh;
    // mergeRound(h, v) = (h ^ round(0, v)) * P1 + P4
    for (const [vh, vl] of [[v1h, v1l], [v2h, v2l], [v3h, v3l], [v4h, v4l]] as const) {
      tl = round(0, 0, vh, vl);
      hl = mul((hh ^ rh) >>> 0, (hl ^ tl) >>> 0, P1H, P1L);
      hl = add(rh, hl, P4H, P4L); hh = rh;
    }
  } else {
    hl = add(seedHigh, seedLow, P5H, P5L); hh = rh;
  }
  // h += len (lengths stay far below 2^53; the high part of len is len / 2^32).
  hl = add(hh, hl, Math.floor(len / 0x100000000) >>> 0, len >>> 0); hh = rh;
  while (p + 8 <= end) {
    const kl = round(0, 0, readU32(src, p + 4), readU32(src, p));
    hh = (hh ^ rh) >>> 0; hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 27);
    hl = mul(rh, hl, P1H, P1L);
    hl = add(rh, hl, P4H, P4L); hh = rh;
    p += 8;
  }
  if (p + 4 <= end) {
    const kl = mul(0, readU32(src, p), P1H, P1L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 23);
    hl = mul(rh, hl, P2H, P2L);
    hl = add(rh, hl, P3H, P3L); hh = rh;
    p += 4;
  }
  while (p < end) {
    const kl = mul(0, src[p]!, P5H, P5L);
    hh = (hh ^ rh) >>> 0; hl = (hl ^ kl) >>> 0;
    hl = rotl(hh, hl, 11);
    hl = mul(rh, hl, P1H, P1L); hh = rh;
    p++;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  hl = (hl ^ (hh >>> 1)) >>> 0;
  hl = mul(hh, hl, P2H, P2L); hh = rh;
  hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0;
  hh = (hh ^ (hh >>> 29)) >>> 0;
  hl = mul(hh, hl, P3H, P3L); hh = rh;
  hl = (hl ^ hh) >>> 0;
  return [hh, hl];
}
