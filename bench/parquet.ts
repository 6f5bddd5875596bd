/**
 * Parquet read throughput: sxflow's streaming reader (its own column-chunk decoder, and the
 * parquet-wasm route it falls back to) against parquet-wasm baselines on a generated TopCP-like
 * ttbar file (default 1e6 events, large_list + zstd, as ServiceX-like as the fixtures), or on
 * `--file` (e.g. bench:run's generated samples). Each mode runs in its own process so that its
 * peak RSS is its own; the modes are interleaved `--repeat` times and the best CPU and wall time
 * of each kept (the machine is shared).
 *
 * Then the cost of opening the file (footer, schema, tree column; no column read), in processes
 * of their own, interleaved: the first open of a process (cold code) and the median of 20 more,
 * through the own footer read against the parquet-wasm route (which instantiates parquet-wasm and
 * takes the schema from it, as every open did before).
 *
 *   npm run bench:parquet -- [--events 1000000] [--file path] [--modes a,b] [--repeat 3] [--open-rounds 5]
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC, type Table } from "apache-arrow";
import { ParquetFile, readParquet, type RecordBatch as WasmRecordBatch } from "parquet-wasm";
import { openAsBlob } from "node:fs";
import type { Batch, Column } from "../src/batch/types.js";
import { loadavg } from "node:os";
import { openParquet } from "../src/parquet/reader.js";
import { TOPCP_COLUMNS, writeTopcpSample } from "../fixtures/generate-topcp.js";

/** The columns the IC configuration (examples/ic-ttbar-wjets.yaml) reads. */
const IC_COLUMNS = [
  ...["met_met_NOSYS", "met_phi_NOSYS", "met_significance_NOSYS", "met_sumet_NOSYS", "eventNumber", "runNumber"],
  ...["jet_pt_NOSYS", "jet_eta", "jet_phi", "jet_GN2v01_FixedCutBEff_77_select", "el_pt_NOSYS", "el_eta", "el_phi"],
];

const MODES = {
  "sxflow read by row group, IC columns, own decoder": async (file: string) => readGroups(file, IC_COLUMNS, "auto"),
  "sxflow read by row group, IC columns, parquet-wasm route": async (file: string) => readGroups(file, IC_COLUMNS, "parquet-wasm"),
  "sxflow iterate, all 41 columns, own decoder": async (file: string) => readBatches(file, [...TOPCP_COLUMNS], "auto"),
  "sxflow iterate, all 41 columns, parquet-wasm route": async (file: string) => readBatches(file, [...TOPCP_COLUMNS], "parquet-wasm"),
  "sxflow iterate, jet_pt_NOSYS only, own decoder": async (file: string) => readBatches(file, ["jet_pt_NOSYS"], "auto"),
  "baseline: parquet-wasm stream -> Arrow, no Batch conversion": async (file: string) => {
    const f = await ParquetFile.fromFile(await openAsBlob(file));
    let events = 0;
    let bytes = 0;
    // The same batch size as sxflow's reader uses by default.
    const stream = await f.stream({ batchSize: 16384, columns: [...TOPCP_COLUMNS] });
    for await (const b of stream as AsyncIterable<WasmRecordBatch>) {
      const t = tableFromIPC(b.intoIPCStream());
      events += t.numRows;
      bytes += arrowBytes(t);
    }
    return { events, bytes };
  },
  "baseline: parquet-wasm whole file (readParquet + tableFromIPC)": async (file: string) => {
    const t = tableFromIPC(readParquet(readFileSync(file), { columns: [...TOPCP_COLUMNS] }).intoIPCStream());
    return { events: t.numRows, bytes: arrowBytes(t) };
  },
} as const;

type Mode = keyof typeof MODES;

const OPEN_MODES = { "open: own footer read": "auto", "open: through parquet-wasm": "parquet-wasm" } as const;
type OpenMode = keyof typeof OPEN_MODES;

/** The first open in this process and the median of 20 more (wall ms), with the first one's CPU ms. */
async function openChild(mode: OpenMode, file: string): Promise<void> {
  const decoder = OPEN_MODES[mode];
  const c0 = process.cpuUsage();
  let t = performance.now();
  (await openParquet(file, { decoder })).close();
  const first = performance.now() - t;
  const c = process.cpuUsage(c0);
  const warm: number[] = [];
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    (await openParquet(file, { decoder })).close();
    warm.push(performance.now() - t);
  }
  warm.sort((x, y) => x - y);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ first, firstCpu: (c.user + c.system) / 1000, warm: warm[10]!, maxRssMB }));
}

function columnBytes(c: Column): number {
  if (c.kind === "flat") return c.values.byteLength;
  return c.offsets.byteLength + (ArrayBuffer.isView(c.values) ? c.values.byteLength : columnBytes(c.values));
}

function arrowBytes(t: Table): number {
  let n = 0;
  const walk = (d: { buffers: (ArrayBufferView | undefined)[]; children: unknown[] }) => {
    for (const b of d.buffers) if (b) n += b.byteLength;
    for (const c of d.children) walk(c as typeof d);
  };
  for (const b of t.batches) for (const c of b.data.children) walk(c as unknown as Parameters<typeof walk>[0]);
  return n;
}

/** What the pipeline's tasks do: one read() per row group. */
async function readGroups(file: string, branches: string[], decoder: "auto" | "parquet-wasm"): Promise<{ events: number; bytes: number }> {
  const r = await openParquet(file, { decoder });
  let events = 0;
  let bytes = 0;
  for (const g of r.clusters()) {
    const batch = await r.read(branches, g.start, g.stop);
    events += batch.length;
    bytes += batchBytes(batch);
  }
  r.close();
  return { events, bytes };
}

async function readBatches(file: string, branches: string[], decoder: "auto" | "parquet-wasm"): Promise<{ events: number; bytes: number }> {
  const r = await openParquet(file, { decoder });
  let events = 0;
  let bytes = 0;
  for await (const batch of r.iterate({ branches })) {
    events += batch.length;
    bytes += batchBytes(batch);
  }
  r.close();
  return { events, bytes };
}

function batchBytes(batch: Batch): number {
  let n = 0;
  for (const c of Object.values(batch.columns)) n += columnBytes(c);
  return n;
}

function args(): Record<string, string> {
  const out: Record<string, string> = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i]!.replace(/^--/, "")] = argv[i + 1] ?? "";
  return out;
}

async function child(mode: Mode, file: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const { events, bytes } = await MODES[mode](file);
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ events, bytes, seconds, cpuSeconds, maxRssMB }));
}

async function main(): Promise<void> {
  const a = args();
  if (a.child) return a.child in OPEN_MODES ? openChild(a.child as OpenMode, a.file!) : child(a.child as Mode, a.file!);
  const events = Number(a.events ?? 1_000_000);
  const file = a.file ?? path.join(tmpdir(), `sxflow-bench-ttbar-${events}.parquet`);
  if (!existsSync(file)) {
    const t0 = performance.now();
    const out = path.dirname(file);
    const written = await writeTopcpSample({ sample: "ttbar", events, seed: 1, out, rowGroupSize: 131072 });
    const { rename } = await import("node:fs/promises");
    await rename(written, file);
    console.log(`generated ${file}: ${events} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const fileMB = statSync(file).size / 1e6;
  console.log(`file ${file}: ${fileMB.toFixed(1)} MB; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const self = fileURLToPath(import.meta.url);
  const modes = (a.modes ? a.modes.split(",").map((i) => Object.keys(MODES)[Number(i)]!) : Object.keys(MODES)) as Mode[];
  const repeat = Number(a.repeat ?? 3);
  type Result = { events: number; bytes: number; seconds: number; cpuSeconds: number; maxRssMB: number };
  const best = new Map<Mode, Result>();
  for (let round = 0; round < repeat; round++) {
    for (const mode of modes) {
      const run = spawnSync(process.execPath, ["--import", "tsx", self, "--child", mode, "--file", file], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${mode} failed:\n${run.stderr}`);
      const r = JSON.parse(run.stdout) as Result;
      const b = best.get(mode);
      best.set(mode, b ? { ...r, seconds: Math.min(b.seconds, r.seconds), cpuSeconds: Math.min(b.cpuSeconds, r.cpuSeconds), maxRssMB: Math.max(b.maxRssMB, r.maxRssMB) } : r);
    }
  }
  console.log(`best of ${repeat} interleaved rounds; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  for (const mode of modes) {
    const r = best.get(mode)!;
    // CPU time is the steadier figure on a shared machine: rates are given for both.
    console.log(
      `${mode.padEnd(58)} ${r.seconds.toFixed(2).padStart(6)} s (cpu ${r.cpuSeconds.toFixed(2)} s, ${((r.cpuSeconds / r.events) * 1e6).toFixed(2)} us/event)  ` +
        `${(r.events / r.seconds / 1e6).toFixed(2)} M events/s (${(r.events / r.cpuSeconds / 1e6).toFixed(2)} per CPU s)  ` +
        `${(r.bytes / 1e6 / r.cpuSeconds).toFixed(0).padStart(4)} MB/CPU s decoded (${(r.bytes / 1e6).toFixed(0)} MB)  peak RSS ${r.maxRssMB.toFixed(0)} MB`,
    );
  }
  const openRounds = Number(a["open-rounds"] ?? 5);
  if (openRounds === 0) return;
  type Open = { first: number; firstCpu: number; warm: number; maxRssMB: number };
  const opens = new Map<OpenMode, Open[]>();
  for (let round = 0; round < openRounds; round++) {
    for (const mode of Object.keys(OPEN_MODES) as OpenMode[]) {
      const run = spawnSync(process.execPath, ["--import", "tsx", self, "--child", mode, "--file", file], { encoding: "utf8" });
      if (run.status !== 0) throw new Error(`${mode} failed:\n${run.stderr}`);
      opens.set(mode, [...(opens.get(mode) ?? []), JSON.parse(run.stdout) as Open]);
    }
  }
  console.log(`\nopening the file, ${openRounds} interleaved processes each (best and median of the processes); load average ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  const range = (xs: number[]): string => {
    const sorted = [...xs].sort((x, y) => x - y);
    return `${sorted[0]!.toFixed(1)} / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)}`;
  };
  for (const [mode, runs] of opens) {
    console.log(
      `${mode.padEnd(28)} first open ${range(runs.map((r) => r.first))} ms (CPU ${range(runs.map((r) => r.firstCpu))} ms), later opens ${range(runs.map((r) => r.warm))} ms, ` +
        `peak RSS ${range(runs.map((r) => r.maxRssMB))} MB`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
