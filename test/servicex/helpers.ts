import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { tableFromArrays, tableToIPC } from "apache-arrow";
import { Table, writeParquet } from "parquet-wasm";
import type { DeliverOptions, DeliverSpec } from "../../src/servicex/index.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { FakeServiceX } from "./fake-server.js";

/** Real ROOT files served as transform outputs. */
export const REAL_FILES = ["uproot-HZZ.root", "unroot-tree_with_jagged_array.root", "unroot-tree_with_clusters.root", "uproot-HZZ-zlib.root"];

export interface Env {
  server: FakeServiceX;
  dir: string;
  configPath: string;
  cacheDir: string;
  /** Fast options: short polls, back-offs and stall timeout. */
  opts: DeliverOptions;
  /** Input path in the fake dataset -> bytes expected for its output. */
  expected: Map<string, Buffer>;
  cleanup: () => Promise<void>;
}

export async function setup(config?: (server: FakeServiceX) => string): Promise<Env> {
  const server = await new FakeServiceX().start();
  const dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-sx-"));
  const expected = new Map<string, Buffer>();
  const inputs = REAL_FILES.map((f) => `root://eos.example.org//atlas/user/${f}`);
  inputs.forEach((input, i) => {
    const data = readFileSync(path.join(ROOT_FIXTURES, REAL_FILES[i]));
    server.inputs.set(input, data);
    expected.set(input, data);
  });
  server.datasets.set("rucio://user.test:user.test.ttbar.v1", { inputs });
  const configPath = path.join(dir, "servicex.yaml");
  const cacheDir = path.join(dir, "cache");
  writeFileSync(
    configPath,
    config?.(server) ??
      `api_endpoints:\n  - name: fake\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${cacheDir}\n`,
  );
  return {
    server,
    dir,
    configPath,
    cacheDir,
    expected,
    opts: { configPath, pollIntervalMs: 5, stallTimeoutMs: 300, retryDelayMs: 5, progress: false },
    cleanup: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function spec(dataset: string, name = "ttbar", extra: Partial<DeliverSpec["Sample"][number]> = {}): DeliverSpec {
  return {
    General: { OutputFormat: "root-ttree" },
    Sample: [
      {
        Name: name,
        Dataset: dataset,
        Query: { tree: "events", branches: ["Muon_Px", "Muon_Py"], cuts: ["NMuon >= 1"] },
        ...extra,
      },
    ],
  };
}

/** Sorted contents of the delivered files. */
export function contents(files: string[]): Buffer[] {
  return files.map((f) => readFileSync(f)).sort(Buffer.compare);
}

export function expectedContents(env: Env, n = REAL_FILES.length): Buffer[] {
  return [...env.expected.values()].slice(0, n).sort(Buffer.compare);
}

/** What ServiceX's python transformer writes for the structure query: one string row. */
export function structureParquet(json: string): Buffer {
  const ipc = tableToIPC(tableFromArrays({ structure: [json] }), "stream");
  return Buffer.from(writeParquet(Table.fromIPCStream(ipc)));
}
