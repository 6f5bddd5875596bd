import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createH5 } from "../../src/hdf5/index.js";
import { tempDir } from "./helpers.js";

const { dir, cleanup } = tempDir("append-packed");
afterAll(cleanup);

const FIELDS = [
  { name: "pt", type: "float32" as const },
  { name: "flag", type: "bool" as const },
  { name: "n", type: "int16" as const },
];
const RECORD = 4 + 1 + 2;

/** `rows` rows of `objects` records each, as columns and as records inside wider rows (pre bytes before, post after). */
function sample(rows: number, objects: number, pre: number, post: number) {
  const pt = Float32Array.from({ length: rows * objects }, (_, i) => i * 1.25 - 3);
  const flag = Uint8Array.from({ length: rows * objects }, (_, i) => (i % 3 === 0 ? 1 : 0));
  const n = Int16Array.from({ length: rows * objects }, (_, i) => 1000 - i * 7);
  const stride = pre + objects * RECORD + post;
  const bytes = new Uint8Array(rows * stride).fill(0xee);
  const view = new DataView(bytes.buffer);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < objects; j++) {
      const k = r * objects + j;
      const at = r * stride + pre + j * RECORD;
      view.setFloat32(at, pt[k]!, true);
      view.setUint8(at + 4, flag[k]!);
      view.setInt16(at + 5, n[k]!, true);
    }
  }
  return { columns: { pt, flag, n }, bytes, stride };
}

async function write(file: string, objects: number, fill: (ds: ReturnType<ReturnType<typeof createH5>["createDataset"]>) => Promise<void>): Promise<Buffer> {
  const w = createH5(file);
  const ds = w.createDataset("jets", { fields: FIELDS, objects, chunkRows: 16 });
  await fill(ds);
  await w.close();
  return readFileSync(file);
}

describe("H5DatasetWriter.appendPacked", () => {
  for (const [objects, pre, post] of [[1, 0, 0], [1, 13, 3], [10, 5, 40], [3, 0, 9]] as const) {
    it(`writes the same file as append() from columns (${objects} objects per row, ${pre}+${post} other bytes per row)`, async () => {
      const rows = 50;
      const { columns, bytes, stride } = sample(rows, objects, pre, post);
      const a = await write(path.join(dir, `cols-${objects}-${pre}.h5`), objects, async (ds) => {
        const part = (a: number, b: number) => ({ pt: columns.pt.subarray(a * objects, b * objects), flag: columns.flag.subarray(a * objects, b * objects), n: columns.n.subarray(a * objects, b * objects) });
        await ds.append(part(0, 20), 20);
        await ds.append(part(20, rows), 30);
      });
      const b = await write(path.join(dir, `packed-${objects}-${pre}.h5`), objects, async (ds) => {
        await ds.appendPacked(bytes.subarray(0, 20 * stride), 20, stride, pre);
        await ds.appendPacked(bytes.subarray(20 * stride), 30, stride, pre);
      });
      expect(b.equals(a)).toBe(true);
    });
  }

  it("refuses rows that do not fit in the bytes given", async () => {
    const w = createH5(path.join(dir, "bad.h5"));
    const ds = w.createDataset("jets", { fields: FIELDS, objects: 2 });
    await expect(ds.appendPacked(new Uint8Array(28), 2, 15, 0)).rejects.toThrow(/2 packed rows of 14 bytes at offset 0, stride 15 do not fit in 28 bytes/);
    await expect(ds.appendPacked(new Uint8Array(100), 2, 15, 2)).rejects.toThrow(/at offset 2, stride 15 do not fit/);
    await w.abort();
  });
});
