/** splitmix32: expands a 32-bit seed into well-mixed words (used to seed xoshiro128**). */
export function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/**
 * xoshiro128** (Blackman and Vigna): a fast, seedable 32-bit generator, so shuffles are
 * reproducible across runs, machines and Node versions (Math.random is neither).
 */
export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * `stream` selects one of many independent sequences for the same seed (its words are mixed into
   * the state): a shard can draw the numbers of task t without drawing those of the tasks before it.
   */
  constructor(seed: number, stream?: number) {
    const next = splitmix32(seed);
    const mix = stream === undefined ? () => 0 : splitmix32((stream ^ 0x6a09e667) >>> 0);
    this.s0 = (next() ^ mix()) >>> 0;
    this.s1 = (next() ^ mix()) >>> 0;
    this.s2 = (next() ^ mix()) >>> 0;
    this.s3 = (next() ^ mix()) >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) with 32 random bits. */
  nextFloat(): number {
    return this.nextUint32() / 0x100000000;
  }

  /** Uniform integer in [0, n) without modulo bias (rejection sampling), for 1 <= n <= 2^32. */
  below(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates) drawn from `rng`. */
export function permutation(n: number, rng: Xoshiro128): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** Bucket index in [0, buckets) for each of `n` rows, drawn from `rng` in row order. */
export function assignBuckets(n: number, buckets: number, rng: Xoshiro128): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.below(buckets);
  return out;
}
