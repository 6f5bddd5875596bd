import { rmSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ELEMENT_TYPES, openH5 } from "../../src/hdf5/index.js";
import type { ColumnArray, H5ElementType } from "../../src/hdf5/index.js";
import { createH5 } from "../../src/hdf5/write.js";
import { openTensors } from "../../src/index.js";
import type { TensorBatch } from "../../src/index.js";
import { Xoshiro128 } from "../../src/random/prng.js";
import { tempDir } from "../pipeline/helpers.js";

const dir = tempDir("tensors-dtypes");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 3000;
const SLOTS = 3;
const rng = new Xoshiro128(11);

/** Values of `type` spanning its range: extremes, zeros, negatives, and for floats -0, NaN, infinities, subnormals. */
function values(type: H5ElementType, n: number): ColumnArray {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rng.nextFloat() * xs.length)]!;
  const u = () => rng.nextFloat();
  switch (type) {
    case "bool":
      return Uint8Array.from({ length: n }, () => (u() < 0.5 ? 1 : 0));
    case "int8":
      return Int8Array.from({ length: n }, () => pick([-128, 127, 0, -1, Math.floor(u() * 256) - 128]));
    case "uint8":
      return Uint8Array.from({ length: n }, () => pick([0, 255, Math.floor(u() * 256)]));
    case "int16":
      return Int16Array.from({ length: n }, () => pick([-32768, 32767, 0, Math.floor(u() * 65536) - 32768]));
    case "uint16":
      return Uint16Array.from({ length: n }, () => pick([0, 65535, Math.floor(u() * 65536)]));
    case "int32":
      return Int32Array.from({ length: n }, () => pick([-(2 ** 31), 2 ** 31 - 1, 0, Math.floor(u() * 2 ** 32) - 2 ** 31]));
    case "uint32":
      return Uint32Array.from({ length: n }, () => pick([0, 2 ** 32 - 1, Math.floor(u() * 2 ** 32)]));
    case "int64":
      return BigInt64Array.from({ length: n }, () => pick([-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n, 2n ** 53n + 1n, BigInt(Math.floor(u() * 2 ** 40)) * 12345n - 2n ** 50n]));
    case "uint64":
      return BigUint64Array.from({ length: n }, () => pick([0n, 2n ** 64n - 1n, 2n ** 53n + 1n, BigInt(Math.floor(u() * 2 ** 40)) * 9876543n]));
    case "float16":
    case "float32":
      return Float32Array.from({ length: n }, () => pick([0, -0, NaN, Infinity, -Infinity, 6e-8, -65504, 1e-40, 3.4e38, (u() - 0.5) * 1e5]));
    case "float64":
      return Float64Array.from({ length: n }, () => pick([0, -0, NaN, Infinity, -1e300, 5e-324, 1e39, (u() - 0.5) * 1e9]));
  }
}

/** Every element type in both a global and an object group, with and without normalisation. */
const TYPES = ELEMENT_TYPES.filter((t) => t !== "bool");
const norm = {
  event: Object.fromEntries(TYPES.filter((_, i) => i % 2 === 0).map((t) => [`e_${t}`, { mean: 0.1 + TYPES.indexOf(t), std: 3.7 }])),
  obj: { ...Object.fromEntries(TYPES.filter((_, i) => i % 2 === 1).map((t) => [`o_${t}`, { mean: -2.5, std: 0.3 }])), o_bool: { mean: 0.35, std: 0.48 } },
};

let file: string;

beforeAll(async () => {
  file = path.join(dir, "every-dtype.h5");
  const w = createH5(file, {});
  const ev = w.createDataset("event", {
    fields: [...TYPES.map((type) => ({ name: `e_${type}`, type })), { name: "flavour_label", type: "int64" as const }],
    chunkRows: 700,
  });
  const obj = w.createDataset("obj", {
    fields: [{ name: "o_bool", type: "bool" as const }, ...TYPES.map((type) => ({ name: `o_${type}`, type })), { name: "valid", type: "bool" as const }],
    objects: SLOTS,
    chunkRows: 500,
  });
  await ev.append({ ...Object.fromEntries(TYPES.map((t) => [`e_${t}`, values(t, N)])), flavour_label: BigInt64Array.from({ length: N }, (_, i) => BigInt(i % 5)) }, N);
  // Not left-packed: valid slots anywhere, and values (not zeros) stored in the invalid ones.
  await obj.append({ o_bool: values("bool", N * SLOTS), ...Object.fromEntries(TYPES.map((t) => [`o_${t}`, values(t, N * SLOTS)])), valid: values("bool", N * SLOTS) }, N);
  await w.close();
});

async function all(it: AsyncIterable<TensorBatch>): Promise<TensorBatch[]> {
  const out: TensorBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Every array of every batch as bytes, in order, copied as each batch arrives. */
async function bytes(it: AsyncIterable<TensorBatch>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const copy = (a: ArrayBufferView) => parts.push(Buffer.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)));
  for await (const b of it) {
    copy(b.labels);
    for (const g of Object.values(b.inputs)) {
      copy(g.data);
      if (g.valid) copy(g.valid);
    }
  }
  return Buffer.concat(parts);
}

describe("openTensors on every element type", () => {
  it("converts each stored type exactly as (Number(x) - mean) / std in float64, stored as float32, padded slots 0", async () => {
    const h5 = await openH5(file);
    const cols = { event: h5.dataset("event").read(), obj: h5.dataset("obj").read() };
    h5.close();
    const batches = await all(openTensors(file, { batchSize: 1024, normDict: norm }));
    for (const [group, slots] of [["event", 1], ["obj", SLOTS]] as const) {
      const c = cols[group];
      const fields = batches[0]!.inputs[group]!.fields;
      expect(fields).toEqual(Object.keys(c).filter((f) => f !== "valid" && f !== "flavour_label"));
      const want = new Float32Array(N * slots * fields.length);
      for (let s = 0; s < N * slots; s++) {
        const ok = group === "event" || c.valid![s] === 1;
        fields.forEach((f, k) => {
          const ms = (norm[group] as Record<string, { mean: number; std: number }>)[f];
          const x = Number(c[f]![s]);
          want[s * fields.length + k] = ok ? (ms ? (x - ms.mean) / ms.std : x) : 0;
        });
      }
      const got = new Float32Array(want.length);
      batches.reduce((at, b) => (got.set(b.inputs[group]!.data, at), at + b.inputs[group]!.data.length), 0);
      // Bit for bit (NaN and -0 included).
      expect(new Uint32Array(got.buffer)).toEqual(new Uint32Array(want.buffer));
    }
    expect(Uint8Array.from(batches.flatMap((b) => [...b.inputs.obj!.valid!]))).toEqual(Uint8Array.from(cols.obj.valid as Uint8Array));
    expect(Int32Array.from(batches.flatMap((b) => [...b.labels]))).toEqual(Int32Array.from({ length: N }, (_, i) => i % 5));
  });

  it("yields the same batches with reuse, each valid until the next one is asked for", async () => {
    const options = { batchSize: 700, normDict: norm, shuffle: { seed: 5 }, epochs: 2 } as const;
    const fresh = await bytes(openTensors(file, options));
    const reused = await bytes(openTensors(file, { ...options, reuse: true }));
    expect(reused.length).toBe(2 * N * (4 + 4 * 11 + 4 * 12 * SLOTS + SLOTS));
    expect(reused.equals(fresh)).toBe(true);
    // Without copies, the arrays held on to are overwritten by later batches.
    const held = await all(openTensors(file, { ...options, reuse: true, prefetch: 1 }));
    expect(held[0]!.inputs.event!.data.buffer).toBe(held[2]!.inputs.event!.data.buffer);
    expect(() => openTensors(file, { reuse: 1 } as never)).toThrow(/reuse must be true or false/);
  });
});
