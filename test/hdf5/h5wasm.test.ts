import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openH5, type ColumnArray } from "../../src/hdf5/index.js";
import { float16ToNumber, toFloat16 } from "../../src/hdf5/float16.js";
import { tempDir } from "./helpers.js";
import { FIELDS, ROWS, writeSampleFile } from "./sample-file.js";

const tmp = tempDir("h5wasm");
afterAll(() => tmp.cleanup());

const file = path.join(tmp.dir, "wasm.h5");
let cols: Record<string, ColumnArray>;

beforeAll(async () => {
  cols = await writeSampleFile(file);
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
