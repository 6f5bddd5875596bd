import { rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRunConfig } from "../../src/config/index.js";
import { openH5 } from "../../src/hdf5/index.js";
import type { ColumnArray } from "../../src/hdf5/index.js";
import { openTensors, runPipeline } from "../../src/index.js";
import type { TensorBatch } from "../../src/index.js";
import type { NormDict } from "../../src/stages/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir } from "../pipeline/helpers.js";

const dir = tempDir("tensors-salt");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let train: string;
let norm: NormDict;

beforeAll(async () => {
  const config = await loadRunConfig(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"));
  config.output.dir = dir;
  await runPipeline(config, { workers: 0 });
  train = path.join(dir, "ic_ttbar_wjets_train.h5");
  norm = parse(await readFile(path.join(dir, "norm_dict.yaml"), "utf8")) as NormDict;
}, 300_000);

async function all(it: AsyncIterable<TensorBatch>): Promise<TensorBatch[]> {
  const out: TensorBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** The file's columns through h5wasm, the independent reader. */
async function columns(file: string): Promise<Record<string, { rows: number; slots: number; cols: Record<string, ColumnArray> }>> {
  const h5 = await openH5(file);
  try {
    return Object.fromEntries(
      h5.datasets().map((n) => {
        const ds = h5.dataset(n);
        return [n, { rows: ds.shape[0]!, slots: ds.shape[1] ?? 1, cols: ds.read() }];
      }),
    );
  } finally {
    h5.close();
  }
}

/** What a batch must hold for rows `rows` of the file, computed field by field from the columns. */
function expected(cols: Awaited<ReturnType<typeof columns>>, rows: number[], normDict?: NormDict): TensorBatch {
  const inputs: TensorBatch["inputs"] = {};
  for (const [name, g] of Object.entries(cols)) {
    const fields = Object.keys(g.cols).filter((f) => f !== "valid" && f !== "flavour_label");
    const data = new Float32Array(rows.length * g.slots * fields.length);
    const valid = new Uint8Array(rows.length * g.slots);
    rows.forEach((row, r) => {
      for (let j = 0; j < g.slots; j++) {
        const slot = row * g.slots + j;
        const ok = g.slots === 1 && !g.cols.valid ? true : g.cols.valid![slot] === 1;
        valid[r * g.slots + j] = ok ? 1 : 0;
        fields.forEach((f, k) => {
          const ms = normDict?.[name]?.[f];
          const x = Number(g.cols[f]![slot]);
          data[(r * g.slots + j) * fields.length + k] = ok ? (ms ? (x - ms.mean) / ms.std : x) : 0;
        });
      }
    });
    const global = !g.cols.valid;
    inputs[name] = global ? { data, shape: [rows.length, fields.length], fields } : { data, shape: [rows.length, g.slots, fields.length], fields, valid };
  }
  const labels = Int32Array.from(rows, (r) => Number(cols.event!.cols.flavour_label![r]));
  return { size: rows.length, epoch: 0, labels, inputs };
}

function concat(batches: TensorBatch[], group: string): Float32Array {
  return Float32Array.from(batches.flatMap((b) => [...b.inputs[group]!.data]));
}

describe("openTensors over a SALT file", () => {
  it("yields the file's rows in order, normalised with the norm dict, padded slots 0, with masks and labels", async () => {
    const cols = await columns(train);
    const n = cols.event!.rows;
    expect(n).toBeGreaterThan(50);
    const batches = await all(openTensors(train, { batchSize: 32, normDict: path.join(dir, "norm_dict.yaml") }));
    expect(batches.map((b) => b.size)).toEqual([32, 32, 32, n - 96]);
    const want = expected(cols, [...Array(n).keys()], norm);
    for (const g of ["event", "jet", "el"]) {
      expect(batches[0]!.inputs[g]!.fields).toEqual(want.inputs[g]!.fields);
      expect(batches[0]!.inputs[g]!.shape).toEqual([32, ...want.inputs[g]!.shape.slice(1)]);
      expect(concat(batches, g)).toEqual(want.inputs[g]!.data);
    }
    expect(batches[0]!.inputs.event!.fields).toEqual(["met", "met_phi", "met_sig", "met_sumet", "eventNumber", "runNumber"]);
    expect(batches[0]!.inputs.event!.valid).toBeUndefined();
    expect(Uint8Array.from(batches.flatMap((b) => [...b.inputs.jet!.valid!]))).toEqual(want.inputs.jet!.valid);
    expect(Int32Array.from(batches.flatMap((b) => [...b.labels]))).toEqual(want.labels);
    // Both classes are there.
    expect(new Set(want.labels).size).toBe(2);
  });

  it("without a norm dict yields the stored values; selects groups and fields in the order asked", async () => {
    const cols = await columns(train);
    const n = cols.event!.rows;
    const [b] = await all(openTensors(train, { batchSize: n, groups: ["jet", "event"], fields: { jet: ["btag", "pt"] } }));
    expect(Object.keys(b!.inputs)).toEqual(["jet", "event"]);
    expect(b!.inputs.jet!.fields).toEqual(["btag", "pt"]);
    const jet = b!.inputs.jet!;
    for (let s = 0; s < n * 10; s++) {
      const ok = cols.jet!.cols.valid![s] === 1;
      expect([jet.data[2 * s], jet.data[2 * s + 1]]).toEqual(ok ? [cols.jet!.cols.btag![s], cols.jet!.cols.pt![s]] : [0, 0]);
    }
  });

  it("shuffles reproducibly, differently in every epoch, each epoch a permutation of the rows", async () => {
    const cols = await columns(train);
    const n = cols.event!.rows;
    const ids = (bs: TensorBatch[]) => bs.flatMap((b) => [...b.inputs.event!.data].filter((_, i) => i % 6 === 4));
    const order = ids(await all(openTensors(train, { batchSize: 16 })));
    const a = await all(openTensors(train, { batchSize: 16, epochs: 2, shuffle: { seed: 7 } }));
    const b = await all(openTensors(train, { batchSize: 16, epochs: 2, shuffle: { seed: 7 } }));
    const perEpoch = Math.ceil(n / 16);
    expect(a.map((x) => x.epoch)).toEqual([...Array(perEpoch).fill(0), ...Array(perEpoch).fill(1)]);
    expect(ids(a)).toEqual(ids(b));
    const first = ids(a).slice(0, n);
    const second = ids(a).slice(n);
    expect([...first].sort()).toEqual([...order].sort());
    expect([...second].sort()).toEqual([...order].sort());
    expect(first).not.toEqual(order);
    expect(second).not.toEqual(first);
    // Rows keep their labels and inputs together.
    const byEvent = new Map(order.map((e, r) => [e, Number(cols.event!.cols.flavour_label![r])]));
    const labels = a.flatMap((x) => [...x.labels]);
    ids(a).forEach((e, r) => expect(labels[r]).toBe(byEvent.get(e)));
  });

  it("drops the short last batch of every epoch with dropLast", async () => {
    const n = (await columns(train)).event!.rows;
    const sizes = (await all(openTensors(train, { batchSize: 25, epochs: 2, dropLast: true }))).map((b) => b.size);
    expect(sizes).toEqual(Array(2 * Math.floor(n / 25)).fill(25));
  });

  it("rejects bad options at once and bad sources on the first batch, naming file, group and field", async () => {
    expect(() => openTensors(train, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
    expect(() => openTensors(train, { shufle: { seed: 1 } } as never)).toThrow(/unknown option "shufle"; did you mean "shuffle"/);
    expect(() => openTensors(train, { shuffle: true } as never)).toThrow(/shuffle must be false or \{seed/);
    await expect(all(openTensors(path.join(dir, "nope.h5")))).rejects.toThrow(/cannot open ".*nope.h5"/);
    await expect(all(openTensors(train, { groups: ["jets"] }))).rejects.toThrow(/train.h5: no group "jets"; did you mean "jet"\?/);
    await expect(all(openTensors(train, { fields: { jet: ["ptt"] } }))).rejects.toThrow(/train.h5: group "jet": no field "ptt"; did you mean "pt"\?/);
    await expect(all(openTensors(train, { normDict: { jet: { pt: { mean: 1, std: 0 } } } }))).rejects.toThrow(/normDict: jet.pt: mean 1 and std 0 cannot normalise/);
    await expect(all(openTensors(train, { split: "val" }))).rejects.toThrow(/split applies to a configuration/);
  });

  it("stops with the signal's reason when aborted", async () => {
    const ac = new AbortController();
    const it = openTensors(train, { batchSize: 8, signal: ac.signal });
    await it.next();
    ac.abort(new Error("stop here"));
    await expect(all(it)).rejects.toThrow("stop here");
  });
});

describe("openTensors reading paths", () => {
  it("reads unfiltered files directly and filtered ones through h5wasm, with the same tensors", async () => {
    const { createH5 } = await import("../../src/hdf5/write.js");
    const { openSaltRows } = await import("../../src/sinks/tensors/h5-rows.js");
    const n = 2500;
    const files: string[] = [];
    for (const compression of ["none", { deflate: 1 }] as const) {
      const file = path.join(dir, `paths-${typeof compression === "string" ? compression : "gzip"}.h5`);
      const w = createH5(file, {});
      const ev = w.createDataset("event", { fields: [{ name: "x", type: "float64" }, { name: "n", type: "int64" }, { name: "flavour_label", type: "int32" }], chunkRows: 300, compression });
      const obj = w.createDataset("obj", { fields: [{ name: "h", type: "float16" }, { name: "valid", type: "bool" }], objects: 3, chunkRows: 700, compression });
      await ev.append({ x: Float64Array.from({ length: n }, (_, i) => i / 7), n: BigInt64Array.from({ length: n }, (_, i) => BigInt(i) * -(2n ** 40n)), flavour_label: Int32Array.from({ length: n }, (_, i) => i % 3) }, n);
      const valid = Uint8Array.from({ length: 3 * n }, (_, s) => (s % 3 < (Math.floor(s / 3) % 4) ? 1 : 0));
      await obj.append({ h: Float32Array.from(valid, (v, s) => (v ? s / 16 : 0)), valid }, n);
      await w.close();
      files.push(file);
    }
    const direct = await Promise.all(files.map(async (f) => {
      const src = await openSaltRows(f);
      src.close();
      return src.direct;
    }));
    expect(direct).toEqual([true, false]);
    const norm = { event: { x: { mean: 3, std: 7 } }, obj: { h: { mean: 1, std: 0.5 } } };
    const [plain, gzip] = await Promise.all(files.map((f) => all(openTensors(f, { batchSize: 1000, normDict: norm, shuffle: { seed: 3 } }))));
    expect(gzip).toEqual(plain);
    // Every row once, its fields together: event i has x = i / 7, n = -i * 2^40, label i % 3 and
    // min(i % 4, 3) valid objects.
    const event = plain!.flatMap((b) => [...b.inputs.event!.data]);
    const labels = plain!.flatMap((b) => [...b.labels]);
    const valid = plain!.flatMap((b) => [...b.inputs.obj!.valid!]);
    const seen = new Set<number>();
    for (let r = 0; r < n; r++) {
      const i = Math.abs(Math.round((event[2 * r]! * 7 + 3) * 7));
      seen.add(i);
      expect(event[2 * r + 1]).toBe(Math.fround(0 - i * 2 ** 40));
      expect(labels[r]).toBe(i % 3);
      expect(valid.slice(3 * r, 3 * r + 3).reduce((a, v) => a + v, 0)).toBe(Math.min(i % 4, 3));
    }
    expect(seen.size).toBe(n);
  });
});
