import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { stringify } from "yaml";
import { FIXTURES_DIR, SYSTEM_PYTHON } from "../shared-data.js";

/** The committed TopCP-like Parquet samples (fixtures/topcp). */
export const TTBAR = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");
export const WJETS = path.join(FIXTURES_DIR, "topcp", "wjets.parquet");

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

/** A configuration written by {@link topcpConfigs} and its output directory. */
export interface WrittenConfig {
  file: string;
  out: string;
}

/**
 * A writer of run configurations over the ttbar and W+jets fixtures into `dir` (MET and five jets'
 * pt and eta, an 80/10/10 split, uncompressed output), each call's file and output directory new:
 * `base` then the call's `extra` replace top-level keys.
 */
export function topcpConfigs(dir: string, base: Record<string, unknown> = {}): (extra?: Record<string, unknown>) => WrittenConfig {
  let counter = 0;
  return (extra = {}) => {
    const out = path.join(dir, `out${++counter}`);
    const cfg = {
      tree: "reco",
      samples: [
        { name: "ttbar", label: 0, files: [TTBAR] },
        { name: "wjets", label: 1, files: [WJETS] },
      ],
      objects: {
        event: { global: true, fields: { met: "met_met_NOSYS" } },
        jet: { max: 5, fields: { pt: "jet_pt_NOSYS", eta: "jet_eta" } },
      },
      split: { fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: out, name: "x", compression: "none" },
      ...base,
      ...extra,
    };
    return { file: writeConfig(dir, cfg, `c${counter}.yaml`), out };
  };
}
