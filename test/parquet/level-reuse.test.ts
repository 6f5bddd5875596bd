import path from "node:path";
import { describe, expect, it } from "vitest";
import { sliceBatch } from "../../src/batch/batch.js";
import type { Batch, Column } from "../../src/batch/types.js";
import { levelReuse } from "../../src/parquet/chunk-decoder.js";
import { openParquet, writeParquet } from "../../src/parquet/index.js";
import { tempDir } from "./helpers.js";
import { compareDecoders } from "./own-decoder-helpers.js";

const dir = tempDir("level-reuse");

function lists(counts: number[], values: (i: number) => number): Column {
  const offsets = new Int32Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  return { kind: "jagged", offsets, values: Float32Array.from({ length: offsets[counts.length]! }, (_, k) => values(k)) };
}

describe("list columns with the same levels: the scan of one chunk serves the next", () => {
  // 3000 events in small pages: a and b share every list length, c shares them for the first
  // 2000 events only (its later pages differ), d never.
  const n = 3000;
  const counts = Array.from({ length: n }, (_, i) => (i * 7919) % 6);
  const late = counts.map((k, i) => (i < 2000 ? k : (k + 1) % 6));
  const other = counts.map((k, i) => (k + i) % 4);
  const batch: Batch = {
    length: n,
    columns: {
      a: lists(counts, (k) => k),
      b: lists(counts, (k) => -k),
      c: lists(late, (k) => k / 2),
      d: lists(other, (k) => k * 3),
    },
  };

  it.each([1, 2] as const)("gives what parquet-wasm gives, whole and in parts, with pages v%i", async (pageVersion) => {
    const file = path.join(dir, `reuse-v${pageVersion}.parquet`);
    await writeParquet(file, [batch], { compression: "zstd", rowGroupSize: 1500, pageSize: 1024, pageVersion });
    const before = { ...levelReuse };
    const { own, wasm } = await compareDecoders(file);
    expect(own).toEqual(wasm);
    expect(levelReuse.reused).toBeGreaterThan(before.reused);
    // Only some pages: c's later ones and d's are scanned.
    expect(levelReuse.pages - before.pages).toBeGreaterThan(levelReuse.reused - before.reused);
    const r = await openParquet(file);
    expect(await r.read(["a", "b", "c", "d"])).toEqual(batch);
    expect(await r.read(["d", "c", "b", "a"], 1234, 2999)).toEqual(sliceBatch(batch, 1234, 2999));
    r.close();
  });
});
