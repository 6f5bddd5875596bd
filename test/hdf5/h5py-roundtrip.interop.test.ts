// interop: h5py
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createH5, ELEMENT_TYPES, type ColumnArray, type Compression, type FieldSpec } from "../../src/hdf5/index.js";
import { elementSize } from "../../src/hdf5/datatype.js";
import { checkWithH5py, randomColumn, rng, tempDir, type CheckDataset } from "./helpers.js";

const tmp = tempDir("h5py");
afterAll(() => tmp.cleanup());

const ALL_FIELDS: FieldSpec[] = ELEMENT_TYPES.map((t) => ({ name: `f_${t}`, type: t }));
const WITH_VALID: FieldSpec[] = [...ALL_FIELDS.filter((f) => f.type !== "bool"), { name: "valid", type: "bool" }];

interface Variant {
  label: string;
  compression: Compression;
  shuffle: boolean;
  h5pyCompression: string | null;
}

const VARIANTS: Variant[] = [
  { label: "no filter", compression: "none", shuffle: false, h5pyCompression: null },
  { label: "shuffle only", compression: "none", shuffle: true, h5pyCompression: null },
  { label: "deflate 1", compression: { deflate: 1 }, shuffle: false, h5pyCompression: "gzip" },
  { label: "shuffle + deflate 6", compression: { deflate: 6 }, shuffle: true, h5pyCompression: "gzip" },
  { label: "lzf", compression: "lzf", shuffle: false, h5pyCompression: "lzf" },
  { label: "shuffle + lzf", compression: "lzf", shuffle: true, h5pyCompression: "lzf" },
];

/** Appends `rows` rows in uneven batches, remembering what was given for the h5py check. */
async function fill(
  ds: { append(c: Record<string, ColumnArray>, rows?: number): Promise<void> },
  fields: FieldSpec[], rows: number, width: number, seed: number, batches: number[],
): Promise<Record<string, ColumnArray[]>> {
  const next = rng(seed);
  const given: Record<string, ColumnArray[]> = Object.fromEntries(fields.map((f) => [f.name, []]));
  let done = 0;
  let b = 0;
  while (done < rows) {
    const n = Math.min(batches[b++ % batches.length], rows - done);
    const cols: Record<string, ColumnArray> = {};
    for (const f of fields) {
      cols[f.name] = randomColumn(f.type, n * width, next);
      given[f.name].push(cols[f.name]);
    }
    await ds.append(cols, n);
    done += n;
  }
  return given;
}

describe("h5py reads what sxflow writes", () => {
  for (const v of VARIANTS) {
    it(`every element type, rank 1 and rank 2, many chunks: ${v.label}`, async () => {
      const file = path.join(tmp.dir, `types-${v.label.replace(/\W+/g, "_")}.h5`);
      const w = createH5(file, { attrs: { writer: "sxflow", n_files: 3, scale: 0.5, ids: [1, 2, 3] } });
      const ev = w.createDataset("events", { fields: ALL_FIELDS, chunkRows: 97, compression: v.compression, shuffle: v.shuffle });
      const jets = w.createDataset("jets", { fields: WITH_VALID, objects: 4, chunkRows: 50, compression: v.compression, shuffle: v.shuffle });
      ev.setAttr("flavour_label", ["bjets", "cjets", "ujets"]);
      const rows = 2003;
      const evCols = await fill(ev, ALL_FIELDS, rows, 1, 7, [1, 500, 97, 3, 1000]);
      const jetCols = await fill(jets, WITH_VALID, rows, 4, 11, [333, 50, 1, 777]);
      await w.close();
      expect(readdirSync(tmp.dir).filter((n) => n.includes(".tmp"))).toEqual([]);
      const slices: [number, number][] = [[0, 1], [96, 98], [1000, 1234], [1999, 2003], [2002, 2003], [50, 150]];
      const datasets: CheckDataset[] = [
        { name: "events", fields: ALL_FIELDS, columns: evCols, rows, compression: v.h5pyCompression, shuffle: v.shuffle, chunks: [97], slices, attrs: { flavour_label: ["bjets", "cjets", "ujets"] } },
        { name: "jets", fields: WITH_VALID, columns: jetCols, rows, objects: 4, compression: v.h5pyCompression, shuffle: v.shuffle, chunks: [50, 4], slices, saltSlice: [100, 1100] },
      ];
      const res = checkWithH5py(tmp.dir, file, datasets, { writer: "sxflow", n_files: 3, scale: 0.5, ids: [1, 2, 3] });
      expect(res.errors).toEqual([]);
      // The SALT-style read really saw padding: about half of the random valid flags are 0.
      expect(res.datasets.jets.masked).toBeGreaterThan(1500);
      expect(res.datasets.jets.masked).toBeLessThan(2500);
    });
  }

  it("compressible SALT-like data with LZF and deflate is smaller than raw and reads back exactly", async () => {
    const fields: FieldSpec[] = [{ name: "pt", type: "float32" }, { name: "eta", type: "float16" }, { name: "n", type: "int32" }, { name: "valid", type: "bool" }];
    const sizes: Record<string, number> = {};
    for (const [label, compression] of [["none", "none"], ["lzf", "lzf"], ["gzip", { deflate: 4 }]] as const) {
      const file = path.join(tmp.dir, `salt-${label}.h5`);
      const w = createH5(file);
      const ds = w.createDataset("tracks", { fields, objects: 10, chunkRows: 100, compression });
      const rows = 3000;
      const pt = new Float32Array(rows * 10);
      const eta = new Float32Array(rows * 10);
      const n = new Int32Array(rows * 10);
      const valid = new Uint8Array(rows * 10);
      for (let i = 0; i < rows; i++) {
        const k = i % 7;
        for (let j = 0; j < k; j++) {
          const p = i * 10 + j;
          pt[p] = 1000 + ((i * 37 + j * 11) % 500);
          eta[p] = ((i + j) % 50) / 10 - 2.5;
          n[p] = j;
          valid[p] = 1;
        }
      }
      await ds.append({ pt, eta, n, valid });
      await w.close();
      sizes[label] = (await import("node:fs")).statSync(file).size;
      const res = checkWithH5py(tmp.dir, file, [{
        name: "tracks", fields, rows, objects: 10, columns: { pt: [pt], eta: [eta], n: [n], valid: [valid] },
        compression: label === "none" ? null : label, shuffle: false, slices: [[0, 100], [2950, 3000]],
      }]);
      expect(res.errors).toEqual([]);
    }
    expect(sizes.lzf).toBeLessThan(sizes.none / 2);
    expect(sizes.gzip).toBeLessThan(sizes.lzf);
  });

  it("LZF chunks of long runs, repeats at the distance limit and random stretches read back exactly", async () => {
    const fields: FieldSpec[] = [{ name: "b", type: "uint8" }];
    const next = rng(21);
    const rows = 150_000;
    const b = new Uint8Array(rows);
    for (let at = 0; at < rows; ) {
      const len = Math.min(rows - at, 1 + (next() % 2000));
      const kind = next() % 4;
      for (let i = 0; i < len; i++) {
        const p = at + i;
        // Random bytes; a run of one byte (matches of the maximum length 264); a repeat 8192 or
        // 8193 bytes back (just within and just beyond reach); a short period (overlapping matches).
        b[p] = kind === 0 ? next() & 0xff : kind === 1 ? 7 : kind === 2 ? (b[p - 8192 - (at & 1)] ?? 1) : b[p - 3] ?? i;
      }
      at += len;
    }
    const file = path.join(tmp.dir, "lzf-patterns.h5");
    const w = createH5(file);
    const ds = w.createDataset("bytes", { fields, chunkRows: 40_000, compression: "lzf" });
    await ds.append({ b });
    await w.close();
    const res = checkWithH5py(tmp.dir, file, [
      { name: "bytes", fields, rows, columns: { b: [b] }, compression: "lzf", shuffle: false, chunks: [40_000], slices: [[0, rows]] },
    ]);
    expect(res.errors).toEqual([]);
  });

  for (const [compression, h5pyCompression] of [["none", null], ["lzf", "lzf"]] as const) {
    it(`a dataset smaller than one chunk is one chunk of its rows; a larger one keeps the chunk size (${compression})`, async () => {
      const file = path.join(tmp.dir, `small-${compression}.h5`);
      const w = createH5(file);
      const small = w.createDataset("small", { fields: WITH_VALID, objects: 10, chunkRows: 1000, compression });
      const large = w.createDataset("large", { fields: WITH_VALID, objects: 10, chunkRows: 1000, compression });
      const smallCols = await fill(small, WITH_VALID, 14, 10, 3, [5, 9]);
      const largeCols = await fill(large, WITH_VALID, 2500, 10, 4, [700]);
      await w.close();
      expect([small.chunkRows, large.chunkRows]).toEqual([14, 1000]);
      const res = checkWithH5py(tmp.dir, file, [
        { name: "small", fields: WITH_VALID, rows: 14, objects: 10, columns: smallCols, compression: h5pyCompression, shuffle: false, chunks: [14, 10], slices: [[0, 14], [3, 4]] },
        { name: "large", fields: WITH_VALID, rows: 2500, objects: 10, columns: largeCols, compression: h5pyCompression, shuffle: false, chunks: [1000, 10], slices: [[999, 1001], [2400, 2500]] },
      ]);
      expect(res.errors).toEqual([]);
      if (compression === "none") {
        // Three chunks of 1000 rows for "large" (the last zero-padded), 14 rows for "small", plus headers.
        const record = WITH_VALID.reduce((n, f) => n + elementSize(f.type), 0) * 10;
        expect(statSync(file).size).toBeLessThan((3000 + 14) * record + 16384);
        expect(statSync(file).size).toBeGreaterThanOrEqual((3000 + 14) * record);
      }
    });
  }

  it("an empty dataset and a dataset of exactly full chunks", async () => {
    const file = path.join(tmp.dir, "edge.h5");
    const w = createH5(file);
    w.createDataset("empty", { fields: [{ name: "x", type: "float32" }, { name: "valid", type: "bool" }], objects: 3, chunkRows: 10 });
    const full = w.createDataset("full", { fields: [{ name: "x", type: "int16" }], chunkRows: 10, compression: "lzf" });
    const x = Int16Array.from({ length: 40 }, (_, i) => i - 20);
    await full.append({ x });
    await w.close();
    expect(existsSync(file)).toBe(true);
    const res = checkWithH5py(tmp.dir, file, [
      { name: "empty", fields: [{ name: "x", type: "float32" }, { name: "valid", type: "bool" }], rows: 0, objects: 3, columns: { x: [], valid: [] } },
      { name: "full", fields: [{ name: "x", type: "int16" }], rows: 40, columns: { x: [x] }, compression: "lzf", shuffle: false, slices: [[9, 11], [30, 40]] },
    ]);
    expect(res.errors).toEqual([]);
  });
});
