/**
 * End-to-end benchmark of `sxflow run`: the IC example (five cuts, ttbar vs W+jets) on generated
 * TopCP-like samples, with 1 and 2 workers, uncompressed output; plus the jagged-to-fixed step
 * alone against the Python converter's per-event padding loop, on the same events.
 *
 * Usage: npm run bench:run [-- --events 10000000] [--workers 1,2] [--repeat 1] [--dir .sxflow-tmp/bench-run]
 * (--repeat N: each run N times, the fastest kept; on a shared machine the others measure the load)
 *
 * The samples (events/2 each) are generated once into <dir>/events-<N>/ and reused. Each run is
 * a child process on the compiled package (npm run build first, done here), so that worker
 * threads load plain JavaScript and the peak RSS (process.resourceUsage().maxRSS, all threads)
 * is that of the real command. A second, ten times smaller input shows whether the peak RSS
 * depends on the input size.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import { writeTopcpSample } from "../fixtures/generate-topcp.js";
import type { JaggedColumn, NumericArray } from "../src/batch/index.js";
import { openParquet } from "../src/parquet/index.js";
import { padGroup } from "../src/stages/index.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const EVENTS = Number(option("events", "10000000"));
const WORKERS = option("workers", "1,2").split(",").map(Number);
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-run"));
const REPEAT = Number(option("repeat", "1"));
const ROW_GROUP = 100_000;

async function samples(events: number): Promise<string> {
  const dir = path.join(DIR, `events-${events}`);
  if (existsSync(dir)) return dir;
  // Generated under a temporary name: an interrupted generation is never taken for a complete one.
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  for (const [sample, n] of [["ttbar", Math.ceil(events / 2)], ["wjets", Math.floor(events / 2)]] as const) {
    const t = performance.now();
    process.stderr.write(`generating ${n} ${sample} events into ${dir} ...`);
    await writeTopcpSample({ sample, events: n, seed: 20251126, out: partial, rowGroupSize: ROW_GROUP });
    process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  }
  renameSync(partial, dir);
  return dir;
}

/** The IC example configuration with the generated samples and an uncompressed output. */
function icConfig(inputs: string, out: string, html = true): string {
  const doc = parseDocument(readFileSync(path.join(ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8"));
  doc.setIn(["samples", 0, "files"], [path.join(inputs, "ttbar.parquet")]);
  doc.setIn(["samples", 1, "files"], [path.join(inputs, "wjets.parquet")]);
  doc.setIn(["output", "dir"], out);
  doc.setIn(["output", "compression"], "none");
  doc.setIn(["report", "html"], html);
  const file = path.join(out, "ic-bench.yaml");
  mkdirSync(out, { recursive: true });
  writeFileSync(file, doc.toString());
  return file;
}

interface ChildResult {
  eventsRead: number;
  eventsPassed: number;
  seconds: number;
  eventsPerSecond: number;
  maxRssMB: number;
  cpuSeconds: number;
  phases: Record<string, number>;
}

/** One `runPipeline` in a fresh process on the compiled package. */
function runChild(config: string, workers: number): ChildResult {
  const code = `
    const { runPipeline } = await import(${JSON.stringify(path.join(ROOT, "dist", "index.js"))});
    const r = await runPipeline(${JSON.stringify(config)}, { workers: ${workers} });
    const u = process.resourceUsage();
    process.stdout.write(JSON.stringify({ eventsRead: r.eventsRead, eventsPassed: r.eventsPassed, seconds: r.seconds,
      eventsPerSecond: r.eventsPerSecond, phases: r.phases, maxRssMB: u.maxRSS / 1024, cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6 }));
  `;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (child.status !== 0) throw new Error(`benchmark run failed:\n${child.stderr}`);
  return JSON.parse(child.stdout) as ChildResult;
}

/** The Python converter's algorithm: per-event lists (ak.to_list), then a per-object copy into zeroed arrays. */
function perEventPadding(columns: Record<string, JaggedColumn>, max: number): { fields: Record<string, Float32Array>; valid: Uint8Array } {
  const names = Object.keys(columns);
  const offsets = columns[names[0]!]!.offsets;
  const n = offsets.length - 1;
  const fields: Record<string, Float32Array> = {};
  for (const f of names) fields[f] = new Float32Array(n * max);
  const valid = new Uint8Array(n * max);
  for (let i = 0; i < n; i++) {
    for (const f of names) {
      const values = columns[f]!.values as NumericArray;
      const list = Array.from(values.subarray(offsets[i]!, offsets[i + 1]!) as Float32Array);
      const out = fields[f]!;
      for (let j = 0; j < list.length && j < max; j++) {
        out[i * max + j] = list[j]!;
        valid[i * max + j] = 1;
      }
    }
  }
  return { fields, valid };
}

async function padBenchmark(file: string, events: number): Promise<{ events: number; sxflow: number; perEvent: number }> {
  const reader = await openParquet(file);
  const names = ["jet_pt_NOSYS", "jet_eta", "jet_phi", "jet_GN2v01_FixedCutBEff_77_select"];
  const batch = await reader.read(names, 0, Math.min(events, reader.entries));
  reader.close();
  const columns = Object.fromEntries(names.map((n) => [n, batch.columns[n] as JaggedColumn]));
  const casts = { jet_GN2v01_FixedCutBEff_77_select: "float32" as const };
  const time = (f: () => void): number => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      f();
      best = Math.min(best, performance.now() - t);
    }
    return best / 1000;
  };
  let padded: ReturnType<typeof padGroup> | undefined;
  let baseline: ReturnType<typeof perEventPadding> | undefined;
  const sx = time(() => (padded = padGroup({ name: "jet", maxObjects: 10, fields: columns, casts })));
  const pe = time(() => (baseline = perEventPadding(columns, 10)));
  // Same result, or the comparison means nothing.
  for (const n of names) {
    const a = padded!.fields[n] as Float32Array;
    const b = baseline!.fields[n]!;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) throw new Error(`padding differs at ${n}[${i}]`);
  }
  if (!Buffer.from(padded!.valid).equals(Buffer.from(baseline!.valid))) throw new Error("valid flags differ");
  return { events: batch.length, sxflow: batch.length / sx, perEvent: batch.length / pe };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

async function main(): Promise<void> {
  console.log(`sxflow bench:run  ${new Date().toISOString()}  ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  process.stderr.write("building (npm run build) ...\n");
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const big = await samples(EVENTS);
  const small = await samples(Math.max(2, Math.round(EVENTS / 10)));
  const results: Record<string, unknown> = {};

  const rows: string[] = [];
  let perWorker: Record<number, ChildResult> = {};
  for (const w of WORKERS) {
    let r = runChild(icConfig(big, path.join(DIR, `out-${EVENTS}-w${w}`)), w);
    for (let k = 1; k < REPEAT; k++) {
      const again = runChild(icConfig(big, path.join(DIR, `out-${EVENTS}-w${w}`)), w);
      if (again.seconds < r.seconds) r = again;
    }
    perWorker = { ...perWorker, [w]: r };
    rows.push(`  ${String(w).padStart(2)} workers: ${fmt(r.eventsRead)} events (${fmt(r.eventsPassed)} pass the cuts) in ${r.seconds.toFixed(1)} s = ${fmt(r.eventsPerSecond)} events/s, CPU ${r.cpuSeconds.toFixed(1)} s, peak RSS ${fmt(r.maxRssMB)} MB`);
  }
  const smallRun = runChild(icConfig(small, path.join(DIR, `out-small-w${WORKERS[WORKERS.length - 1]}`)), WORKERS[WORKERS.length - 1]!);
  console.log(`\nIC example end to end (uncompressed output${REPEAT > 1 ? `, best of ${REPEAT}` : ""}):`);
  for (const r of rows) console.log(r);
  if (perWorker[1] && perWorker[2]) console.log(`  speedup 1 -> 2 workers: ${(perWorker[2].eventsPerSecond / perWorker[1].eventsPerSecond).toFixed(2)}x`);
  console.log(
    `  peak RSS with ${WORKERS[WORKERS.length - 1]} workers on ${fmt(smallRun.eventsRead)} events: ${fmt(smallRun.maxRssMB)} MB ` +
      `(vs ${fmt(perWorker[WORKERS[WORKERS.length - 1]!]!.maxRssMB)} MB on ${fmt(EVENTS)})`,
  );

  // The report page's cost: the same run with and without report.html (histograms in the workers,
  // the merge, the page), alternated so that both see the same load; fastest of each kept.
  const w = WORKERS[WORKERS.length - 1]!;
  let withPage: ChildResult | undefined;
  let without: ChildResult | undefined;
  for (let k = 0; k < Math.max(REPEAT, 2); k++) {
    const a = runChild(icConfig(big, path.join(DIR, `out-${EVENTS}-page`), true), w);
    const b = runChild(icConfig(big, path.join(DIR, `out-${EVENTS}-nopage`), false), w);
    if (!withPage || a.seconds < withPage.seconds) withPage = a;
    if (!without || b.seconds < without.seconds) without = b;
  }
  const cost = (withPage!.seconds - without!.seconds) / without!.seconds;
  console.log(`\nreport page (${w} workers, best of ${Math.max(REPEAT, 2)} alternated runs each):`);
  console.log(`  report.html true:  ${withPage!.seconds.toFixed(2)} s, CPU ${withPage!.cpuSeconds.toFixed(2)} s (page written in ${(withPage!.phases["report page"] ?? 0).toFixed(2)} s)`);
  console.log(`  report.html false: ${without!.seconds.toFixed(2)} s, CPU ${without!.cpuSeconds.toFixed(2)} s`);
  // On a loaded machine the wall-clock difference is mostly noise; the CPU time is the steadier figure.
  const cpuCost = (withPage!.cpuSeconds - without!.cpuSeconds) / without!.cpuSeconds;
  console.log(`  cost: ${(100 * cost).toFixed(1)} % of the run time, ${(100 * cpuCost).toFixed(1)} % of its CPU time (load ${loadavg()[0]!.toFixed(1)})`);
  Object.assign(results, { reportPage: { withPage, without, cost } });

  const pad = await padBenchmark(path.join(big, "ttbar.parquet"), 1_000_000);
  console.log(`\njagged -> fixed (4 jet fields, max 10, ${fmt(pad.events)} ttbar events, best of 3):`);
  console.log(`  sxflow padGroup:            ${fmt(pad.sxflow)} events/s`);
  console.log(`  per-event loop (converter): ${fmt(pad.perEvent)} events/s`);
  console.log(`  speedup: ${(pad.sxflow / pad.perEvent).toFixed(1)}x`);

  Object.assign(results, { events: EVENTS, workers: perWorker, small: smallRun, pad, load: loadavg() });
  writeFileSync(path.join(DIR, `results-${EVENTS}.json`), `${JSON.stringify(results, null, 2)}\n`);
}

await main();
