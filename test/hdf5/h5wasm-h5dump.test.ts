import { execFileSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createH5, openH5, type ColumnArray, type FieldSpec } from "../../src/hdf5/index.js";
import { float16ToNumber, toFloat16 } from "../../src/hdf5/float16.js";
import { python, randomColumn, rng, tempDir } from "./helpers.js";

const tmp = tempDir("h5wasm");
afterAll(() => tmp.cleanup());

const FIELDS: FieldSpec[] = [
  { name: "pt", type: "float32" }, { name: "eta", type: "float16" }, { name: "e", type: "float64" },
  { name: "q", type: "int8" }, { name: "hits", type: "uint8" }, { name: "i16", type: "int16" }, { name: "u16", type: "uint16" },
  { name: "label", type: "int32" }, { name: "u32", type: "uint32" }, { name: "id", type: "int64" }, { name: "u64", type: "uint64" },
  { name: "valid", type: "bool" },
];
const ROWS = 777;
const file = path.join(tmp.dir, "wasm.h5");
let cols: Record<string, ColumnArray>;

beforeAll(async () => {
  const next = rng(5);
  cols = Object.fromEntries(FIELDS.map((f) => [f.name, randomColumn(f.type, ROWS * 5, next)]));
  // Finite values for float16 so that the decoded comparison below is exact.
  cols.eta = Float32Array.from({ length: ROWS * 5 }, (_, i) => Math.sin(i) * 100);
  const w = createH5(file, { attrs: { config: '{"a": 1}', weights: Float32Array.of(0.5, 2), names: ["é", "b"] } });
  const ds = w.createDataset("tracks", { fields: FIELDS, objects: 5, chunkRows: 64, compression: { deflate: 3 }, shuffle: true });
  ds.setAttr("flavour_label", ["b", "c", "light"]);
  await ds.append(cols, ROWS);
  const ev = w.createDataset("events", { fields: [{ name: "n", type: "int32" }], chunkRows: 100 });
  await ev.append({ n: Int32Array.from({ length: ROWS }, (_, i) => i * 3) });
  await w.close();
});

describe("h5wasm (libhdf5 in WebAssembly) reads sxflow files through openH5", () => {
  it("lists datasets, types, shapes, filters and attributes", async () => {
    const r = await openH5(file);
    try {
      expect(r.datasets().sort()).toEqual(["events", "tracks"]);
      expect(r.attrs.config).toBe('{"a": 1}');
      expect(r.attrs.names).toEqual(["é", "b"]);
      expect([...(r.attrs.weights as Float32Array)]).toEqual([0.5, 2]);
      const t = r.dataset("tracks");
      expect(t.shape).toEqual([ROWS, 5]);
      expect(t.chunks).toEqual([64, 5]);
      expect(t.fields.map((f) => [f.name, f.type])).toEqual(FIELDS.map((f) => [f.name, f.type]));
      expect(t.filters.map((f) => f.id)).toEqual([2, 1]);
      expect(t.attrs.flavour_label).toEqual(["b", "c", "light"]);
    } finally {
      r.close();
    }
  });

  it("reads every value of random-access slices", async () => {
    const r = await openH5(file);
    try {
      const t = r.dataset("tracks");
      for (const [a, b] of [[0, ROWS], [63, 65], [700, 777], [128, 129]]) {
        const got = t.read(a, b);
        for (const f of FIELDS) {
          const want = cols[f.name].subarray(a * 5, b * 5);
          if (f.type === "float16") {
            const exp = Float32Array.from(want as Float32Array, (v) => float16ToNumber(toFloat16(v)));
            expect(got[f.name]).toEqual(exp);
          } else if (f.type.startsWith("float")) {
            // Compare bit patterns: random bits include NaNs.
            const bytes = (x: ColumnArray) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
            expect(bytes(got[f.name])).toEqual(bytes(want));
          } else {
            expect(got[f.name]).toEqual(want);
          }
        }
      }
      expect([...r.dataset("events").read(775, 777).n as Int32Array]).toEqual([2325, 2328]);
      expect(() => t.read(700, 778)).toThrow(/out of range/);
    } finally {
      r.close();
    }
  });
});

describe("openH5 reads SALT files written by h5py", () => {
  it("bool enum, float16, int64 and vlen string attributes", async () => {
    const other = path.join(tmp.dir, "h5py-salt.h5");
    python(`
import h5py, numpy as np
dt = np.dtype([("pt", "<f2"), ("n", "<i8"), ("valid", "?")])
a = np.zeros((50, 4), dtype=dt)
a["pt"] = (np.arange(200) / 8).reshape(50, 4)
a["n"] = np.arange(200).reshape(50, 4) - 100
a["valid"] = (np.arange(200) % 3 == 0).reshape(50, 4)
with h5py.File(${JSON.stringify(other)}, "w") as f:
    d = f.create_dataset("tracks", data=a, chunks=(10, 4), compression="gzip", shuffle=True)
    d.attrs["flavour_label"] = ["b", "c"]
    f.attrs["dsids"] = np.array([410470, 410471])
`);
    const r = await openH5(other);
    try {
      const t = r.dataset("tracks");
      expect(t.fields.map((f) => f.type)).toEqual(["float16", "int64", "bool"]);
      expect(t.attrs.flavour_label).toEqual(["b", "c"]);
      expect([...(r.attrs.dsids as BigInt64Array)]).toEqual([410470n, 410471n]);
      const rows = t.read(10, 12);
      expect([...(rows.pt as Float32Array)]).toEqual(Array.from({ length: 8 }, (_, i) => (40 + i) / 8));
      expect([...(rows.n as BigInt64Array)]).toEqual(Array.from({ length: 8 }, (_, i) => BigInt(40 + i - 100)));
      expect([...rows.valid]).toEqual(Array.from({ length: 8 }, (_, i) => ((40 + i) % 3 === 0 ? 1 : 0)));
    } finally {
      r.close();
    }
  });
});

describe("h5dump (libhdf5 1.10 tools)", () => {
  it("dumps the header with the h5py bool enum and the filters, and the data without error", () => {
    const header = execFileSync("h5dump", ["-H", "-p", file], { encoding: "utf8" });
    expect(header).toMatch(/H5T_ENUM \{\s*H5T_STD_I8LE;\s*"FALSE"\s+0;\s*"TRUE"\s+1;\s*\} "valid"/);
    expect(header).toMatch(/PREPROCESSING SHUFFLE\s+COMPRESSION DEFLATE \{ LEVEL 3 \}/);
    expect(header).toMatch(/DATASPACE\s+SIMPLE \{ \( 777, 5 \) \/ \( H5S_UNLIMITED, 5 \) \}/);
    const data = execFileSync("h5dump", ["-d", "/events", "-s", "775", "-c", "2", file], { encoding: "utf8" });
    expect(data).toMatch(/\(775\): \{\s*2325\s*\},\s*\{\s*2328\s*\}/);
    // A full dump walks every chunk and every attribute (global heap included).
    const all = execFileSync("h5dump", [file], { encoding: "utf8", maxBuffer: 1 << 28 });
    expect(all).toContain('"light"');
  });
});
