import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { SYSTEM_PYTHON } from "../shared-data.js";

export interface SaltField {
  dtype: string;
  values: (number | string | boolean | null)[];
}

export interface SaltDataset {
  shape: number[];
  names: string[];
  fields: Record<string, SaltField>;
  attrs: Record<string, unknown>;
  chunks: number[] | null;
}

export interface SaltFile {
  attrs: Record<string, unknown>;
  datasets: Record<string, SaltDataset>;
}

export interface SaltDump {
  files: Record<string, SaltFile>;
  norm?: Record<string, Record<string, { mean: number; std: number; count: number }>>;
}

const READER = fileURLToPath(new URL("./read_salt.py", import.meta.url));

/**
 * Reads output files with h5py (and, with `norm`, numpy's float64 statistics of that train file):
 * the second tier's reader (salt-reader.interop.test.ts); the first tier reads through h5wasm.
 */
export function readSaltH5py(files: string[], norm?: string): SaltDump {
  const args = [READER, ...files, ...(norm ? ["--norm", norm] : [])];
  const text = execFileSync(SYSTEM_PYTHON, args, { encoding: "utf8", maxBuffer: 1 << 28 });
  return JSON.parse(text) as SaltDump;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `sxflow-${prefix}-`));
}

/** Writes a run configuration as YAML into `dir` and returns its path. */
export function writeConfig(dir: string, config: unknown, name = "run.yaml"): string {
  const file = path.join(dir, name);
  writeFileSync(file, stringify(config));
  return file;
}
