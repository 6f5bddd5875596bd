import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { padGlobal, padGroup } from "../../src/stages/pad.js";
import { assignBuckets, permutation, splitmix32, Xoshiro128 } from "../../src/random/prng.js";
import { gatherBucket } from "../../src/shards/gather.js";
import { BucketShuffler, bucketFile, bucketOrders, bucketsFor, gatherRows, gatherSections, ShuffleMemory } from "../../src/stages/shuffle.js";
import { fieldOf, layoutOf, packGroups } from "./record-helpers.js";

let parent = "";
beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), "sxflow-shuffle-test-"));
});
afterAll(() => rm(parent, { recursive: true, force: true }));

/** xoshiro128** written with BigInt from the reference C code, to check the 32-bit JS version. */
function referenceXoshiro(seed: number, count: number): number[] {
  const next = splitmix32(seed);
  const s = [next(), next(), next(), next()].map(BigInt);
  const M = 0xffffffffn;
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    out.push(Number((rotl((s[1]! * 5n) & M, 7n) * 9n) & M));
    const t = (s[1]! << 9n) & M;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11n);
  }
  return out;
}

describe("seeded generators", () => {
  it("matches a BigInt transcription of xoshiro128**", () => {
    const rng = new Xoshiro128(42);
    const got = Array.from({ length: 50 }, () => rng.nextUint32());
    expect(got).toEqual(referenceXoshiro(42, 50));
  });

  it("draws unbiased bounded integers and permutations", () => {
    const rng = new Xoshiro128(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[rng.below(6)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(5 * Math.sqrt(60_000 * (1 / 6) * (5 / 6)));
    const p = permutation(1000, new Xoshiro128(1));
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, new Xoshiro128(1))).toEqual(p);
    expect(permutation(1000, new Xoshiro128(2))).not.toEqual(p);
    const buckets = assignBuckets(100, 4, new Xoshiro128(3));
    expect(Math.max(...buckets)).toBeLessThan(4);
  });
});

/** Rows whose first 4 bytes hold the row number and the rest a pattern derived from it. */
function rows(first: number, n: number, rowBytes: number): Uint8Array {
  const out = new Uint8Array(n * rowBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    view.setUint32(i * rowBytes, first + i, true);
    for (let b = 4; b < rowBytes; b++) out[i * rowBytes + b] = (first + i + b) & 0xff;
  }
  return out;
}

async function shuffleAll(total: number, rowBytes: number, seed: number, options: { buckets: number; bufferBytes?: number; writeChunk?: number }): Promise<number[]> {
  const s = await BucketShuffler.create({ rowBytes, buckets: options.buckets, seed, tmpDir: parent, bufferBytes: options.bufferBytes ?? 1024 });
  const chunk = options.writeChunk ?? 777;
  for (let start = 0; start < total; start += chunk) await s.write(rows(start, Math.min(chunk, total - start), rowBytes));
  expect(s.count).toBe(total);
  const order: number[] = [];
  let corrupted = 0;
  for await (const out of s.rows(100)) {
    const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    for (let i = 0; i < out.length / rowBytes; i++) {
      const id = view.getUint32(i * rowBytes, true);
      for (let b = 4; b < rowBytes; b++) if (out[i * rowBytes + b] !== ((id + b) & 0xff)) corrupted++;
      order.push(id);
    }
  }
  expect(corrupted).toBe(0);
  expect(readdirSync(parent)).toEqual([]);
  return order;
}

describe("BucketShuffler", () => {
  it("emits a permutation of the rows, identical for a seed whatever the write chunking", async () => {
    const total = 5000;
    const a = await shuffleAll(total, 12, 42, { buckets: 8 });
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: total }, (_, i) => i));
    const b = await shuffleAll(total, 12, 42, { buckets: 8, writeChunk: 50 });
    expect(b).toEqual(a);
    const c = await shuffleAll(total, 12, 43, { buckets: 8 });
    expect(c).not.toEqual(a);
  });

  it("mixes rows across the whole input (not just within windows)", async () => {
    const total = 4000;
    const order = await shuffleAll(total, 8, 1, { buckets: 16 });
    // Rows from the first and last quarter of the input both appear in the first tenth of the output.
    const head = order.slice(0, total / 10);
    expect(head.filter((id) => id < total / 4).length).toBeGreaterThan(total / 10 / 4 / 2);
    expect(head.filter((id) => id >= (3 * total) / 4).length).toBeGreaterThan(total / 10 / 4 / 2);
    // Rank correlation between input and output positions is near zero.
    const n = order.length;
    let sum = 0;
    order.forEach((id, pos) => (sum += (id - n / 2) * (pos - n / 2)));
    const corr = sum / ((n * n * n) / 12);
    expect(Math.abs(corr)).toBeLessThan(0.1);
  });

  it("keeps its write buffers within 64 MiB together however many buckets the input needs", async () => {
    // 20,000 buckets at the former fixed 256 KiB each would be 5 GiB of buffers.
    const s = await BucketShuffler.create({ rowBytes: 8, buckets: 20_000, seed: 5, tmpDir: parent });
    try {
      const before = process.memoryUsage().arrayBuffers;
      const total = 200_000;
      for (let start = 0; start < total; start += 10_000) await s.write(rows(start, 10_000, 8));
      // 64 MiB of buffers when every bucket holds rows, plus the input chunks.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(128 * 2 ** 20);
      const seen = new Uint8Array(total);
      for await (const out of s.rows(100_000)) {
        const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let i = 0; i < out.length / 8; i++) seen[view.getUint32(i * 8, true)]!++;
      }
      expect(seen.every((c) => c === 1)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("works with a single bucket held in memory and rejects partial rows and oversized buckets", async () => {
    const order = await shuffleAll(300, 6, 9, { buckets: 1, bufferBytes: 1 << 20 });
    expect(new Set(order).size).toBe(300);
    const s = await BucketShuffler.create({ rowBytes: 6, buckets: 1, seed: 0, tmpDir: parent, bufferBytes: 60, maxBucketBytes: 100 });
    await expect(s.write(new Uint8Array(7))).rejects.toThrow(/not a whole number of 6-byte rows/);
    await s.write(new Uint8Array(6 * 30));
    await expect(async () => {
      for await (const _ of s.rows()) void _;
    }).rejects.toThrow(/bucket 0 holds 180 bytes, over the 100-byte limit/);
    expect(readdirSync(parent)).toEqual([]);
    expect(bucketsFor(1_000_000, 400, 100e6)).toBe(8);
  });
});

describe("row layout", () => {
  it("packs padded and global groups into rows of the record layout, split by split, each event whole", () => {
    const event = padGlobal({
      name: "event",
      fields: {
        met: { kind: "flat", values: Float32Array.from([1.5, 2.5, 3.5]) },
        eventNumber: { kind: "flat", values: BigUint64Array.from([10n, 11n, 2n ** 63n]) },
      },
    });
    const jet = padGroup({
      name: "jet",
      maxObjects: 2,
      fields: { pt: { kind: "jagged", offsets: Int32Array.from([0, 3, 3, 4]), values: Float32Array.from([5, 6, 7, 8]) } },
      padding: "nan",
    });
    const layout = layoutOf([event, jet]);
    // The event's record, then the jets' two records of pt and valid: the HDF5 compound records.
    expect(layout.rowBytes).toBe(4 + 8 + 2 * (4 + 1));
    expect(layout.groups.map((g) => [g.rowOffset, g.recordBytes])).toEqual([[0, 12], [12, 5]]);
    // Events 0 and 2 go to split 1, event 1 to split 0: split 0's rows come first.
    const rows = packGroups([event, jet], layout, Uint8Array.from([1, 0, 1]), [1, 2]);
    expect(rows.length).toBe(3 * layout.rowBytes);
    expect(Array.from(fieldOf(rows, layout, "event", "met") as Float32Array)).toEqual([2.5, 1.5, 3.5]);
    expect(Array.from(fieldOf(rows, layout, "event", "eventNumber") as BigUint64Array)).toEqual([11n, 10n, 2n ** 63n]);
    expect(Array.from(fieldOf(rows, layout, "jet", "pt") as Float32Array)).toEqual([Number.NaN, Number.NaN, 5, 6, 8, Number.NaN]);
    expect(Array.from(fieldOf(rows, layout, "jet", "valid") as Uint8Array)).toEqual([0, 0, 1, 1, 1, 0]);
    // An event of no split is left out.
    expect(packGroups([event, jet], layout, Uint8Array.from([0, 3, 0]), [2]).length).toBe(2 * layout.rowBytes);
  });
});

describe("second pass by sections", () => {
  /** `count` rows of `rowBytes` bytes, every byte telling its row and place. */
  const rowsOf = (count: number, rowBytes: number) => Uint8Array.from({ length: count * rowBytes }, (_, i) => (Math.floor(i / rowBytes) * 31 + (i % rowBytes) * 7) & 0xff);

  it("gives the permuted rows of gatherRows section by section, for word-aligned and unaligned sections", () => {
    const rng = new Xoshiro128(7);
    for (const sections of [
      [{ offset: 0, bytes: 32 }, { offset: 32, bytes: 140 }, { offset: 172, bytes: 52 }],
      [{ offset: 0, bytes: 5 }, { offset: 5, bytes: 13 }, { offset: 18, bytes: 2 }],
    ]) {
      const rowBytes = sections.reduce((t, s) => t + s.bytes, 0);
      const data = rowsOf(1000, rowBytes);
      const order = permutation(1000, rng);
      const whole = gatherRows(data, order, rowBytes);
      const got = gatherSections(data, order, rowBytes, sections);
      const expected = sections.flatMap(({ offset, bytes }) => Array.from({ length: 1000 }, (_, r) => whole.subarray(r * rowBytes + offset, r * rowBytes + offset + bytes)));
      expect(Buffer.from(got).equals(Buffer.concat(expected))).toBe(true);
    }
  });

  it("hands its buckets to a second pass elsewhere, in memory within the budget and from files beyond it, permuted as rows() does (rows of whole words or not)", async () => {
    for (const rowBytes of [12, 10]) {
      const options = { rowBytes, buckets: 3, seed: 99, tmpDir: parent };
      const data = rowsOf(5000, rowBytes);
      const block = 100 * rowBytes;
      const inOrder = await BucketShuffler.create(options);
      for (let at = 0; at < data.length; at += block) await inOrder.write(data.subarray(at, at + block), at / block);
      const expected: Uint8Array[] = [];
      for await (const chunk of inOrder.rows()) expected.push(chunk);
      // All on disk, part in memory and part on disk, all in memory: the same rows for the second pass.
      for (const limit of [0, 7 * block, 1e9]) {
        const memory = new ShuffleMemory(limit);
        // Pieces of 30 rows: the rows of a block do not fill them evenly.
        const split = await BucketShuffler.create({ ...options, bufferBytes: 30 * rowBytes, memory });
        for (let at = 0; at < data.length; at += block) {
          await split.write(data.subarray(at, at + block), at / block);
          expect(memory.held).toBeLessThanOrEqual(limit);
        }
        const files = readdirSync(split.directory);
        if (limit === 0) expect(files.length).toBe(3);
        if (limit > data.length) expect(files).toEqual([]);
        const buckets = split.bucketRows();
        expect(memory.held).toBe(0);
        expect(buckets.reduce((t, b) => t + b.onDisk + b.inMemory, 0)).toBe(data.length);
        if (limit === 7 * block) expect(buckets.some((b) => b.onDisk > 0 && b.inMemory > 0)).toBe(true);
        const orders = bucketOrders(99);
        const got: Uint8Array[] = [];
        for (const b of buckets) {
          const parts = [{ shard: "run", file: b.file, bytes: b.onDisk }, { rows: b.rows, bytes: b.inMemory }];
          got.push(await gatherBucket({ parts, rowBytes, order: orders((b.onDisk + b.inMemory) / rowBytes), remove: true }));
        }
        expect(Buffer.concat(got)).toEqual(Buffer.concat(expected));
        expect(readdirSync(split.directory)).toEqual([]);
        await split.close();
        expect(readdirSync(parent).some((d) => d === path.basename(split.directory))).toBe(false);
      }
    }
  });

  it("keeps every bucket whole in its file for a merge, whatever it held in memory", async () => {
    const rowBytes = 16;
    const data = rowsOf(3000, rowBytes);
    const spills: Buffer[][] = [];
    for (const limit of [0, 1e9]) {
      const s = await BucketShuffler.create({ rowBytes, buckets: 4, seed: 3, tmpDir: parent, bufferBytes: 50 * rowBytes, memory: new ShuffleMemory(limit) });
      for (let at = 0; at < data.length; at += 64 * rowBytes) await s.write(data.subarray(at, at + 64 * rowBytes), at);
      const { dir, bucketBytes } = await s.keepSpill();
      spills.push(await Promise.all(bucketBytes.map(async (bytes, k) => (bytes > 0 ? readFile(bucketFile(dir, k)) : Buffer.alloc(0)))));
      expect(spills.at(-1)!.map((b) => b.length)).toEqual(bucketBytes);
      await rm(dir, { recursive: true });
    }
    expect(spills[1]).toEqual(spills[0]);
    expect(spills[0]!.reduce((t, b) => t + b.length, 0)).toBe(data.length);
  });
});
