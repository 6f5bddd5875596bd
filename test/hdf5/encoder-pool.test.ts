import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { createEncoderPool, createH5, type ChunkEncoder, type ColumnArray, type Compression, type FieldSpec } from "../../src/hdf5/index.js";
import { checkWithH5py, randomColumn, rng, tempDir } from "./helpers.js";

const tmp = tempDir("pool");
afterAll(() => tmp.cleanup());

const FIELDS: FieldSpec[] = [{ name: "pt", type: "float32" }, { name: "eta", type: "float16" }, { name: "n", type: "uint8" }, { name: "valid", type: "bool" }];

async function write(file: string, compression: Compression, encoder?: ChunkEncoder): Promise<Record<string, ColumnArray[]>> {
  const w = createH5(file, { encoder, fsync: false });
  const jets = w.createDataset("jets", { fields: FIELDS, objects: 6, chunkRows: 37, compression });
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
