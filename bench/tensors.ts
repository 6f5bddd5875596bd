/**
 * openTensors throughput: an uncompressed SALT file of 1M events (IC layout: `event` (N,) with
 * four MET floats, eventNumber, runNumber and flavour_label; `jet` (N, 10) with pt, eta, phi, btag
 * and valid, 0-10 left-packed jets per event) read into normalised float32 tensors, next to what
 * SALT's loader does with the same rows in the same run: h5py `read_direct` of the used fields
 * into a preallocated structured buffer plus numpy normalisation and masking
 * (bench/tensors_h5py.py, /usr/bin/python3).
 *
 * Both read the same fields in batches of 10,000 rows, normalise the same fields with the same
 * norm dict and zero the padded slots; a checksum of every output value must agree. Figures are
 * best of N (wall) with the CPU seconds of that run; "per core" compares events per CPU second.
 *
 * Second part, from a configuration: the IC example on generated TopCP-like samples
 * (--config-events, half ttbar, half W+jets), `runPipeline` (uncompressed SALT files) against
 * `openTensors(config, { split: "train" })` consumed to the end (the same conversion, the rows of
 * the train split kept in a temporary file instead of three HDF5 files, then read back normalised).
 *
 *   npm run bench:tensors [-- --events 1000000] [--repeat 5] [--config-events 1000000] [--dir .sxflow-tmp/bench-tensors]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { writeTopcpSample } from "../fixtures/generate-topcp.js";
import { loadRunConfig } from "../src/config/index.js";
import { createH5 } from "../src/hdf5/write.js";
import { openTensors, runPipeline } from "../src/index.js";
import { Xoshiro128 } from "../src/random/prng.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const EVENTS = Number(option("events", "1000000"));
const REPEAT = Number(option("repeat", "5"));
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-tensors"));
const BATCH = 10_000;
const JETS = 10;

const NORM = {
  event: { met: { mean: 51905.9, std: 47252.6 }, met_phi: { mean: 0.12, std: 1.78 }, met_sig: { mean: 4.6, std: 4.26 }, met_sumet: { mean: 544727.4, std: 180405.7 } },
  jet: { pt: { mean: 73589.7, std: 51765.5 }, eta: { mean: 0.037, std: 1.066 }, phi: { mean: 0.051, std: 1.817 }, btag: { mean: 0.353, std: 0.478 } },
};
const FIELDS = { event: Object.keys(NORM.event), jet: Object.keys(NORM.jet) };

/** The SALT file, written once with sxflow's writer (uncompressed) and reused. */
async function saltFile(): Promise<string> {
  const file = path.join(DIR, `ic-layout-${EVENTS}.h5`);
  if (existsSync(file)) return file;
  mkdirSync(DIR, { recursive: true });
  const partial = `${file}.partial`;
  const rng = new Xoshiro128(20261203);
  const u = () => rng.nextFloat();
  const w = createH5(partial, {});
  const ev = w.createDataset("event", {
    fields: [
      { name: "met", type: "float32" }, { name: "met_phi", type: "float32" }, { name: "met_sig", type: "float32" }, { name: "met_sumet", type: "float32" },
      { name: "eventNumber", type: "uint64" }, { name: "runNumber", type: "uint32" }, { name: "flavour_label", type: "int32" },
    ],
    chunkRows: 1000,
  });
  const jet = w.createDataset("jet", {
    fields: [{ name: "pt", type: "float32" }, { name: "eta", type: "float32" }, { name: "phi", type: "float32" }, { name: "btag", type: "bool" }, { name: "valid", type: "bool" }],
    objects: JETS,
    chunkRows: 1000,
  });
  for (let s = 0; s < EVENTS; s += 100_000) {
    const n = Math.min(100_000, EVENTS - s);
    const f = (scale: number, shift = 0) => Float32Array.from({ length: n }, () => (u() + shift) * scale);
    await ev.append({
      met: f(1e5), met_phi: f(6.28, -0.5), met_sig: f(10), met_sumet: f(1e6),
      eventNumber: BigUint64Array.from({ length: n }, (_, i) => BigInt(s + i) + 4294967000n), runNumber: new Uint32Array(n).fill(310000),
      flavour_label: Int32Array.from({ length: n }, () => (u() < 0.5 ? 0 : 1)),
    }, n);
    const valid = new Uint8Array(n * JETS);
    for (let i = 0; i < n; i++) valid.fill(1, i * JETS, i * JETS + Math.floor(u() * (JETS + 1)));
    const g = (scale: number, shift = 0) => Float32Array.from(valid, (v) => (v ? (u() + shift) * scale : 0));
    await jet.append({ pt: g(2e5), eta: g(5, -0.5), phi: g(6.28, -0.5), btag: Uint8Array.from(valid, (v) => (v && u() < 0.35 ? 1 : 0)), valid }, n);
  }
  await w.close();
  renameSync(partial, file);
  return file;
}

interface Timing {
  seconds: number;
  cpu: number;
  check: number;
}

async function sxflowOnce(file: string, check: boolean, reuse = false): Promise<Timing> {
  const t = performance.now();
  const c = process.cpuUsage();
  let sum = 0;
  let n = 0;
  for await (const b of openTensors(file, { batchSize: BATCH, normDict: NORM, fields: FIELDS, reuse })) {
    n += b.size;
    if (check) for (const g of Object.values(b.inputs)) for (const x of g.data) sum += x;
  }
  const cpu = process.cpuUsage(c);
  if (n !== EVENTS) throw new Error(`read ${n} events of ${EVENTS}`);
  return { seconds: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6, check: sum };
}

/** h5py runs in a fresh process: the first is a warm-up (imports, first file access), the rest count. */
function h5py(file: string, check: boolean, runs: number): Timing[] {
  const out = execFileSync("/usr/bin/python3", [path.join(ROOT, "bench", "tensors_h5py.py"), file, JSON.stringify(NORM), String(BATCH), String(runs), check ? "check" : "time"], { encoding: "utf8" });
  const r = JSON.parse(out) as { runs: { seconds: number; cpu: number }[]; check: number; events: number };
  if (r.events !== EVENTS) throw new Error(`h5py read ${r.events} events of ${EVENTS}`);
  return r.runs.map((t) => ({ ...t, check: r.check }));
}

/** The fastest run (wall) and the cheapest (CPU): on a shared machine they need not be the same run. */
function best(runs: Timing[]): Timing {
  return { seconds: Math.min(...runs.map((r) => r.seconds)), cpu: Math.min(...runs.map((r) => r.cpu)), check: runs[0]!.check };
}

const file = await saltFile();
const mb = statSync(file).size / 1e6;
console.log(`bench:tensors: ${EVENTS.toLocaleString("en-US")} events, ${mb.toFixed(0)} MB uncompressed SALT file (in the page cache), batches of ${BATCH}, best of ${REPEAT} interleaved runs; ${cpus().length} cores`);
console.log("each run opens the file and reads every row; CPU = user + system time of the whole process (all its threads)");
console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);

const ours = await sxflowOnce(file, true);
const reused = await sxflowOnce(file, true, true);
const theirs = h5py(file, true, 1)[0]!;
const agree = Math.abs(ours.check - theirs.check) <= 1e-6 * Math.max(1, Math.abs(theirs.check)) && reused.check === ours.check;
console.log(`checksum of every output value: openTensors ${ours.check.toPrecision(12)} (reuse: ${reused.check.toPrecision(12)}), h5py+numpy ${theirs.check.toPrecision(12)}${agree ? "" : "  MISMATCH"}`);
if (!agree) process.exitCode = 1;

// Interleaved, so that all see the same load.
const a: Timing[] = [];
const r: Timing[] = [];
const b: Timing[] = [];
for (let i = 0; i < REPEAT; i++) {
  a.push(await sxflowOnce(file, false));
  r.push(await sxflowOnce(file, false, true));
  b.push(...h5py(file, false, 2).slice(1));
}
const rows = [
  ["openTensors (new arrays per batch)", best(a)],
  ["openTensors, reuse: true", best(r)],
  ["h5py read_direct + numpy (SALT's loader)", best(b)],
] as const;
console.log("| reader | wall s | events/s (wall) | CPU s | events per CPU s |");
console.log("|---|---|---|---|---|");
for (const [label, t] of rows) {
  console.log(`| ${label} | ${t.seconds.toFixed(3)} | ${(EVENTS / t.seconds / 1e6).toFixed(2)} M | ${t.cpu.toFixed(3)} | ${(EVENTS / t.cpu / 1e6).toFixed(2)} M |`);
}
for (const [label, t] of rows.slice(0, 2)) {
  console.log(`${label} / h5py: ${(best(b).seconds / t.seconds).toFixed(2)}x wall, ${(best(b).cpu / t.cpu).toFixed(2)}x per core (CPU)`);
}
console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
if (option("keep", "yes") === "no") rmSync(file);

const CONFIG_EVENTS = Number(option("config-events", "1000000"));

/** Generated samples (reused) and the IC configuration reading them, writing uncompressed files. */
async function icConfig(): Promise<string> {
  const inputs = path.join(DIR, `topcp-${CONFIG_EVENTS}`);
  if (!existsSync(inputs)) {
    const partial = `${inputs}.partial`;
    rmSync(partial, { recursive: true, force: true });
    for (const [sample, n] of [["ttbar", Math.ceil(CONFIG_EVENTS / 2)], ["wjets", Math.floor(CONFIG_EVENTS / 2)]] as const) {
      await writeTopcpSample({ sample, events: n, seed: 20251126, out: partial, rowGroupSize: 100_000 });
    }
    renameSync(partial, inputs);
  }
  const doc = parseDocument(readFileSync(path.join(ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8"));
  doc.setIn(["samples", 0, "files"], [path.join(inputs, "ttbar.parquet")]);
  doc.setIn(["samples", 1, "files"], [path.join(inputs, "wjets.parquet")]);
  doc.setIn(["output", "dir"], path.join(DIR, "run-out"));
  doc.setIn(["output", "compression"], "none");
  const file = path.join(DIR, "ic-bench.yaml");
  writeFileSync(file, doc.toString());
  return file;
}

async function timed(body: () => Promise<number>): Promise<Timing> {
  const t = performance.now();
  const c = process.cpuUsage();
  const check = await body();
  const cpu = process.cpuUsage(c);
  return { seconds: (performance.now() - t) / 1000, cpu: (cpu.user + cpu.system) / 1e6, check };
}

if (CONFIG_EVENTS > 0) await fromConfig();

async function fromConfig(): Promise<void> {
  const config = await loadRunConfig(await icConfig());
  console.log(`\nfrom a configuration: the IC example on ${CONFIG_EVENTS.toLocaleString("en-US")} generated events, best of ${REPEAT}`);
  console.log(`load average before: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
  const run: Timing[] = [];
  const tensors: Timing[] = [];
  for (let i = 0; i < REPEAT; i++) {
    run.push(await timed(async () => (await runPipeline(config)).splits.train!.events));
    tensors.push(await timed(async () => {
      let n = 0;
      for await (const b of openTensors(config, { split: "train", batchSize: BATCH })) n += b.size;
      return n;
    }));
  }
  if (best(run).check !== best(tensors).check) throw new Error(`train rows differ: run ${best(run).check}, openTensors ${best(tensors).check}`);
  console.log("| | wall s | input events/s | CPU s (main thread + workers) |");
  console.log("|---|---|---|---|");
  console.log(`| sxflow run (uncompressed SALT files) | ${best(run).seconds.toFixed(2)} | ${(CONFIG_EVENTS / best(run).seconds / 1e6).toFixed(2)} M | ${best(run).cpu.toFixed(2)} |`);
  console.log(`| openTensors(config, train split) | ${best(tensors).seconds.toFixed(2)} | ${(CONFIG_EVENTS / best(tensors).seconds / 1e6).toFixed(2)} M | ${best(tensors).cpu.toFixed(2)} |`);
  console.log(`openTensors / run throughput: ${(best(run).seconds / best(tensors).seconds).toFixed(2)}x (${best(tensors).check} train rows)`);
  console.log(`load average after: ${loadavg().map((x) => x.toFixed(2)).join(" ")}`);
}
