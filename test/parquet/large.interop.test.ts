// interop: disk
import { statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { tempDir } from "./helpers.js";
import { walkPages } from "./page-walk.js";

const dir = tempDir("parquet-large");

const GROUP = 2 ** 22;
const GROUPS = 132; // 132 row groups of 32 MiB: 4.4 GB, past 2^32 bytes

/** Row group `g` as one batch: x = the row's index, exact in float64. */
function group(g: number): Batch {
  return { length: GROUP, columns: { x: { kind: "flat", values: Float64Array.from({ length: GROUP }, (_, i) => g * GROUP + i) } } };
}

function* groups(): Generator<Batch> {
  for (let g = 0; g < GROUPS; g++) yield group(g);
}

describe("a Parquet file past 4 GiB", () => {
  // parquet-wasm counts bytes in 32 bits (wasm32): before output-rewrite.ts restored them, every
  // offset past 4 GiB in the footer and offset indexes was stored modulo 2^32.
  it("has true offsets in its footer and offset indexes, its CRCs, and reads back across the boundary", { timeout: 600_000 }, async () => {
    const file = path.join(dir, "large.parquet");
    await writeParquet(file, groups(), { rowGroupSize: GROUP, compression: "none" });
    expect(statSync(file).size).toBeGreaterThan(2 ** 32);

    // Every page of every chunk found where the offset index and footer say; the CRCs of the
    // row groups that straddle or follow the 4 GiB mark checked against the oracle's.
    const boundary = Math.floor(2 ** 32 / (GROUP * 8));
    const layout = walkPages(file, (g) => g >= boundary - 1);
    expect(layout.rowGroups).toBe(GROUPS);
    expect(layout.checked).toBeGreaterThan(0);

    const reader = await openParquet(file);
    try {
      expect(reader.entries).toBe(GROUPS * GROUP);
      for (const start of [0, (boundary - 1) * GROUP + 17, boundary * GROUP - 5, GROUPS * GROUP - 1000]) {
        const batch = await reader.read(["x"], start, start + 1000);
        const x = batch.columns.x!.values as Float64Array;
        expect(x.length).toBe(1000);
        expect(x.every((v, i) => v === start + i)).toBe(true);
      }
    } finally {
      reader.close();
    }
  });
});
