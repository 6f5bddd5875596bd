// interop: h5py
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createH5, encodeChunk, type ChunkEncoder, type ColumnArray, type Compression, type FieldSpec } from "../../src/hdf5/index.js";
import { createEncoderPool } from "../../src/sinks/index.js";
import { checkWithH5py, randomColumn, rng, tempDir } from "../hdf5/helpers.js";

const tmp = tempDir("pool");
afterAll(() => tmp.cleanup());

const FIELDS: FieldSpec[] = [{ name: "pt", type: "float32" }, { name: "eta", type: "float16" }, { name: "n", type: "uint8" }, { name: "valid", type: "bool" }];

async function write(file: string, compression: Compression, encoder?: ChunkEncoder): Promise<Record<string, ColumnArray[]>> {
  const w = createH5(file, { encoder, fsync: false });
  const jets = w.createDataset("jets", { fields: FIELDS, objects: 6, chunkRows: 37, compression, shuffle: true });
  const ev = w.createDataset("events", { fields: [{ name: "id", type: "int64" }], chunkRows: 50, compression });
  const next = rng(17);
  const given: Record<string, ColumnArray[]> = { pt: [], eta: [], n: [], valid: [] };
  for (let b = 0; b < 12; b++) {
    const rows = 100 + b * 13;
    const cols: Record<string, ColumnArray> = {};
    for (const f of FIELDS) {
      // Half padding (zeros) so that LZF and deflate actually compress some chunks.
      const c = randomColumn(f.type, rows * 6, next);
      if (f.type !== "bool") for (let i = 0; i < c.length; i += 2) c[i] = typeof c[i] === "bigint" ? 0n as never : 0;
      cols[f.name] = c;
      given[f.name].push(c);
    }
    await jets.append(cols, rows);
    await ev.append({ id: BigInt64Array.from({ length: rows }, (_, i) => BigInt(b * 1000 + i)) });
  }
  await w.close();
  return given;
}

it("chunks encoded on 2 worker threads give a byte-identical file that h5py reads", async () => {
  const pool = createEncoderPool(2);
  try {
    for (const [label, compression, h5] of [["deflate", { deflate: 1 }, "gzip"], ["lzf", "lzf", "lzf"]] as const) {
      const a = path.join(tmp.dir, `main-${label}.h5`);
      const b = path.join(tmp.dir, `pool-${label}.h5`);
      const given = await write(a, compression);
      await write(b, compression, pool);
      expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
      const rows = given.pt.reduce((s, c) => s + c.length / 6, 0);
      const res = checkWithH5py(tmp.dir, b, [{
        name: "jets", fields: FIELDS, columns: given, rows, objects: 6, compression: h5, shuffle: true, slices: [[0, 37], [36, 38], [rows - 5, rows]],
      }]);
      expect(res.errors).toEqual([]);
    }
  } finally {
    await pool.destroy();
  }
});

it("concurrent appends to several datasets with an encoder that finishes out of order keep every chunk in place", async () => {
  const file = path.join(tmp.dir, "concurrent.h5");
  const next = rng(99);
  // Results arrive in random order: each encoding waits a random 0-3 ms.
  const jittery: ChunkEncoder = {
    concurrency: 6,
    encode: (raw, filters) => new Promise((resolve) => setTimeout(() => resolve(encodeChunk(raw, filters)), next() % 4)),
  };
  const w = createH5(file, { encoder: jittery, fsync: false });
  const names = ["a", "b", "c"];
  const datasets = names.map((n) => w.createDataset(n, { fields: [{ name: "i", type: "int32" }], objects: 2, chunkRows: 5, compression: "lzf" }));
  const rows = 400;
  await Promise.all(datasets.map(async (ds, k) => {
    for (let r0 = 0; r0 < rows; r0 += 23) {
      const n = Math.min(23, rows - r0);
      await ds.append({ i: Int32Array.from({ length: n * 2 }, (_, j) => k * 1_000_000 + r0 * 2 + j) }, n);
    }
  }));
  await w.close();
  const res = checkWithH5py(tmp.dir, file, names.map((n, k) => ({
    name: n, fields: [{ name: "i", type: "int32" }], rows, objects: 2, compression: "lzf",
    columns: { i: [Int32Array.from({ length: rows * 2 }, (_, j) => k * 1_000_000 + j)] },
  })));
  expect(res.errors).toEqual([]);
});
