import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createH5, type ChunkEncoder, type Compression } from "../../src/hdf5/index.js";
import { createEncoderPool } from "../../src/sinks/index.js";
import { rng, tempDir } from "../hdf5/helpers.js";

const tmp = tempDir("encoder-pool");
afterAll(() => tmp.cleanup());

/**
 * 60 chunks of 1,000 rows, compressible (mostly zeros) and incompressible (random) in turn: the
 * pool's threads give the first kind back in the chunk's own memory, which the dataset fills
 * again, and the second in memory of their own.
 */
async function write(file: string, compression: Compression, encoder?: ChunkEncoder): Promise<void> {
  const w = createH5(file, { encoder, fsync: false });
  const ds = w.createDataset("rows", { fields: [{ name: "a", type: "uint32" }, { name: "b", type: "float32" }], chunkRows: 1000, compression });
  const next = rng(5);
  for (let c = 0; c < 60; c++) {
    const a = new Uint32Array(1000);
    const b = new Float32Array(1000);
    for (let i = 0; i < 1000; i++) {
      a[i] = c % 2 === 0 ? (i % 97 === 0 ? c : 0) : next();
      b[i] = c % 2 === 0 ? 0 : next() / 7;
    }
    // Appends that straddle chunk boundaries, so that a refilled chunk gets rows of two appends.
    await ds.append({ a: a.subarray(0, 600), b: b.subarray(0, 600) }, 600);
    await ds.append({ a: a.subarray(600), b: b.subarray(600) }, 400);
  }
  await w.close();
}

it("writes the bytes of in-thread encoding when the threads hand chunk memory back for refilling", async () => {
  const pool = createEncoderPool(2);
  try {
    for (const [label, compression] of [["deflate", { deflate: 4 }], ["lzf", "lzf"]] as const) {
      const a = path.join(tmp.dir, `main-${label}.h5`);
      const b = path.join(tmp.dir, `pool-${label}.h5`);
      await write(a, compression);
      await write(b, compression, pool);
      expect(readFileSync(b).equals(readFileSync(a)), label).toBe(true);
    }
  } finally {
    await pool.destroy();
  }
});
