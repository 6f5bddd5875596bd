import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { ThriftReader, encodeStruct } from "../../src/parquet/thrift.js";
import { fingerprint, tempDir } from "./helpers.js";
import { TTBAR } from "./corrupt-helpers.js";
import { walkPages } from "./page-walk.js";

const dir = tempDir("parquet-crc-write");

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

describe("page CRCs in sxflow's Parquet output", () => {
  it("stores the CRC-32 of every page, with page indexes and footer moved to match; values and partial reads unchanged", async () => {
    const parts = [big(150_000, 0), big(150_000, 150_000), big(60_000, 300_000)];
    const plain = path.join(dir, "plain.parquet");
    const crc = path.join(dir, "crc.parquet");
    await writeParquet(plain, parts, { rowGroupSize: 150_000, pageChecksums: false, compression: "none" });
    await writeParquet(crc, parts, { rowGroupSize: 150_000, compression: "none" });

    const without = walkPages(plain);
    const withCrc = walkPages(crc);
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
    expect(walkPages(TTBAR).checked).toBe(walkPages(TTBAR).pages);
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
