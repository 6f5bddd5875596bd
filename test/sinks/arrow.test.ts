import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { tableFromIPC } from "apache-arrow";
import { tableFromIPC as flechetteFromIPC } from "@uwdata/flechette";
import { afterAll, describe, expect, it } from "vitest";
import { float32ArrayToFloat16 } from "../../src/hdf5/index.js";
import type { GroupPlan, RecordField } from "../../src/stages/index.js";
import { ArrowFileWriter, arrowSink } from "../../src/sinks/arrow.js";
import { tempDir } from "../pipeline/helpers.js";

const dir = tempDir("arrow-sink");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZES = { float32: 4, uint64: 8, int32: 4, float16: 2, bool: 1 } as const;

function fields(specs: [string, keyof typeof SIZES][]): { fields: RecordField[]; bytes: number } {
  let offset = 0;
  const out = specs.map(([name, h5]) => {
    const f = { name, role: name === "valid" ? "valid" : "expr", value: h5, h5, storage: h5 === "float16" ? "uint16" : h5, size: SIZES[h5], offset, stats: false } as RecordField;
    offset += f.size;
    return f;
  });
  return { fields: out, bytes: offset };
}

const ev = fields([["met", "float32"], ["eventNumber", "uint64"], ["half", "float16"], ["flavour_label", "int32"]]);
const jet = fields([["pt", "float32"], ["btag", "bool"], ["valid", "bool"]]);
const MAX = 3;
const GROUPS: GroupPlan[] = [
  { name: "event", global: true, max: 1, padding: "zero", fields: ev.fields, recordBytes: ev.bytes, rowOffset: 0 },
  { name: "jet", global: false, max: MAX, padding: "zero", fields: jet.fields, recordBytes: jet.bytes, rowOffset: ev.bytes },
];
const ROW = ev.bytes + MAX * jet.bytes;

/** Rows of a known pattern: event i has i % 4 jets. */
function rows(from: number, n: number): Uint8Array {
  const out = new Uint8Array(n * ROW);
  const v = new DataView(out.buffer);
  for (let r = 0; r < n; r++) {
    const i = from + r;
    const p = r * ROW;
    v.setFloat32(p, i * 1.5, true);
    v.setBigUint64(p + 4, BigInt(i) * 10_000_000_000n, true);
    v.setUint16(p + 12, float32ArrayToFloat16(Float32Array.of(i / 8))[0]!, true);
    v.setInt32(p + 14, i % 2, true);
    for (let j = 0; j < Math.min(i % 4, MAX); j++) {
      const q = p + ev.bytes + j * jet.bytes;
      v.setFloat32(q, i + j / 10, true);
      out[q + 4] = (i + j) % 2;
      out[q + 5] = 1;
    }
  }
  return out;
}

function expectContents(file: string, n: number): void {
  const bytes = readFileSync(file);
  const metaWanted = { split: "train", config: "{}" };
  const jsTable = tableFromIPC(bytes);
  expect(jsTable.numRows).toBe(n);
  expect(jsTable.schema.fields.map((f) => f.name)).toEqual(["event.met", "event.eventNumber", "event.half", "event.flavour_label", "jet.pt", "jet.btag", "jet.valid"]);
  expect(Object.fromEntries(jsTable.schema.metadata)).toEqual(metaWanted);
  // An independent reader (flechette, its own IPC decoder) sees the same values.
  const fl = flechetteFromIPC(bytes, { useBigInt: true });
  expect(fl.numRows).toBe(n);
  for (let i = 0; i < n; i++) {
    const row = { met: i * 1.5, eventNumber: BigInt(i) * 10_000_000_000n, half: i / 8, label: i % 2 };
    const jets = i % 4;
    const pt = [0, 1, 2].map((j) => (j < jets ? Math.fround(i + j / 10) : 0));
    const btag = [0, 1, 2].map((j) => (j < jets ? (i + j) % 2 === 1 : false));
    const valid = [0, 1, 2].map((j) => j < jets);
    for (const get of [(c: string) => jsTable.getChild(c)!.get(i), (c: string) => fl.getChild(c).at(i)]) {
      expect(get("event.met")).toBe(row.met);
      expect(get("event.eventNumber")).toBe(row.eventNumber);
      expect(get("event.half")).toBe(row.half);
      expect(get("event.flavour_label")).toBe(row.label);
      expect([...get("jet.pt")].map(Number)).toEqual(pt);
      expect([...get("jet.btag")].map(Boolean)).toEqual(btag);
      expect([...get("jet.valid")].map(Boolean)).toEqual(valid);
    }
  }
}

describe("Arrow IPC sink", () => {
  it("writes packed rows as an Arrow IPC file: plain columns for the global group, FixedSizeList for object groups", async () => {
    const file = path.join(dir, "a_train.arrow");
    const w = new ArrowFileWriter(file, GROUPS, ROW, { metadata: { split: "train", config: "{}" } });
    await w.append(rows(0, 5));
    await w.append(rows(5, 0));
    await w.append(rows(5, 12));
    expect(existsSync(file)).toBe(false);
    await w.close();
    expectContents(file, 17);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("writes the schema of an empty split, and leaves nothing behind when aborted", async () => {
    const empty = path.join(dir, "b_val.arrow");
    const w = new ArrowFileWriter(empty, GROUPS, ROW, { metadata: { split: "train", config: "{}" } });
    await w.close();
    expectContents(empty, 0);
    const aborted = path.join(dir, "c_test.arrow");
    const a = new ArrowFileWriter(aborted, GROUPS, ROW, { metadata: {} });
    await a.append(rows(0, 3));
    await a.abort();
    expect(readdirSync(dir).filter((f) => f.startsWith(".c_test") || f === "c_test.arrow")).toEqual([]);
  });

  it("is a Writable stage: stream.pipeline of row chunks into it", async () => {
    const file = path.join(dir, "d_train.arrow");
    await pipeline(Readable.from([rows(0, 4), rows(4, 9)]), arrowSink(file, GROUPS, ROW, { metadata: { split: "train", config: "{}" } }));
    expectContents(file, 13);
    const failing = path.join(dir, "e_train.arrow");
    await expect(pipeline(Readable.from([rows(0, 4), new Uint8Array(ROW + 1)]), arrowSink(failing, GROUPS, ROW, { metadata: {} }))).rejects.toThrow(/not a whole number/);
    expect(readdirSync(dir).filter((f) => f.includes("e_train"))).toEqual([]);
  });
});

describe("output.format: arrow", () => {
  it("writes <name>_<split>.arrow holding exactly the rows of the HDF5 files of the same run", async () => {
    const { loadRunConfig } = await import("../../src/config/index.js");
    const { runPipeline } = await import("../../src/pipeline/index.js");
    const { openH5 } = await import("../../src/hdf5/index.js");
    const { REPO_ROOT } = await import("../shared-data.js");
    const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
    const h5dir = path.join(dir, "ic-h5");
    const arrowDir = path.join(dir, "ic-arrow");
    await runPipeline({ ...config, output: { ...config.output, dir: h5dir } }, { workers: 0 });
    const report = await runPipeline({ ...config, output: { ...config.output, dir: arrowDir, format: "arrow" } }, { workers: 0 });
    expect(readdirSync(arrowDir).filter((f) => f.endsWith(".arrow")).sort()).toEqual(["ic_ttbar_wjets_test.arrow", "ic_ttbar_wjets_train.arrow", "ic_ttbar_wjets_val.arrow"]);
    expect(readdirSync(arrowDir).filter((f) => f.endsWith(".h5"))).toEqual([]);
    expect(report.outputs.train).toBe(path.join(arrowDir, "ic_ttbar_wjets_train.arrow"));
    for (const split of ["train", "val", "test"]) {
      const bytes = readFileSync(path.join(arrowDir, `ic_ttbar_wjets_${split}.arrow`));
      const table = tableFromIPC(bytes);
      const fl = flechetteFromIPC(bytes, { useBigInt: true });
      expect(table.schema.metadata.get("split")).toBe(split);
      expect(JSON.parse(table.schema.metadata.get("event.flavour_label:classes")!)).toEqual(["ttbar", "wjets"]);
      const h5 = await openH5(path.join(h5dir, `ic_ttbar_wjets_${split}.h5`));
      try {
        for (const group of h5.datasets()) {
          const ds = h5.dataset(group);
          const slots = ds.shape[1] ?? 1;
          const cols = ds.read();
          expect(table.numRows).toBe(ds.shape[0]);
          for (const [field, values] of Object.entries(cols)) {
            const name = `${group}.${field}`;
            const flat = (c: { get?: (i: number) => unknown; at?: (i: number) => unknown }, i: number): unknown[] => {
              const v = c.get ? c.get(i) : c.at!(i);
              return slots === 1 ? [v] : [...(v as Iterable<unknown>)];
            };
            const js = table.getChild(name)!;
            const other = fl.getChild(name);
            for (let r = 0; r < ds.shape[0]!; r++) {
              const want = Array.from({ length: slots }, (_, j) => values[r * slots + j]);
              const norm = (xs: unknown[]) => xs.map((x) => (typeof x === "boolean" ? Number(x) : x));
              expect(norm(flat(js, r))).toEqual(want);
              expect(norm(flat(other, r))).toEqual(want);
            }
          }
        }
      } finally {
        h5.close();
      }
    }
  }, 300_000);

  it("rejects an unknown output format by its config path", async () => {
    const { parseRunConfig } = await import("../../src/config/index.js");
    expect(() => parseRunConfig({ tree: "t", samples: [{ name: "a", label: 0, files: ["x.root"] }], objects: { e: { global: true, fields: { x: "x" } } }, split: { by: ["entry"], fractions: { train: 1 } }, output: { dir: "o", name: "n", format: "parquet" } })).toThrow(/output\.format/);
  });
});
