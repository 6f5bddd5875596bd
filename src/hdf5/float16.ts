/**
 * float32 -> IEEE binary16 with round-to-nearest-even, as numpy's `astype(np.float16)` does
 * (Node 20 has neither Float16Array nor Math.f16round).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Half-precision bits of a float32 bit pattern. */
export function float32BitsToFloat16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    // NaN: keep the top payload bits like numpy, but never let it collapse into infinity.
    const h = 0x7c00 + (mant >>> 13);
    return sign | (h === 0x7c00 ? 0x7c01 : h);
  }
  if (exp >= 143) return sign | 0x7c00; // >= 2^16: overflow, whatever the rounding
  if (exp <= 112) {
    // Half subnormal (or zero): value = m * 2^(exp-150), unit 2^-24.
    if (exp < 102) return sign; // below half the smallest subnormal
    const m = mant | 0x800000;
    const shift = 126 - exp;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = ((exp - 112) << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to infinity: the correct result.
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

export function toFloat16(v: number): number {
  f32[0] = v;
  return float32BitsToFloat16(u32[0]);
}

/** Converts float32 values to half-precision bit patterns. */
export function float32ArrayToFloat16(src: Float32Array, dst = new Uint16Array(src.length)): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  for (let i = 0; i < bits.length; i++) dst[i] = float32BitsToFloat16(bits[i]);
  return dst;
}

/** Half-precision bits -> number (exact). */
export function float16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
