/**
 * HDF5 write throughput: 1e6 events x 10 objects x (4 float32 fields + valid), sxflow's writer
 * (none / LZF / deflate 1; chunk encoding in the main thread or on 1 and 2 worker threads) next to
 * h5wasm (libhdf5 in WebAssembly) writing the same records with an integer `valid`, both through
 * its high-level `write_slice(Map)` and as raw records (interleaved by sxflow's code, copied into
 * the wasm heap, written by libhdf5: the fastest h5wasm path known).
 *
 * Each configuration runs in its own process so that the peak RSS is its own. Data: a random
 * number of left-packed objects per event with random mantissas (compresses about as real
 * kinematics do), generated before the clock starts. MB/s counts raw record bytes.
 *
 *   npm run bench:h5             (H5_BENCH_EVENTS=200000 for a quicker run)
 */

import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createH5, type ChunkEncoder, type Compression, type FieldSpec } from "../src/hdf5/index.js";
import { createEncoderPool } from "../src/sinks/index.js";
import { copyField } from "../src/hdf5/interleave.js";

const EVENTS = Number(process.env.H5_BENCH_EVENTS ?? 1_000_000);
const OBJECTS = 10;
const BATCH = 100_000;
const CHUNK_ROWS = 1000;
const FIELDS: FieldSpec[] = [
  { name: "pt", type: "float32" }, { name: "eta", type: "float32" }, { name: "phi", type: "float32" }, { name: "energy", type: "float32" },
  { name: "valid", type: "bool" },
];
const RECORD = 17;

interface Config {
  label: string;
  /** h5wasm: its high-level `write_slice(Map)`, or raw records interleaved by sxflow's code. */
  writer: "sxflow" | "h5wasm" | "h5wasm-raw";
  compression: Compression;
  threads: number; // 0 = chunk encoding in the main thread
}

const CONFIGS: Config[] = [
  { label: "h5wasm write_slice(Map), none", writer: "h5wasm", compression: "none", threads: 0 },
  { label: "h5wasm raw records, none", writer: "h5wasm-raw", compression: "none", threads: 0 },
  { label: "h5wasm raw records, gzip 1", writer: "h5wasm-raw", compression: { deflate: 1 }, threads: 0 },
  { label: "sxflow, none", writer: "sxflow", compression: "none", threads: 0 },
  { label: "sxflow, lzf, main thread", writer: "sxflow", compression: "lzf", threads: 0 },
  { label: "sxflow, lzf, 1 worker", writer: "sxflow", compression: "lzf", threads: 1 },
  { label: "sxflow, lzf, 2 workers", writer: "sxflow", compression: "lzf", threads: 2 },
  { label: "sxflow, deflate 1, main thread", writer: "sxflow", compression: { deflate: 1 }, threads: 0 },
  { label: "sxflow, deflate 1, 1 worker", writer: "sxflow", compression: { deflate: 1 }, threads: 1 },
  { label: "sxflow, deflate 1, 2 workers", writer: "sxflow", compression: { deflate: 1 }, threads: 2 },
];

type Columns = Record<string, Float32Array | Uint8Array>;

interface Timing {
  seconds: number;
  /** CPU seconds of the whole process (main thread and workers) over the same interval. */
  cpu: number;
}

function startClock(): { wall: number; cpu: NodeJS.CpuUsage } {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

function stopClock(t0: { wall: number; cpu: NodeJS.CpuUsage }): Timing {
  const used = process.cpuUsage(t0.cpu);
  return { seconds: (performance.now() - t0.wall) / 1000, cpu: (used.user + used.system) / 1e6 };
}

function makeBatch(seed: number): Columns {
  let x = seed;
  const rand = (): number => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
  const n = BATCH * OBJECTS;
  const cols = { pt: new Float32Array(n), eta: new Float32Array(n), phi: new Float32Array(n), energy: new Float32Array(n), valid: new Uint8Array(n) };
  for (let e = 0; e < BATCH; e++) {
    const k = Math.floor(rand() * (OBJECTS + 1));
    for (let j = 0; j < k; j++) {
      const p = e * OBJECTS + j;
      const pt = 20_000 - Math.log(1 - rand()) * 30_000;
      const eta = (rand() - 0.5) * 5;
      cols.pt[p] = pt;
      cols.eta[p] = eta;
      cols.phi[p] = (rand() - 0.5) * 2 * Math.PI;
      cols.energy[p] = pt * Math.cosh(eta);
      cols.valid[p] = 1;
    }
  }
  return cols;
}

async function runSxflow(c: Config, file: string, batches: Columns[]): Promise<Timing> {
  const pool = c.threads > 0 ? createEncoderPool(c.threads) : undefined;
  try {
    if (pool) await pool.encode(new Uint8Array(1024), { shuffle: 0, compression: c.compression }); // start-up outside the clock
    const encoder: ChunkEncoder | undefined = pool;
    const t0 = startClock();
    const w = createH5(file, { encoder, fsync: false });
    const ds = w.createDataset("jets", { fields: FIELDS, objects: OBJECTS, chunkRows: CHUNK_ROWS, compression: c.compression });
    for (let done = 0, b = 0; done < EVENTS; done += BATCH, b++) await ds.append(batches[b % 2], Math.min(BATCH, EVENTS - done));
    await w.close();
    return stopClock(t0);
  } finally {
    await pool?.destroy();
  }
}

async function runH5wasm(c: Config, file: string, batches: Columns[]): Promise<Timing> {
  const { default: h5wasm } = await import("h5wasm/node");
  const Module = await h5wasm.ready;
  const t0 = startClock();
  const f = new h5wasm.File(file, "w");
  const dtype = FIELDS.map((x) => [x.name, x.type === "bool" ? "<B" : "<f"]);
  const empty = new Map<string, Float32Array | Uint8Array>(FIELDS.map((x) => [x.name, x.type === "bool" ? new Uint8Array(0) : new Float32Array(0)]));
  const gzip = c.compression === "none" ? {} : { compression: "gzip", compression_opts: 1 };
  const ds = f.create_dataset({ name: "jets", data: empty, shape: [0, OBJECTS], maxshape: [null, OBJECTS], chunks: [CHUNK_ROWS, OBJECTS], dtype, ...gzip } as never);
  if (c.writer === "h5wasm") {
    // The documented high-level path: one TypedArray per field, h5wasm builds the records.
    for (let done = 0, b = 0; done < EVENTS; done += BATCH, b++) {
      const rows = Math.min(BATCH, EVENTS - done);
      const cols = batches[b % 2];
      ds.resize([done + rows, OBJECTS]);
      ds.write_slice([[done, done + rows], [0, OBJECTS]], new Map(FIELDS.map((x) => [x.name, cols[x.name].subarray(0, rows * OBJECTS)])));
    }
    f.close();
    return stopClock(t0);
  }
  const offsets = [0, 4, 8, 12, 16];
  const records = new Uint8Array(BATCH * OBJECTS * RECORD);
  const ptr = Module._malloc(records.length);
  try {
    for (let done = 0, b = 0; done < EVENTS; done += BATCH, b++) {
      const rows = Math.min(BATCH, EVENTS - done);
      const cols = batches[b % 2];
      // The same struct-of-arrays -> records interleave as sxflow's, then libhdf5 writes the raw records.
      FIELDS.forEach((fld, i) => copyField(records, 0, RECORD, { type: fld.type === "bool" ? "uint8" : fld.type, offset: offsets[i], size: fld.type === "bool" ? 1 : 4 }, cols[fld.name], 0, rows * OBJECTS));
      Module.HEAPU8.set(records.subarray(0, rows * OBJECTS * RECORD), ptr);
      ds.resize([done + rows, OBJECTS]);
      Module.set_dataset_data(ds.file_id, ds.path, [BigInt(rows), BigInt(OBJECTS)], [BigInt(done), 0n], [1n, 1n], BigInt(ptr));
    }
  } finally {
    Module._free(ptr);
  }
  f.close();
  return stopClock(t0);
}

async function child(index: number): Promise<void> {
  const c = CONFIGS[index];
  const batches = [makeBatch(12345), makeBatch(67890)];
  const file = path.join(tmpdir(), `sxflow-bench-${process.pid}.h5`);
  try {
    const { seconds, cpu } = c.writer === "sxflow" ? await runSxflow(c, file, batches) : await runH5wasm(c, file, batches);
    const size = statSync(file).size;
    process.stdout.write(JSON.stringify({ seconds, cpu, size, peakRss: process.resourceUsage().maxRSS * 1024 }));
  } finally {
    rmSync(file, { force: true });
  }
}

function parent(): void {
  const script = fileURLToPath(import.meta.url);
  const raw = EVENTS * OBJECTS * RECORD;
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
  console.log(`HDF5 write: ${EVENTS} events x ${OBJECTS} objects x ${RECORD} B = ${(raw / 1e6).toFixed(0)} MB raw, batches of ${BATCH}, chunks (${CHUNK_ROWS}, ${OBJECTS}); no shuffle filter on either side`);
  // "cores used" = CPU s / wall s: the parallelism the run actually obtained from the machine.
  console.log("| writer | file MB | ratio | wall s | MB/s | CPU s (all threads) | cores used | MB per CPU s | peak RSS MB |");
  console.log("|---|---|---|---|---|---|---|---|---|");
  const results: Record<string, number> = {};
  for (let i = 0; i < CONFIGS.length; i++) {
    const out = spawnSync(process.execPath, ["--import", "tsx", script, "--run", String(i)], { encoding: "utf8", env: process.env });
    if (out.status !== 0) {
      console.log(`| ${CONFIGS[i].label} | failed: ${out.stderr.trim().split("\n").slice(-3).join(" ")} |`);
      continue;
    }
    const r = JSON.parse(out.stdout) as { seconds: number; cpu: number; size: number; peakRss: number };
    const mbps = raw / 1e6 / r.seconds;
    results[CONFIGS[i].label] = mbps;
    console.log(`| ${CONFIGS[i].label} | ${(r.size / 1e6).toFixed(1)} | ${(raw / r.size).toFixed(2)} | ${r.seconds.toFixed(2)} | ${mbps.toFixed(0)} | ${r.cpu.toFixed(2)} | ${(r.cpu / r.seconds).toFixed(2)} | ${(raw / 1e6 / r.cpu).toFixed(0)} | ${(r.peakRss / 1e6).toFixed(0)} |`);
  }
  const ratio = (a: string, b: string): string => (results[a] && results[b] ? (results[a] / results[b]).toFixed(2) : "n/a");
  console.log(`\nuncompressed sxflow / h5wasm write_slice: ${ratio("sxflow, none", "h5wasm write_slice(Map), none")}x (target >= 3)`);
  console.log(`uncompressed sxflow / h5wasm raw records: ${ratio("sxflow, none", "h5wasm raw records, none")}x`);
  console.log(`deflate 1, 2 workers / 1 worker: ${ratio("sxflow, deflate 1, 2 workers", "sxflow, deflate 1, 1 worker")}x (target >= 1.7)`);
  console.log(`lzf, 2 workers / 1 worker: ${ratio("sxflow, lzf, 2 workers", "sxflow, lzf, 1 worker")}x`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  console.log(`deflate 1 sxflow (2 workers) / h5wasm raw gzip 1: ${ratio("sxflow, deflate 1, 2 workers", "h5wasm raw records, gzip 1")}x`);
}

const at = process.argv.indexOf("--run");
if (at >= 0) await child(Number(process.argv[at + 1]));
else parent();
