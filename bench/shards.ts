/**
 * Benchmark of a sharded run: the total CPU time of n shards plus their merge against one
 * `sxflow run` of the same input (target: at most 10% more), the merge's wall time against the
 * single run's (target: at most 25%), the fixed cost of a shard process, and the wall time
 * projected for 1e9 events on 100 nodes from the measured rates.
 *
 * Usage: npm run bench:shards [-- --events 4000000] [--shards 4] [--workers 2] [--repeat 2] [--dir .sxflow-tmp/bench-shards]
 *
 * Input: the IC example's generated TopCP-like samples (bench/ic-input.ts) without its cuts, so
 * that every event reaches the outputs and the merge moves every row (its hardest case). Every
 * step is the command a user runs (`sxflow run`, `sxflow run --shard i/n`, `sxflow merge`) in a
 * fresh process on the compiled package (built here), one after the other; CPU is the process's
 * user + system time (all threads, start included), wall from spawn to exit. The steps of one
 * repetition run in turn (single run, shards, merge, an empty shard) and each step keeps its
 * fastest repetition, so the baseline shares the load of the machine. The merged files are
 * checked to be the single run's, byte for byte.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { icConfig, icSamples, option, ROOT } from "./ic-input.js";

const EVENTS = Number(option("events", "4000000"));
const SHARDS = Number(option("shards", "4"));
const WORKERS = Number(option("workers", "2"));
const REPEAT = Number(option("repeat", "2"));
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-shards"));
const NAME = "ic_ttbar_wjets";

interface Step {
  wall: number;
  cpu: number;
  maxRssMB: number;
}

/** `sxflow <args>` in a fresh process, as the CLI runs it; its CPU and peak RSS reported at the end. */
function sxflow(args: string[]): Step {
  const code = `
    const { runCli } = await import(${JSON.stringify(path.join(ROOT, "dist", "cli", "dispatch.js"))});
    const status = await runCli(${JSON.stringify(args)});
    const u = process.resourceUsage();
    process.stdout.write("\\n" + JSON.stringify({ status, cpu: (u.userCPUTime + u.systemCPUTime) / 1e6, maxRssMB: u.maxRSS / 1024 }));
  `;
  const t = performance.now();
  const c = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", maxBuffer: 1 << 24 });
  const wall = (performance.now() - t) / 1000;
  const last = c.stdout.trim().split("\n").pop() ?? "";
  const r = c.status === 0 ? (JSON.parse(last) as { status: number; cpu: number; maxRssMB: number }) : undefined;
  if (!r || r.status !== 0) throw new Error(`benchmark step failed: sxflow ${args.join(" ")}\n${c.stderr}`);
  return { wall, cpu: r.cpu, maxRssMB: r.maxRssMB };
}

function faster(a: Step | undefined, b: Step): Step {
  return a && a.wall <= b.wall ? a : b;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const sum = (steps: Step[], key: "wall" | "cpu") => steps.reduce((t, s) => t + s[key], 0);

function outputHashes(dir: string): string[] {
  return ["train", "val", "test"].map((s) => createHash("sha256").update(readFileSync(path.join(dir, `${NAME}_${s}.h5`))).digest("hex"));
}

async function main(): Promise<void> {
  console.log(`sxflow bench:shards  ${new Date().toISOString()}  ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${load()}`);
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const inputs = await icSamples(DIR, EVENTS);
  const out = path.join(DIR, "out");
  const single = path.join(DIR, "single");
  const config = () => icConfig(inputs, out, "bench.yaml", (doc) => doc.setIn(["cuts"], []));
  const common = ["--workers", String(WORKERS), "--quiet"];

  let run: Step | undefined;
  let merge: Step | undefined;
  let empty: Step | undefined;
  const shards: (Step | undefined)[] = Array.from({ length: SHARDS }, () => undefined);
  const events: number[] = [];
  for (let r = 0; r < REPEAT; r++) {
    rmSync(out, { recursive: true, force: true, maxRetries: 3 });
    const file = config();
    // The single run, then its outputs set aside: the shards and the merge use the same output.dir.
    run = faster(run, sxflow(["run", file, ...common]));
    rmSync(single, { recursive: true, force: true });
    renameSync(out, single);
    config();
    // Shard 0 finds no index of the inputs and scans them all (two files here), the others read it.
    for (let i = 0; i < SHARDS; i++) shards[i] = faster(shards[i], sxflow(["run", file, "--shard", `${i}/${SHARDS}`, ...common]));
    merge = faster(merge, sxflow(["merge", file, ...common]));
    if (outputHashes(out).join() !== outputHashes(single).join()) throw new Error("the merged files differ from the single run's");
    // A shard without tasks (one of more shards than there are tasks): the fixed cost of a shard
    // process (start, configuration, worker threads, the index and one input's metadata).
    empty = faster(empty, sxflow(["run", file, "--shard", "9999/10000", ...common]));
    for (let i = 0; i < SHARDS; i++) {
      events[i] = (JSON.parse(readFileSync(path.join(out, "shards", `${i}-of-${SHARDS}`, "shard.json"), "utf8")) as { eventsRead: number }).eventsRead;
    }
  }
  const s = run!;
  const m = merge!;
  const e = empty!;
  const steps = shards.map((x) => x!);
  const passed = (JSON.parse(readFileSync(path.join(single, `${NAME}_report.json`), "utf8")) as { eventsPassed: number }).eventsPassed;

  const total = sum(steps, "cpu") + m.cpu;
  console.log(`\n${fmt(EVENTS)} events (IC samples without cuts: all reach the outputs), ${SHARDS} shards, ${WORKERS} workers per process, uncompressed, best of ${REPEAT}; load after ${load()}`);
  console.log(`  single run:  wall ${s.wall.toFixed(1)} s, CPU ${s.cpu.toFixed(1)} s, peak RSS ${fmt(s.maxRssMB)} MB`);
  steps.forEach((x, i) => console.log(`  shard ${i}/${SHARDS}:   wall ${x.wall.toFixed(1)} s, CPU ${x.cpu.toFixed(1)} s, ${fmt(events[i]!)} events, peak RSS ${fmt(x.maxRssMB)} MB`));
  console.log(`  merge:       wall ${m.wall.toFixed(1)} s, CPU ${m.cpu.toFixed(1)} s, peak RSS ${fmt(m.maxRssMB)} MB (files identical to the single run's)`);
  console.log(`  empty shard: wall ${e.wall.toFixed(2)} s, CPU ${e.cpu.toFixed(2)} s: the fixed cost of one shard process`);
  const extra = (total / s.cpu - 1) * 100;
  console.log(`  shards + merge CPU ${total.toFixed(1)} s vs single ${s.cpu.toFixed(1)} s: ${extra >= 0 ? "+" : ""}${extra.toFixed(1)}% (target <= +10%)`);
  console.log(`  merge wall = ${((m.wall / s.wall) * 100).toFixed(0)}% of the single run's (target <= 25%)`);
  // n shards and a merge are n processes more than one run: that part of the extra CPU is fixed,
  // the rest grows with the input. Extrapolated to shards of 1e7 events each:
  const fixed = SHARDS * e.cpu;
  const variable = total - s.cpu - fixed;
  const scale = 1e7 / (EVENTS / SHARDS);
  const atScale = ((fixed + variable * scale) / (s.cpu * scale)) * 100;
  console.log(`  of the extra ${(total - s.cpu).toFixed(1)} s CPU: ${fixed.toFixed(1)} s fixed (${SHARDS} processes more at ${e.cpu.toFixed(2)} s), ${variable.toFixed(1)} s growing with the input; with 1e7 events per shard: +${atScale.toFixed(1)}%`);

  // 1e9 events on 100 nodes: each node runs one shard of 1e7 events (the fixed wall time of a
  // shard, then the measured per-event time), then one node merges every row at the measured rate.
  const perEvent = (sum(steps, "wall") - SHARDS * e.wall) / EVENTS;
  const node = e.wall + 1e7 * perEvent;
  const mergeRate = passed / m.wall;
  const mergeTime = 1e9 / mergeRate;
  console.log(
    `  projection, 1e9 events on 100 nodes (${WORKERS} workers each): shards ${(node / 60).toFixed(1)} min (${fmt(1 / perEvent)} events/s per node) ` +
      `+ merge ${(mergeTime / 60).toFixed(1)} min (${fmt(mergeRate)} rows/s) = ${((node + mergeTime) / 60).toFixed(1)} min; ` +
      `one machine: ${(1e9 / (EVENTS / s.wall) / 3600).toFixed(1)} h`,
  );
  writeFileSync(path.join(DIR, `results-${EVENTS}.json`), `${JSON.stringify({ events: EVENTS, shards: SHARDS, workers: WORKERS, single: s, shardSteps: steps, merge: m, empty: e, load: loadavg() }, null, 2)}\n`);
}

await main();
