import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { SYSTEM_PYTHON } from "../shared-data.js";
import type { ColumnArray, FieldSpec, H5ElementType } from "../../src/hdf5/index.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), `sxflow-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Deterministic pseudo-random generator (xorshift32). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

const CTORS: Record<H5ElementType, new (n: number) => ColumnArray> = {
  bool: Uint8Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
  float16: Float32Array, float32: Float32Array, float64: Float64Array,
};

/** Random bit patterns (NaN, infinities, subnormals included) for every type; bool as 0/1. */
export function randomColumn(type: H5ElementType, n: number, next: () => number): ColumnArray {
  const arr = new CTORS[type](n);
  const bytes = new Uint8Array(arr.buffer);
  for (let i = 0; i < bytes.length; i += 4) {
    const r = next();
    for (let k = 0; k < 4 && i + k < bytes.length; k++) bytes[i + k] = (r >>> (8 * k)) & 0xff;
  }
  if (type === "bool") for (let i = 0; i < n; i++) bytes[i] = bytes[i] & 1;
  return arr;
}

export interface CheckDataset {
  name: string;
  fields: FieldSpec[];
  columns: Record<string, ColumnArray[]>;
  rows: number;
  objects?: number;
  compression?: string | null;
  shuffle?: boolean;
  chunks?: number[];
  attrs?: Record<string, unknown>;
  slices?: [number, number][];
  saltSlice?: [number, number];
  full?: boolean;
}

function concat(parts: ColumnArray[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), o);
    o += p.byteLength;
  }
  return out;
}

/** Runs check_h5.py with Debian's h5py; returns its parsed output. */
export function checkWithH5py(
  dir: string, file: string, datasets: CheckDataset[], attrs: Record<string, unknown> = {},
): { errors: string[]; datasets: Record<string, { masked: number }> } {
  const spec = {
    file,
    attrs,
    datasets: datasets.map((d) => ({
      name: d.name,
      rows: d.rows,
      objects: d.objects ?? null,
      compression: d.compression ?? null,
      shuffle: d.shuffle ?? false,
      chunks: d.chunks,
      attrs: d.attrs ?? {},
      slices: d.slices ?? [],
      salt_slice: d.saltSlice,
      full: d.full ?? true,
      fields: d.fields.map((f) => {
        const bin = path.join(dir, `${d.name}.${f.name}.bin`);
        writeFileSync(bin, concat(d.columns[f.name]));
        return { name: f.name, type: f.type, bin, ...(f.type === "float16" ? { source: "<f4" } : {}) };
      }),
    })),
  };
  const specPath = path.join(dir, "spec.json");
  writeFileSync(specPath, JSON.stringify(spec));
  const out = execFileSync(SYSTEM_PYTHON, [path.join(HERE, "check_h5.py"), specPath], { encoding: "utf8", maxBuffer: 1 << 24 });
  return JSON.parse(out);
}

export function python(script: string): string {
  return execFileSync(SYSTEM_PYTHON, ["-c", script], { encoding: "utf8", maxBuffer: 1 << 26, stdio: ["ignore", "pipe", "pipe"] });
}
