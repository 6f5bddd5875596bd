import { inflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeChunk, lzfCompress } from "../../src/hdf5/index.js";
import { lookup3 } from "../../src/hdf5/lookup3.js";
import { shuffle } from "../../src/hdf5/filters/shuffle.js";
import { lzfDecompress } from "./lzf-decompress.js";
import { rng } from "./helpers.js";

describe("lookup3", () => {
  it("matches the published hashlittle test vectors", () => {
    // Reference values: lookup3's published self-test (driver5) for hashlittle.
    const enc = new TextEncoder();
    expect(lookup3(new Uint8Array(0), 0)).toBe(0xdeadbeef);
    expect(lookup3(new Uint8Array(0), 0xdeadbeef)).toBe(0xbd5b7dde);
    expect(lookup3(enc.encode("Four score and seven years ago"), 0)).toBe(0x17770551);
    expect(lookup3(enc.encode("Four score and seven years ago"), 1)).toBe(0xcd628161);
  });
});

describe("LZF", () => {
  it("round-trips arbitrary data through a liblzf decoder", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 8 }), (data, period) => {
        // Mix random bytes with repeats so that both literals and matches occur.
        const input = new Uint8Array(data.length * 2);
        input.set(data);
        for (let i = data.length; i < input.length; i++) input[i] = input[i - period] ?? 0;
        const packed = lzfCompress(input);
        // The repeated half always compresses once there is enough of it.
        if (packed === null) {
          expect(input.length).toBeLessThan(64);
          return true;
        }
        expect(packed.length).toBeLessThan(input.length);
        expect(lzfDecompress(packed, input.length)).toEqual(input);
        return true;
      }),
      { numRuns: 300 },
    );
  });

  // Compresses, checks the "null only when not smaller" contract and the round trip, and returns
  // the compressed bytes (null when the chunk would be stored raw).
  const roundTrip = (input: Uint8Array): Uint8Array | null => {
    const packed = lzfCompress(input);
    if (input.length < 4) expect(packed).toBeNull();
    if (packed !== null) {
      expect(packed.length).toBeLessThan(input.length);
      const decoded = lzfDecompress(packed, input.length);
      // toEqual on large typed arrays costs seconds; its diff is only readable for small ones.
      if (input.length <= 1000) expect(decoded).toEqual(input);
      else expect(Buffer.compare(decoded, input)).toBe(0);
    }
    return packed;
  };

  it("round-trips random bytes of every length 0..300", () => {
    for (let n = 0; n <= 300; n++) {
      fc.assert(fc.property(fc.uint8Array({ minLength: n, maxLength: n }), (input) => {
        roundTrip(input);
      }), { numRuns: 5, seed: n });
    }
  });

  it("round-trips highly repetitive inputs of every length 0..300, and compresses them", () => {
    // A short random pattern repeated, with a few bytes changed: runs, overlapping matches
    // (distance 1..8) and matches cut short next to literals.
    const repetitive = (n: number) =>
      fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
        .map(([pattern, edits]) => {
          const input = Uint8Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!);
          for (const [at, v] of edits) if (n > 0) input[at % n] = v;
          return input;
        });
    for (let n = 0; n <= 300; n++) {
      fc.assert(fc.property(repetitive(n), (input) => {
        const packed = roundTrip(input);
        // A single byte repeated: one literal and runs of at most 264 bytes, 3 bytes each.
        if (n >= 8 && input.every((v) => v === input[0])) expect(packed).not.toBeNull();
      }), { numRuns: 5, seed: 1000 + n });
    }
  });

  it("round-trips large chunks: padded records, long zero runs, random blocks, far repeats", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 20000 }),
          fc.integer({ min: 1, max: 50000 }).map((n) => new Uint8Array(n)),
          fc.tuple(fc.uint8Array({ minLength: 14, maxLength: 14 }), fc.integer({ min: 1, max: 3000 }))
            .map(([record, rows]) => Uint8Array.from({ length: rows * 14 }, (_, i) => (i % 140 < 70 ? record[i % 14]! ^ (i & 3) : 0))),
        ), { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (parts, seed) => {
          const input = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
          let at = 0;
          for (const p of parts) {
            input.set(p, at);
            at += p.length;
          }
          // Repeat an earlier stretch near the end: a match up to the 8192-byte distance limit or beyond it.
          const len = Math.min(3000, input.length >>> 2);
          const from = Math.max(0, input.length - len - 8000 - (seed % 400));
          input.copyWithin(input.length - len, from, from + len);
          roundTrip(input);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("uses a repeat at the 8192-byte distance limit and none beyond it", () => {
    const next = rng(5);
    const head = Uint8Array.from({ length: 100 }, () => next() & 0xff);
    // The head, zeros, then the head again `distance` bytes after its first copy.
    const sizes = [8191, 8192, 8193, 8194].map((distance) => {
      const input = new Uint8Array(distance + head.length);
      input.set(head);
      input.set(head, distance);
      return roundTrip(input)!.length;
    });
    // Within reach the second copy is one 3-byte match instead of 100 literals.
    expect(sizes[0]! + 90).toBeLessThan(sizes[2]!);
    expect(sizes[1]! + 90).toBeLessThan(sizes[2]!);
    expect(sizes[3]).toBe(sizes[2]);
  });

  it("gives the same bytes for the same input whatever was compressed before in the thread", () => {
    const next = rng(11);
    const a = Uint8Array.from({ length: 50000 }, (_, i) => (i % 3 === 0 ? next() & 0xff : i & 7));
    const first = lzfCompress(a);
    expect(first).not.toBeNull();
    // A larger call grows the kernel's memory and leaves other data in its table and slack bytes.
    lzfCompress(Uint8Array.from({ length: 3_000_000 }, (_, i) => (i % 5 === 0 ? next() & 0xff : 0)));
    lzfCompress(a.subarray(0, 1000));
    expect(lzfCompress(a)).toEqual(first);
  });

  it("uses long matches and far distances, and gives up on incompressible data", () => {
    const next = rng(3);
    const block = Uint8Array.from({ length: 8000 }, () => next() & 0xff);
    const input = new Uint8Array(40000);
    for (let i = 0; i < 5; i++) input.set(block, i * 8000);
    const packed = lzfCompress(input);
    expect(packed).not.toBeNull();
    expect(packed!.length).toBeLessThan(8000 + 8000 / 30 + 1000);
    expect(lzfDecompress(packed!, input.length)).toEqual(input);
    expect(lzfCompress(block)).toBeNull();
  });
});

describe("chunk encoding", () => {
  const raw = new Uint8Array(1700).map((_, i) => (i % 17 === 16 ? 1 : (i * 7) % 5));

  it("shuffle groups byte k of every record", () => {
    const s = shuffle(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]), 3);
    expect([...s]).toEqual([1, 4, 2, 5, 3, 6, 7]);
  });

  it("shuffle + deflate is a zlib stream of the shuffled bytes", () => {
    const enc = encodeChunk(raw, { shuffle: 17, compression: { deflate: 1 } });
    expect(enc.mask).toBe(0);
    expect(new Uint8Array(inflateSync(enc.data))).toEqual(shuffle(raw, 17));
  });

  it("LZF that does not shrink the chunk stores it raw with the LZF bit of the filter mask set", () => {
    const next = rng(9);
    const noise = Uint8Array.from({ length: 1000 }, () => next() & 0xff);
    expect(encodeChunk(noise, { shuffle: 0, compression: "lzf" })).toEqual({ data: noise, mask: 1 });
    expect(encodeChunk(noise, { shuffle: 4, compression: "lzf" }).mask).toBe(2);
    const enc = encodeChunk(raw, { shuffle: 17, compression: "lzf" });
    expect(enc.mask).toBe(0);
    expect(lzfDecompress(enc.data, raw.length)).toEqual(shuffle(raw, 17));
  });
});
