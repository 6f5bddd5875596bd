import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { ThriftReader, encodeStruct, type ThriftStruct, type ThriftValue } from "../../src/parquet/thrift.js";
import { fingerprint, tempDir } from "./helpers.js";
import { TTBAR } from "./corrupt-helpers.js";

const dir = tempDir("parquet-crc-write");

/** CRC-32 (IEEE, reflected, as zlib and Parquet compute it), bit by bit: an oracle independent of zlib. */
function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) | 0;
}

const n = (v: ThriftValue | undefined): number => Number(v as number | bigint);
const list = (v: ThriftValue | undefined): ThriftStruct[] => v as ThriftStruct[];

/** Millions of values in 3 row groups, so that column chunks hold several pages (1 MB page limit). */
function big(rows: number, start: number): Batch {
  const offsets = Int32Array.from({ length: rows + 1 }, (_, i) => 3 * i);
  return {
    length: rows,
    columns: {
      x: { kind: "flat", values: Float64Array.from({ length: rows }, (_, i) => Math.sin(start + i)) },
      pt: { kind: "jagged", offsets, values: Float32Array.from({ length: 3 * rows }, (_, i) => Math.cos(start + i)) },
    },
  };
}

interface Layout {
  pages: number;
  checked: number;
}

/**
 * Walks every column chunk of `file` by its offset index, as a reader that skips pages would:
 * each page location must hold a page header, pages must tile the chunk exactly, the chunk and
 * row group sizes must add up; each stored CRC is compared with the oracle's.
 */
function walk(file: string): Layout {
  const bytes = readFileSync(file);
  const footerLength = bytes.readUInt32LE(bytes.length - 8);
  const meta = new ThriftReader(bytes.subarray(bytes.length - 8 - footerLength, bytes.length - 8), file).struct();
  let pages = 0;
  let checked = 0;
  for (const group of list(meta.get(4))) {
    let groupBytes = 0;
    const chunks = list(group.get(1));
    for (const chunk of chunks) {
      const m = chunk.get(3) as ThriftStruct;
      const start = n(m.get(9));
      const size = n(m.get(7));
      groupBytes += size;
      const at = n(chunk.get(4));
      const index = new ThriftReader(bytes.subarray(at, at + n(chunk.get(5))), file).struct();
      let next = start;
      for (const location of list(index.get(1))) {
        expect(n(location.get(1))).toBe(next);
        const reader = new ThriftReader(bytes.subarray(next), file, "page header");
        const header = reader.struct();
        const data = bytes.subarray(next + reader.position, next + reader.position + n(header.get(3)));
        expect(reader.position + data.length).toBe(n(location.get(2)));
        if (header.has(4)) {
          expect(header.get(4)).toBe(crc32(data));
          checked++;
        }
        pages++;
        next += n(location.get(2));
      }
      expect(next).toBe(start + size);
    }
    expect(n(group.get(5))).toBe(n((chunks[0]!.get(3) as ThriftStruct).get(9)));
    expect(n(group.get(6))).toBe(groupBytes);
  }
  return { pages, checked };
}

describe("page CRCs in sxflow's Parquet output", () => {
  it("stores the CRC-32 of every page, with page indexes and footer moved to match; values and partial reads unchanged", async () => {
    const parts = [big(150_000, 0), big(150_000, 150_000), big(60_000, 300_000)];
    const plain = path.join(dir, "plain.parquet");
    const crc = path.join(dir, "crc.parquet");
    await writeParquet(plain, parts, { rowGroupSize: 150_000, pageChecksums: false, compression: "none" });
    await writeParquet(crc, parts, { rowGroupSize: 150_000, compression: "none" });

    const without = walk(plain);
    const withCrc = walk(crc);
    expect(without.checked).toBe(0);
    expect(withCrc.pages).toBe(without.pages);
    expect(withCrc.checked).toBe(withCrc.pages);
    expect(withCrc.pages).toBeGreaterThan(3 * 2 * 2); // several pages per chunk
    // Each header grew by its CRC field and nothing else changed size.
    const grown = readFileSync(crc).length - readFileSync(plain).length;
    expect(grown).toBeGreaterThanOrEqual(2 * withCrc.pages);

    for (const [lo, hi] of [[0, 360_000], [149_990, 150_020], [200_000, 200_001], [359_000, 360_000]] as const) {
      const a = await openParquet(plain);
      const b = await openParquet(crc);
      expect(fingerprint(await b.read(["x", "pt"], lo, hi))).toEqual(fingerprint(await a.read(["x", "pt"], lo, hi)));
      a.close();
      b.close();
    }
  });

  it("is in the committed fixtures, which parquet-wasm reads through sxflow's reader", async () => {
    expect(walk(TTBAR).checked).toBe(walk(TTBAR).pages);
    const r = await openParquet(TTBAR, { tree: "reco" });
    expect((await r.read(["jet_pt_NOSYS"])).length).toBe(5000);
    r.close();
  });

  it("re-encodes a decoded footer to the same bytes (the Thrift writer the rewrite relies on)", () => {
    const bytes = readFileSync(TTBAR);
    const footer = bytes.subarray(bytes.length - 8 - bytes.readUInt32LE(bytes.length - 8), bytes.length - 8);
    expect(Buffer.from(encodeStruct(new ThriftReader(footer, TTBAR).struct())).equals(footer)).toBe(true);
  });
});
