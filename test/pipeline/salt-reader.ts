import { openH5, type H5ElementType } from "../../src/hdf5/index.js";
import type { SaltDataset, SaltDump, SaltFile } from "./helpers.js";

/**
 * The first tier's reader of SALT outputs: h5wasm, that is libhdf5 itself compiled to
 * WebAssembly (independent of sxflow's HDF5 writer), giving what read_salt.py gives through h5py:
 * numpy dtype strings, float values as float64 with NaN as null, 64-bit integers as strings, and
 * the float64 mean and population std (two passes) of the valid, non-NaN entries per field.
 * salt-reader.interop.test.ts checks that both readers agree on real outputs.
 */
const DTYPE: Record<H5ElementType, string> = {
  bool: "bool", int8: "|i1", uint8: "|u1", int16: "<i2", uint16: "<u2", int32: "<i4", uint32: "<u4",
  int64: "<i8", uint64: "<u8", float16: "<f2", float32: "<f4", float64: "<f8",
};

function plain(v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<unknown>, plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

function values(type: H5ElementType, column: ArrayLike<number | bigint>): (number | string | boolean | null)[] {
  const out = Array.from(column, (x) => {
    if (typeof x === "bigint") return x.toString();
    if (type === "bool") return x !== 0;
    return Number.isNaN(x) ? null : x;
  });
  return out;
}

async function describe(file: string): Promise<SaltFile> {
  const r = await openH5(file);
  try {
    const datasets: Record<string, SaltDataset> = {};
    for (const name of r.datasets()) {
      const ds = r.dataset(name);
      const columns = ds.read();
      datasets[name] = {
        shape: ds.shape,
        names: ds.fields.map((f) => f.name),
        fields: Object.fromEntries(ds.fields.map((f) => [f.name, { dtype: DTYPE[f.type], values: values(f.type, columns[f.name]!) }])),
        attrs: plain(ds.attrs) as Record<string, unknown>,
        chunks: ds.chunks ? ds.chunks.map(Number) : null,
      };
    }
    return { attrs: plain(r.attrs) as Record<string, unknown>, datasets };
  } finally {
    r.close();
  }
}

type Norm = NonNullable<SaltDump["norm"]>;

async function norm(file: string): Promise<Norm> {
  const r = await openH5(file);
  try {
    const out: Norm = {};
    for (const name of r.datasets()) {
      const ds = r.dataset(name);
      const columns = ds.read();
      const valid = columns.valid;
      out[name] = {};
      for (const f of ds.fields) {
        if (f.name === "valid") continue;
        const x: number[] = [];
        const c = columns[f.name]!;
        for (let i = 0; i < c.length; i++) {
          if (valid && valid[i] === 0) continue;
          const v = Number(c[i]);
          if (!Number.isNaN(v)) x.push(v);
        }
        let sum = 0;
        for (const v of x) sum += v;
        const mean = x.length ? sum / x.length : NaN;
        let m2 = 0;
        for (const v of x) m2 += (v - mean) ** 2;
        out[name][f.name] = { mean, std: x.length ? Math.sqrt(m2 / x.length) : NaN, count: x.length };
      }
    }
    return out;
  } finally {
    r.close();
  }
}

/** Reads output files through h5wasm (and, with `normFile`, the statistics of that train file). */
export async function readSaltH5wasm(files: string[], normFile?: string): Promise<SaltDump> {
  const dump: SaltDump = { files: {} };
  for (const f of files) dump.files[f] = await describe(f);
  if (normFile) dump.norm = await norm(normFile);
  return dump;
}
