import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createH5, encodeChunk, openH5, type ChunkEncoder, type FieldSpec } from "../../src/hdf5/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "./helpers.js";

const tmp = tempDir("errors");
afterAll(() => tmp.cleanup());

const FIELDS: FieldSpec[] = [{ name: "pt", type: "float32" }, { name: "valid", type: "bool" }];

function leftovers(dir: string): string[] {
  return readdirSync(dir);
}

describe("bad input gets a clear error and leaves no file", () => {
  it("rejects rows of the wrong width, wrong array types, missing and unknown columns", async () => {
    const dir = path.join(tmp.dir, "width");
    mkdirSync(dir);
    const file = path.join(dir, "out.h5");
    const w = createH5(file);
    const jets = w.createDataset("jets", { fields: FIELDS, objects: 3, chunkRows: 4 });
    await expect(jets.append({ pt: new Float32Array(5), valid: new Uint8Array(6) }, 2))
      .rejects.toThrow('dataset "jets": column "pt" has 5 values, expected 2 rows x 3 = 6');
    await expect(jets.append({ pt: new Float32Array(7), valid: new Uint8Array(7) }))
      .rejects.toThrow(/column "pt" has 7 values, not a multiple of 3 objects per row/);
    await expect(jets.append({ pt: new Float64Array(6), valid: new Uint8Array(6) }, 2))
      .rejects.toThrow('dataset "jets": field "pt" is float32 and needs a Float32Array, got Float64Array');
    await expect(jets.append({ pt: new Float32Array(6) }, 2)).rejects.toThrow('dataset "jets": missing column "valid"');
    await expect(jets.append({ pt: new Float32Array(6), valid: new Uint8Array(6), ptt: new Float32Array(6) }, 2))
      .rejects.toThrow('dataset "jets": unknown column "ptt"');
    expect(jets.rows).toBe(0);
    // The writer is still usable after rejected input.
    await jets.append({ pt: new Float32Array(6), valid: new Uint8Array(6) }, 2);
    expect(jets.rows).toBe(2);
    await w.abort();
    expect(leftovers(dir)).toEqual([]);
  });

  it("rejects unsupported types, bad specs and bad attributes when they are declared", () => {
    const dir = path.join(tmp.dir, "types");
    mkdirSync(dir);
    const w = createH5(path.join(dir, "out.h5"));
    expect(() => w.createDataset("x", { fields: [{ name: "a", type: "float128" as never }] }))
      .toThrow('dataset "x": field "a" has unsupported type "float128"; supported: bool, int8');
    expect(() => w.createDataset("x", { fields: [] })).toThrow('dataset "x": at least one field is required');
    expect(() => w.createDataset("x", { fields: FIELDS, objects: 0 })).toThrow(/objects must be a positive integer/);
    expect(() => w.createDataset("x", { fields: FIELDS, chunkRows: 1.5 })).toThrow(/chunkRows must be a positive integer/);
    expect(() => w.createDataset("x", { fields: FIELDS, compression: { deflate: 12 } })).toThrow(/deflate level must be an integer 0..9/);
    expect(() => w.createDataset("x", { fields: FIELDS, compression: "zstd" as never })).toThrow(/compression must be "none", "lzf"/);
    expect(() => w.createDataset("a/b", { fields: FIELDS })).toThrow(/invalid dataset name/);
    expect(() => w.createDataset("x", { fields: [FIELDS[0], FIELDS[0]] })).toThrow('dataset "x": duplicate field "pt"');
    w.createDataset("x", { fields: FIELDS });
    expect(() => w.createDataset("x", { fields: FIELDS })).toThrow(/dataset "x" already exists/);
    expect(() => w.setAttr("big", new Float64Array(10000))).toThrow(/attribute "big" of the root group: 80000 bytes of data exceed the 64 KiB limit/);
    expect(() => w.setAttr("mixed", [1, "a"] as never)).toThrow(/arrays must hold only strings or only numbers/);
    expect(() => w.setAttr("obj", {} as never)).toThrow(/unsupported value/);
    return w.abort().then(() => expect(leftovers(dir)).toEqual([]));
  });

  it("fails clearly when the directory is read-only", async (ctx) => {
    const dir = path.join(tmp.dir, "readonly");
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    // root ignores permission bits; the immutable flag stops it too.
    const root = process.getuid?.() === 0;
    if (root && spawnSync("chattr", ["+i", dir]).status !== 0) {
      chmodSync(dir, 0o755);
      ctx.skip();
    }
    try {
      expect(() => createH5(path.join(dir, "out.h5"))).toThrow(new RegExp(`cannot create HDF5 file "${dir}/out.h5": E(ACCES|PERM)`));
      expect(leftovers(dir)).toEqual([]);
    } finally {
      if (root) spawnSync("chattr", ["-i", dir]);
      chmodSync(dir, 0o755);
    }
  });

  it("a failing chunk encoder fails close(), removes the temporary file and keeps the previous file", async () => {
    const dir = path.join(tmp.dir, "encoder");
    mkdirSync(dir);
    const file = path.join(dir, "out.h5");
    writeFileSync(file, "previous complete output");
    let calls = 0;
    const flaky: ChunkEncoder = {
      concurrency: 2,
      encode: async (raw, filters) => {
        if (++calls === 3) throw new Error("disk on fire");
        return encodeChunk(raw, filters);
      },
    };
    const w = createH5(file, { encoder: flaky });
    const ds = w.createDataset("jets", { fields: FIELDS, chunkRows: 2, compression: "lzf" });
    let error: unknown;
    try {
      for (let i = 0; i < 10; i++) await ds.append({ pt: new Float32Array(2), valid: new Uint8Array(2) });
      await w.close();
    } catch (err) {
      error = err;
    }
    expect(String(error)).toMatch(/encoding a chunk of dataset "jets" failed: disk on fire/);
    await expect(ds.append({ pt: new Float32Array(2), valid: new Uint8Array(2) })).rejects.toThrow(/failed earlier: disk on fire/);
    expect(leftovers(dir)).toEqual(["out.h5"]);
    expect(readFileSync(file, "utf8")).toBe("previous complete output");
  });

  it("closing twice or writing after close is an error", async () => {
    const dir = path.join(tmp.dir, "closed");
    mkdirSync(dir);
    const w = createH5(path.join(dir, "out.h5"));
    const ds = w.createDataset("e", { fields: [{ name: "n", type: "int32" }] });
    await w.close();
    await expect(w.close()).rejects.toThrow(/cannot close in HDF5 file .* it is closed/);
    await expect(ds.append({ n: new Int32Array(1) })).rejects.toThrow(/cannot append to dataset "e" in HDF5 file .* it is closed/);
    expect(leftovers(dir)).toEqual(["out.h5"]);
  });

  it("a process killed mid-write leaves only a temporary file that no HDF5 reader accepts", async () => {
    const dir = path.join(tmp.dir, "killed");
    mkdirSync(dir);
    const script = path.join(dir, "..", "killed-writer.mts");
    writeFileSync(script, `
import { createH5 } from ${JSON.stringify(path.join(REPO_ROOT, "src/hdf5/index.js"))};
const w = createH5(${JSON.stringify(path.join(dir, "out.h5"))});
const ds = w.createDataset("e", { fields: [{ name: "n", type: "int32" }], chunkRows: 1000 });
for (let i = 0; i < 50; i++) await ds.append({ n: new Int32Array(100_000).fill(i) });
process.kill(process.pid, "SIGKILL");
`);
    const res = spawnSync(process.execPath, ["--import", "tsx", script], { cwd: REPO_ROOT });
    expect(res.signal).toBe("SIGKILL");
    const files = leftovers(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\.out\.h5\..*\.tmp$/);
    const temp = path.join(dir, files[0]);
    // Chunks were written (20 MB), but the superblock only comes at close().
    const bytes = readFileSync(temp);
    expect(bytes.length).toBeGreaterThan(10_000_000);
    expect(bytes.subarray(0, 8)).toEqual(Buffer.alloc(8));
    expect(existsSync(path.join(dir, "out.h5"))).toBe(false);
    // libhdf5 itself (h5wasm) refuses it.
    await expect(openH5(temp)).rejects.toThrow();
  });
});
