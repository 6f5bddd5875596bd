import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decompressBasket, decompressBasketSync } from "../../src/root/compression/index.js";
import { lz4DecodeBlock } from "../../src/root/compression/lz4.js";
import { lz4WithChecksum, xxh64 } from "../../src/root/compression/kernels.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { type KeyRecord, algorithmOf, keysOf } from "./compression-keys.js";

const WHERE = 'test.root tree "t" branch "x" basket 3';

type Algorithm = "ZL" | "L4" | "ZS" | "XZ";

/** Repository fixtures (always present) holding real blocks of each algorithm. */
const FIXTURE_FOR: Record<Algorithm, string> = {
  ZL: "uproot-sample-6.20.04-zlib.root",
  L4: "unroot-tree_with_jagged_array.root",
  ZS: "unroot-tree_with_int_array_zstd.root",
  XZ: "unroot-tree_with_jagged_array_double.root",
};

/** The first compressed key of a file whose single block uses `algorithm`. */
function firstBlock(file: string, algorithm: string): KeyRecord {
  const k = keysOf(file, ROOT_FIXTURES).find((x) => x.payload.length !== x.objlen && algorithmOf(x) === algorithm && x.objlen > 64);
  if (!k) throw new Error(`${file} has no ${algorithm} block`);
  return k;
}

/** A real block of `algorithm` from the repository fixtures. */
function fixtureBlock(algorithm: Algorithm): KeyRecord {
  return firstBlock(FIXTURE_FOR[algorithm], algorithm);
}

/** 9-byte ROOT block header. */
function header(algorithm: string, method: number, compressed: number, uncompressed: number): Uint8Array {
  return Uint8Array.from([
    algorithm.charCodeAt(0), algorithm.charCodeAt(1), method,
    compressed & 0xff, (compressed >> 8) & 0xff, compressed >> 16,
    uncompressed & 0xff, (uncompressed >> 8) & 0xff, uncompressed >> 16,
  ]);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts));
}

/** A ROOT payload of one L4 block: header, big-endian XXH64 of the LZ4 data, the LZ4 data. */
function l4Payload(enc: Uint8Array, size: number): Uint8Array {
  const [h, l] = xxh64(enc);
  const sum = Buffer.alloc(8);
  sum.writeUInt32BE(h, 0);
  sum.writeUInt32BE(l, 4);
  return concat(header("L4", 1, 8 + enc.length, size), sum, enc);
}

/** LZ4-encodes literal-and-match sequences plus final literals, and the bytes they decode to. */
function encodeSequences(
  seqs: { literals: Uint8Array; offset: number; matchLen: number }[],
  tail: Uint8Array,
): { enc: Uint8Array; expected: Uint8Array } {
  const enc: number[] = [];
  const expected: number[] = [];
  const lengthBytes = (n: number) => {
    for (; n >= 255; n -= 255) enc.push(255);
    enc.push(n);
  };
  for (const s of seqs) {
    const ml = s.matchLen - 4;
    // A match needs something before it to refer to.
    const literals = expected.length + s.literals.length === 0 ? [0x61] : [...s.literals];
    const offset = Math.min(s.offset, expected.length + literals.length);
    enc.push((Math.min(literals.length, 15) << 4) | Math.min(ml, 15));
    if (literals.length >= 15) lengthBytes(literals.length - 15);
    for (const b of literals) enc.push(b);
    for (const b of literals) expected.push(b);
    enc.push(offset & 0xff, offset >> 8);
    if (ml >= 15) lengthBytes(ml - 15);
    for (let k = 0; k < s.matchLen; k++) expected.push(expected[expected.length - offset]!);
  }
  enc.push(Math.min(tail.length, 15) << 4);
  if (tail.length >= 15) lengthBytes(tail.length - 15);
  for (const b of tail) enc.push(b);
  for (const b of tail) expected.push(b);
  return { enc: Uint8Array.from(enc), expected: Uint8Array.from(expected) };
}

describe("repository fixtures", () => {
  it.each(Object.entries(FIXTURE_FOR))("decodes every compressed key of the %s fixture %s", async (algorithm, file) => {
    const compressed = keysOf(file, ROOT_FIXTURES).filter((k) => k.payload.length !== k.objlen);
    expect(compressed.filter((k) => algorithmOf(k) === algorithm).length).toBeGreaterThan(1);
    for (const k of compressed) {
      expect((await decompressBasket(k.payload, k.objlen, `${file} ${k.name}`)).length).toBe(k.objlen);
    }
  });
});

describe("multi-block payloads", () => {
  it("decodes payloads of several blocks of mixed algorithms", async () => {
    const zl = fixtureBlock("ZL");
    const l4 = fixtureBlock("L4");
    const zs = fixtureBlock("ZS");
    const xz = fixtureBlock("XZ");
    const parts = [zl, l4, zs, xz, l4];
    const expected = concat(...(await Promise.all(parts.map((k) => decompressBasket(k.payload, k.objlen, WHERE)))));
    const total = parts.reduce((n, k) => n + k.objlen, 0);
    const out = await decompressBasket(concat(...parts.map((k) => k.payload)), total, WHERE);
    expect(Buffer.compare(out, expected)).toBe(0);
  });
});

describe("zlib blocks", () => {
  it("round-trips node:zlib output split into several ROOT blocks", async () => {
    const data = new Uint8Array(300_000);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 9)) & 0xff;
    const chunks: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += 100_000) {
      const piece = data.subarray(at, at + 100_000);
      const z = deflateSync(piece, { level: 1 });
      chunks.push(header("ZL", 8, z.length, piece.length), z);
    }
    const out = await decompressBasket(concat(...chunks), data.length, WHERE);
    expect(Buffer.compare(out, data)).toBe(0);
  });

  it("names the location when a zlib stream is corrupt", async () => {
    const k = fixtureBlock("ZL");
    const bad = Uint8Array.from(k.payload);
    bad[bad.length - 3]! ^= 0xff; // inside the Adler-32 / final deflate bytes
    await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(/basket 3.*compression block 0.*zlib/);
  });

  it("rejects a zlib block that decodes to fewer bytes than it declares", async () => {
    const z = deflateSync(new Uint8Array(400));
    await expect(decompressBasket(concat(header("ZL", 8, z.length, 500), z), 500, WHERE)).rejects.toThrow(/basket 3.*zlib stream decoded to 400 bytes instead of 500/);
  });

  it("decodes the blocks that follow a corrupt one (the reused inflate state recovers)", async () => {
    const k = fixtureBlock("ZL");
    const good = await decompressBasket(k.payload, k.objlen, WHERE);
    const bad = Uint8Array.from(k.payload);
    bad[bad.length - 3]! ^= 0xff;
    for (let i = 0; i < 3; i++) {
      await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(/zlib/);
      expect(Buffer.compare(await decompressBasket(k.payload, k.objlen, WHERE), good)).toBe(0);
      // A block cut short, then a whole one again.
      await expect(decompressBasket(concat(header("ZL", 8, k.payload.length - 14, k.objlen), k.payload.subarray(9, k.payload.length - 5)), k.objlen, WHERE)).rejects.toThrow(/zlib/);
      expect(Buffer.compare(decompressBasketSync(k.payload, k.objlen, WHERE)!, good)).toBe(0);
    }
  });

  it("rejects a zlib block that decodes to more than it declares", async () => {
    const z = deflateSync(new Uint8Array(1000));
    await expect(decompressBasket(concat(header("ZL", 8, z.length, 500), z), 500, WHERE)).rejects.toThrow(
      /basket 3.*zlib: decodes to more than the declared 500 bytes/,
    );
  });
});

describe("LZ4 blocks", () => {
  it("detects a flipped data byte through the XXH64 checksum", async () => {
    const k = fixtureBlock("L4");
    const bad = Uint8Array.from(k.payload);
    bad[30]! ^= 0x01;
    await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(/basket 3.*LZ4 checksum mismatch/);
  });

  it("detects a wrong stored checksum", async () => {
    const k = fixtureBlock("L4");
    const bad = Uint8Array.from(k.payload);
    bad[9]! ^= 0x80;
    await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(/basket 3.*LZ4 checksum mismatch: block says XXH64 [0-9a-f]{16}/);
  });

  it("verifies the stored XXH64 of every real LZ4 block", () => {
    let n = 0;
    for (const file of ["uproot-HZZ-lz4.root", "uproot-HZZ-objects.root", "hepconvert-test1.root", "unroot-tree_with_jagged_array.root"]) {
      for (const k of keysOf(file, ROOT_FIXTURES).filter((x) => x.payload.length !== x.objlen && algorithmOf(x) === "L4")) {
        const stored = Buffer.from(k.payload.subarray(9, 17)).toString("hex");
        const [h, l] = xxh64(k.payload, 17, k.payload.length);
        expect(h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0")).toBe(stored);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it("decodes overlapping and long matches", () => {
    // literal "ab", match offset 2 length 4+15+40=59 (overlapping), then literal "xyz".
    const block = Uint8Array.from([0x2f, 0x61, 0x62, 0x02, 0x00, 40, 0x30, 0x78, 0x79, 0x7a]);
    const out = new Uint8Array(64);
    expect(lz4DecodeBlock(block, 0, block.length, out, 0, 64)).toBe(64);
    expect(Buffer.from(out).toString("latin1")).toBe("ab".repeat(30) + "a" + "xyz");
  });

  // Both decoders: the JavaScript one alone, the WebAssembly one with its checksum, writing into
  // the middle of a larger buffer whose other bytes must stay untouched.
  const decoders: [string, (enc: Uint8Array, size: number) => Promise<Uint8Array>][] = [
    [
      "JavaScript",
      async (enc, size) => {
        const out = new Uint8Array(size);
        expect(lz4DecodeBlock(enc, 0, enc.length, out, 0, size)).toBe(size);
        return out;
      },
    ],
    [
      "WebAssembly",
      async (enc, size) => {
        const body = l4Payload(enc, size).subarray(9);
        const out = new Uint8Array(size + 40).fill(0xaa);
        expect(lz4WithChecksum(body, 0, body.length, out, 16, size)).toEqual({ ok: true });
        expect(out.subarray(0, 16).every((b) => b === 0xaa) && out.subarray(16 + size).every((b) => b === 0xaa)).toBe(true);
        return out.subarray(16, 16 + size);
      },
    ],
  ];

  it.each(decoders)("%s: agrees with a naive decoder on random sequences", async (_, decode) => {
    const sequence = fc.record({
      literals: fc.uint8Array({ minLength: 0, maxLength: 300 }),
      // Short offsets (overlapping matches of a short pattern, below and above the 8-byte word) often.
      offset: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 70_000 })),
      matchLen: fc.oneof(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 4, max: 600 })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(sequence, { minLength: 1, maxLength: 20 }), fc.uint8Array({ minLength: 1, maxLength: 50 }), async (seqs, tail) => {
        const { enc, expected } = encodeSequences(seqs, tail);
        const out = await decode(enc, expected.length);
        return Buffer.compare(out, expected) === 0;
      }),
      { numRuns: 200 },
    );
  });

  it.each(decoders)("%s: decodes every short offset with every match length up to 70", async (_, decode) => {
    // Offsets below 8 take the WebAssembly decoder's pattern path; 8 and 9 its word copies.
    const lit = Uint8Array.from({ length: 12 }, (_, k) => 0x41 + k);
    for (let offset = 1; offset <= 9; offset++) {
      for (let matchLen = 4; matchLen <= 70; matchLen++) {
        const { enc, expected } = encodeSequences([{ literals: lit, offset, matchLen }, { literals: lit.subarray(0, 1), offset, matchLen: 4 }], lit.subarray(0, 5));
        expect(Buffer.compare(await decode(enc, expected.length), expected), `offset ${offset}, length ${matchLen}`).toBe(0);
      }
    }
  });

  it.each(decoders)("%s: decodes a 3 MB block of long and short runs", async (_, decode) => {
    // Bigger than the WebAssembly memory's first page, so it grows; literal runs of 1 to 5000 bytes.
    const seqs = [];
    let x = 1;
    const next = () => (x = Math.imul(x, 1103515245) + 12345) >>> 8;
    for (let i = 0; i < 3000; i++) {
      const lit = new Uint8Array(next() % 3 === 0 ? next() % 5000 : next() % 20);
      for (let k = 0; k < lit.length; k++) lit[k] = next();
      seqs.push({ literals: lit, offset: 1 + (next() % 4000), matchLen: 4 + (next() % 700) });
    }
    const { enc, expected } = encodeSequences(seqs, Uint8Array.of(1, 2, 3));
    expect(expected.length).toBeGreaterThan(3e6);
    expect(Buffer.compare(await decode(enc, expected.length), expected)).toBe(0);
  });

  it("WebAssembly: a corrupt block is explained by the JavaScript decoder's message", async () => {
    await expect(decompressBasket(l4Payload(Uint8Array.from([0x10, 0x61, 0x05, 0x00, 0x00]), 16), 16, WHERE)).rejects.toThrow(
      /basket 3.*compression block 0.*LZ4 match offset 5 points before/,
    );
    await expect(decompressBasket(l4Payload(Uint8Array.from([0x1f, 0x61, 0x01, 0x00, 0x20]), 16), 16, WHERE)).rejects.toThrow(
      /basket 3.*LZ4 match goes past the declared/,
    );
    // Literal length bytes running off the end, and a block decoding to less than declared.
    await expect(decompressBasket(l4Payload(Uint8Array.from([0xf0, 0xff, 0xff]), 16), 16, WHERE)).rejects.toThrow(/truncated in a literal length/);
    await expect(decompressBasket(l4Payload(Uint8Array.from([0x30, 0x61, 0x62, 0x63]), 16), 16, WHERE)).rejects.toThrow(
      /LZ4 block decoded to 3 bytes instead of 16/,
    );
  });

  it("rejects a match before the start of the output and an overlong block", () => {
    const out = new Uint8Array(16);
    expect(() => lz4DecodeBlock(Uint8Array.from([0x10, 0x61, 0x05, 0x00, 0x00]), 0, 5, out, 0, 16)).toThrow(/offset 5 points before/);
    expect(() => lz4DecodeBlock(Uint8Array.from([0x1f, 0x61, 0x01, 0x00, 0x20]), 0, 5, out, 0, 16)).toThrow(/past the declared/);
  });
});

describe("XXH64", () => {
  const enc = new TextEncoder();
  const hex = ([h, l]: [number, number]) => h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0");
  it.each([
    ["", "ef46db3751d8e999"],
    ["a", "d24ec4f1a98c6e5b"],
    ["abc", "44bc2cf5ad770999"],
    ["message digest", "066ed728fceeb3be"],
    ["abcdefghijklmnopqrstuvwxyz", "cfe1f278fa89835c"],
    ["ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "aaa46907d3047814"],
    ["1234567890".repeat(8), "e04a477f19ee145d"],
  ])("hashes %j to the published value", (text, expected) => {
    expect(hex(xxh64(enc.encode(text)))).toBe(expected);
  });

  it("agrees with a BigInt reference on random data of every tail length", () => {
    const M = (1n << 64n) - 1n;
    const P = [0x9e3779b185ebca87n, 0xc2b2ae3d27d4eb4fn, 0x165667b19e3779f9n, 0x85ebca77c2b2ae63n, 0x27d4eb2f165667c5n];
    const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
    const round = (acc: bigint, lane: bigint) => (rotl((acc + lane * P[1]!) & M, 31n) * P[0]!) & M;
    const reference = (d: Uint8Array): bigint => {
      const v = Buffer.from(d);
      let p = 0;
      let h: bigint;
      if (d.length >= 32) {
        const acc = [(P[0]! + P[1]!) & M, P[1]!, 0n, (M + 1n - P[0]!) & M];
        for (; p + 32 <= d.length; p += 32) for (let j = 0; j < 4; j++) acc[j] = round(acc[j]!, v.readBigUInt64LE(p + 8 * j));
        h = (rotl(acc[0]!, 1n) + rotl(acc[1]!, 7n) + rotl(acc[2]!, 12n) + rotl(acc[3]!, 18n)) & M;
        for (const a of acc) h = (((h ^ round(0n, a)) * P[0]!) + P[3]!) & M;
      } else h = P[4]!;
      h = (h + BigInt(d.length)) & M;
      for (; p + 8 <= d.length; p += 8) h = ((rotl(h ^ round(0n, v.readBigUInt64LE(p)), 27n) * P[0]!) + P[3]!) & M;
      if (p + 4 <= d.length) {
        h = ((rotl(h ^ ((BigInt(v.readUInt32LE(p)) * P[0]!) & M), 23n) * P[1]!) + P[2]!) & M;
        p += 4;
      }
      for (; p < d.length; p++) h = (rotl(h ^ ((BigInt(v[p]!) * P[4]!) & M), 11n) * P[0]!) & M;
      h ^= h >> 33n; h = (h * P[1]!) & M; h ^= h >> 29n; h = (h * P[2]!) & M; h ^= h >> 32n;
      return h;
    };
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(40), (d, skip) => {
        // Hashing a range that does not start at 0 of its array.
        const padded = concat(new Uint8Array(skip).fill(0x5a), d, Uint8Array.of(1, 2, 3));
        return hex(xxh64(d)) === reference(d).toString(16).padStart(16, "0") && hex(xxh64(padded, skip, skip + d.length)) === hex(xxh64(d));
      }),
      { numRuns: 300 },
    );
  });
});

describe("errors name the location and the fault", () => {
  it("rejects an unknown algorithm", async () => {
    await expect(decompressBasket(concat(header("QQ", 1, 4, 10), new Uint8Array(4)), 10, WHERE)).rejects.toThrow(
      /^test\.root tree "t" branch "x" basket 3: compression block 0 \(payload byte 0\): unknown compression algorithm "QQ"/,
    );
  });

  it("rejects ROOT's old CS algorithm as unsupported", async () => {
    await expect(decompressBasket(concat(header("CS", 8, 4, 10), new Uint8Array(4)), 10, WHERE)).rejects.toThrow(/basket 3.*CS block.*not supported/);
  });

  it.each(["ZL", "L4", "ZS", "XZ"] as const)("rejects a truncated %s block", async (algorithm) => {
    const k = fixtureBlock(algorithm);
    await expect(decompressBasket(k.payload.subarray(0, k.payload.length - 5), k.objlen, WHERE)).rejects.toThrow(
      new RegExp(`basket 3: compression block 0 \\(payload byte 0\\): ${algorithm} block truncated: header declares \\d+ compressed bytes, \\d+ present`),
    );
  });

  it.each([
    ["ZS", /zstd frame is corrupt/],
    ["XZ", /xz: corrupt compressed data/],
  ] as const)("rejects a corrupt %s block", async (algorithm, message) => {
    const k = fixtureBlock(algorithm);
    const bad = Uint8Array.from(k.payload);
    for (let i = 40; i < 60; i++) bad[i]! ^= 0x5a;
    await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(/basket 3: compression block 0/);
    await expect(decompressBasket(bad, k.objlen, WHERE)).rejects.toThrow(message);
  });

  it("rejects a payload that ends before the declared size is reached", async () => {
    const k = fixtureBlock("ZL");
    await expect(decompressBasket(k.payload, k.objlen + 100, WHERE)).rejects.toThrow(
      /basket 3: compression block 1 \(payload byte \d+\): payload truncated: 0 bytes left for a 9-byte block header/,
    );
  });

  it("rejects a block declaring more than the basket's size", async () => {
    const k = fixtureBlock("L4");
    await expect(decompressBasket(k.payload, k.objlen - 1, WHERE)).rejects.toThrow(/basket 3.*declares \d+ uncompressed bytes, but only/);
  });

  it("rejects an invalid uncompressed size", async () => {
    for (const size of [-1, Number.NaN, 1.5]) {
      await expect(decompressBasket(new Uint8Array(20), size, WHERE)).rejects.toThrow(/basket 3: invalid uncompressed size/);
    }
  });

  it("checks every block header before decoding (a corrupt fObjlen fails without a huge allocation)", async () => {
    const k = fixtureBlock("L4");
    await expect(decompressBasket(k.payload, 2 ** 31, WHERE)).rejects.toThrow(
      /basket 3: compression block 1 \(payload byte \d+\): payload truncated: 0 bytes left for a 9-byte block header, blocks so far declare \d+ of 2147483648 bytes/,
    );
  });

  it("reports an unknown algorithm in a later block before decoding the earlier ones", async () => {
    const k = fixtureBlock("ZL");
    const bad = concat(k.payload, header("Q1", 0, 999_999, 5));
    await expect(decompressBasket(bad, k.objlen + 5, WHERE)).rejects.toThrow(
      /basket 3: compression block 1 \(payload byte \d+\): unknown compression algorithm "Q1" \(bytes 0x51 0x31\)/,
    );
  });

  it("rejects bytes after the last block", async () => {
    const k = fixtureBlock("ZL");
    await expect(decompressBasket(concat(k.payload, new Uint8Array(3)), k.objlen, WHERE)).rejects.toThrow(/basket 3: 3 unexpected bytes after/);
  });
});

describe("result type", () => {
  it("returns plain Uint8Arrays whose slice() copies (never a Buffer)", async () => {
    for (const algorithm of ["ZL", "L4", "ZS", "XZ"] as const) {
      const k = fixtureBlock(algorithm);
      const out = await decompressBasket(k.payload, k.objlen, WHERE);
      expect(Buffer.isBuffer(out), algorithm).toBe(false);
      const copy = out.slice();
      copy[0] = copy[0]! ^ 0xff;
      expect(out[0]).not.toBe(copy[0]);
    }
  });
});
