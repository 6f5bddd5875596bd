/**
 * Benchmark of a sharded run against one `sxflow run` of the same input, for the two targets of
 * issue #14: the total CPU time of the n shards plus their merge (at most +10 %) and the merge's
 * wall time (at most 25 % of the single run's), in two cases:
 * - `nocut`: the IC example's generated samples without its cuts, so that every event reaches the
 *   outputs and the merge moves every row (its hardest case);
 * - `cuts`: the example's five cuts on samples generated with the `dielectron` knob at 0.55, so
 *   that about 11 % of the events pass (bench:run's realistic case).
 * Each case runs with two shard counts (two shard sizes) on the same input, so that the cost of a
 * shard splits into a fixed part (a process, its modules, worker threads and JIT warm-up: the
 * difference between the two counts) and a part per event, which give the overhead with shards
 * of 1e7 and 1e8 events, the shard size from which it stays within +10 %, and the projected wall
 * time of 1e9 events on 100 nodes (shards of 1e7).
 *
 * Usage: npm run bench:shards [-- --events 4000000] [--shards 2,8] [--cases nocut,cuts] [--workers 2] [--repeat 2] [--dir .sxflow-tmp/bench-shards] [--out DIR] [--baseline OTHER/dist|self] [--malloc jobs|glibc] [--baseline-malloc jobs|glibc]
 *
 * `--dir` holds the generated samples (made there once), `--out` the outputs (default: `--dir`).
 * `--baseline` names the `dist` directory of another build (say, a worktree of an earlier commit,
 * built): each repetition then runs every step with it right after this build's, and the figures
 * of both are printed, with the single runs' files checked to be the same bytes (`--baseline self`:
 * this build again, say with the other `--baseline-malloc`).
 * `--malloc` is the environment every step of this build runs in: `jobs` (the default) with the
 * GLIBC_TUNABLES that `sxflow submit`'s job files set (MALLOC_TUNABLES), the single run too, so
 * that both sides run alike; `glibc` with glibc's own defaults (no GLIBC_TUNABLES).
 * `--baseline-malloc` is the baseline's (default: the same as --malloc).
 *
 * Every step is the command a user runs (`sxflow run`, `sxflow run --shard i/n`, `sxflow merge`)
 * in a fresh process on the compiled package (built here). CPU is user + system time of that
 * process and its children (from the shell's `times`: every thread, start-up included); wall from
 * spawn to exit. One repetition runs every step of every case in turn (the single run first, then
 * the shards and merge of each count, then an empty shard); each step keeps its lowest CPU and
 * its lowest wall time over the repetitions, so that the baseline shares the machine's load. The
 * merged files are checked to be the single run's, byte for byte, every time.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { MALLOC_TUNABLES } from "../src/shards/submit/job.js";
import { icConfig, icSamples, option, ROOT } from "./ic-input.js";

const EVENTS = Number(option("events", "4000000"));
const COUNTS = option("shards", "2,8").split(",").map(Number);
const CASES = option("cases", "nocut,cuts").split(",");
const WORKERS = Number(option("workers", "2"));
const REPEAT = Number(option("repeat", "2"));
const DIR = path.resolve(ROOT, option("dir", ".sxflow-tmp/bench-shards"));
const OUT = path.resolve(ROOT, option("out", DIR));
const BASELINE = option("baseline", "");
const MALLOC = mallocMode(option("malloc", "jobs"));
const BASELINE_MALLOC = mallocMode(option("baseline-malloc", MALLOC));
const NAME = "ic_ttbar_wjets";
/** Events per shard of the projection (docs/scale-out.md), and the projected run. */
const SHARD_EVENTS = 1e7;
const RUN_EVENTS = 1e9;
const NODES = 100;

interface Step {
  wall: number;
  cpu: number;
  maxRssMB: number;
}

function mallocMode(mode: string): "jobs" | "glibc" {
  if (mode !== "jobs" && mode !== "glibc") throw new Error(`--malloc / --baseline-malloc: "jobs" or "glibc", not "${mode}"`);
  return mode;
}

/** A build whose CLI the steps run: this worktree's dist (built here), or the baseline's, and the environment they run in. */
interface Build {
  label: string;
  main: string;
  env: NodeJS.ProcessEnv;
}

/** The steps' environment: without GLIBC_TUNABLES, and with the jobs' for `jobs`. */
function mallocEnv(mode: "jobs" | "glibc"): NodeJS.ProcessEnv {
  const { GLIBC_TUNABLES: _, ...env } = process.env;
  return mode === "jobs" ? { ...env, GLIBC_TUNABLES: MALLOC_TUNABLES } : env;
}

/** `sxflow <args>` of `build` in a fresh process, as the CLI runs it; CPU of the process and its children from the shell's `times`. */
function sxflow(build: Build, args: string[]): Step {
  // Preloaded before the command: prints its exit status and peak RSS as it exits.
  const atExit = `process.on("exit", (status) => process.stdout.write("\\n" + JSON.stringify({ status, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + "\\n"));`;
  // `times` prints the shell's own user/system time, then its children's (the node process and everything it started).
  const shell = `"$0" --import "$1" "$2" "\${@:3}"; s=$?; times; exit $s`;
  const t = performance.now();
  const c = spawnSync("bash", ["-c", shell, process.execPath, `data:text/javascript,${encodeURIComponent(atExit)}`, build.main, ...args], { encoding: "utf8", maxBuffer: 1 << 24, env: build.env });
  const wall = (performance.now() - t) / 1000;
  const lines = c.stdout.trim().split("\n");
  const r = c.status === 0 ? (JSON.parse(lines.at(-3) ?? "") as { status: number; maxRssMB: number }) : undefined;
  if (!r || r.status !== 0) throw new Error(`benchmark step failed: sxflow ${args.join(" ")}\n${c.stderr}`);
  const seconds = (t: string) => t.split(/\s+/).reduce((sum, x) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(x);
    if (!m) throw new Error(`unexpected output of times: ${lines.at(-1)}`);
    return sum + Number(m[1]) * 60 + Number(m[2]);
  }, 0);
  return { wall, cpu: seconds(lines.at(-1)!), maxRssMB: r.maxRssMB };
}

/** The lowest CPU and the lowest wall time of two measurements of a step (and the larger RSS). */
function best(a: Step | undefined, b: Step): Step {
  return a ? { wall: Math.min(a.wall, b.wall), cpu: Math.min(a.cpu, b.cpu), maxRssMB: Math.max(a.maxRssMB, b.maxRssMB) } : b;
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const load = () => loadavg().map((l) => l.toFixed(1)).join(" ");
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
const sum = (steps: Step[], key: "wall" | "cpu") => steps.reduce((t, s) => t + s[key], 0);

/** Each split file's SHA-256, read in pieces: a no-cut case's training file is over 2 GiB, more than one Buffer holds. */
function outputHashes(dir: string): string[] {
  const piece = Buffer.alloc(16 << 20);
  return ["train", "val", "test"].map((s) => {
    const hash = createHash("sha256");
    const fd = openSync(path.join(dir, `${NAME}_${s}.h5`), "r");
    try {
      for (let n; (n = readSync(fd, piece)) > 0; ) hash.update(piece.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest("hex");
  });
}

interface Case {
  build: Build;
  name: string;
  title: string;
  config: () => string;
  out: string;
  single?: Step;
  empty?: Step;
  /** Per shard count: every shard's best, and the merge's. */
  shards: Map<number, { steps: (Step | undefined)[]; merge?: Step }>;
  passed: number;
}

async function makeCase(build: Build, name: string): Promise<Case> {
  const cuts = name === "cuts";
  if (!cuts && name !== "nocut") throw new Error(`--cases: unknown case "${name}" (nocut, cuts)`);
  const inputs = await icSamples(DIR, EVENTS, cuts ? 0.55 : 0);
  // The same output directory for both builds: it is part of the files' config attribute.
  const out = path.join(OUT, `out-${name}`);
  const title = cuts ? "the example's cuts on samples of dielectron 0.55" : "without cuts: every event reaches the outputs";
  const config = () => icConfig(inputs, out, "bench.yaml", cuts ? undefined : (doc) => doc.setIn(["cuts"], []));
  return { build, name, title, config, out, shards: new Map(COUNTS.map((n) => [n, { steps: Array.from({ length: n }, () => undefined) }])), passed: 0 };
}

const singleDir = (c: Case) => path.join(OUT, `single-${c.name}${c.build.label.startsWith("this build") ? "" : "-baseline"}`);

/** One repetition of a case: the single run, then each shard count's shards and merge, then an empty shard. */
function repeatCase(c: Case): void {
  const single = singleDir(c);
  const common = ["--workers", String(WORKERS), "--quiet"];
  const step = (args: string[]) => sxflow(c.build, args);
  rmSync(c.out, { recursive: true, force: true, maxRetries: 3 });
  const file = c.config();
  c.single = best(c.single, step(["run", file, ...common]));
  // The single run's outputs set aside: the shards and the merge use the same output.dir (it is in the files' config attribute).
  rmSync(single, { recursive: true, force: true });
  renameSync(c.out, single);
  c.passed = (JSON.parse(readFileSync(path.join(single, `${NAME}_report.json`), "utf8")) as { eventsPassed: number }).eventsPassed;
  c.config();
  for (const [n, s] of c.shards) {
    // Shard 0 of the first count finds no index of the inputs and scans them all (two files here), the others read it.
    for (let i = 0; i < n; i++) s.steps[i] = best(s.steps[i], step(["run", file, "--shard", `${i}/${n}`, ...common]));
    s.merge = best(s.merge, step(["merge", file, "--shards", String(n), ...common]));
    if (outputHashes(c.out).join() !== outputHashes(single).join()) throw new Error(`${c.name}, ${n} shards (${c.build.label}): the merged files differ from the single run's`);
    for (let i = 0; i < n; i++) rmSync(path.join(c.out, "shards", `${i}-of-${n}`), { recursive: true, force: true });
  }
  // A shard without tasks (one of more shards than there are tasks): a shard process's start
  // (configuration, worker threads, the index and one input's metadata), without its warm-up.
  c.empty = best(c.empty, step(["run", file, "--shard", "9999/10000", ...common]));
}

/** A straight line through two points: `fixed + perUnit * x`. */
interface Line {
  fixed: number;
  perUnit: number;
}

function line(x0: number, y0: number, x1: number, y1: number): Line {
  const perUnit = (y1 - y0) / (x1 - x0);
  return { fixed: y0 - perUnit * x0, perUnit };
}

/**
 * The merge's cost as a line in the rows it moves, through the merges of the two cases (their
 * selections differ tenfold); with one case, its fixed part taken as an empty shard's.
 */
function mergeLines(cases: Case[]): { cpu: Line; wall: Line } {
  const points = cases.map((c) => ({ rows: c.passed, m: c.shards.get(COUNTS[0]!)!.merge!, e: c.empty! }));
  const [a, b] = [points[0]!, points.at(-1)!];
  if (a.rows === b.rows) return { cpu: line(0, a.e.cpu, a.rows, a.m.cpu), wall: line(0, a.e.wall, a.rows, a.m.wall) };
  return { cpu: line(a.rows, a.m.cpu, b.rows, b.m.cpu), wall: line(a.rows, a.m.wall, b.rows, b.m.wall) };
}

/** The figures of a case: each shard count's against the single run, then the fits and the projection. */
function report(c: Case, merge: { cpu: Line; wall: Line }): Record<string, unknown> {
  const s = c.single!;
  const e = c.empty!;
  console.log(`\n${c.name} (${c.build.label}): ${fmt(EVENTS)} events, ${c.title}; ${fmt(c.passed)} pass (${((100 * c.passed) / EVENTS).toFixed(1)} %)`);
  console.log(`  single run:    wall ${s.wall.toFixed(1)} s, CPU ${s.cpu.toFixed(1)} s, peak RSS ${fmt(s.maxRssMB)} MB`);
  const totals: { n: number; cpu: number; wall: number }[] = [];
  for (const [n, { steps, merge: m }] of c.shards) {
    const st = steps.map((x) => x!);
    const cpu = sum(st, "cpu");
    totals.push({ n, cpu, wall: sum(st, "wall") });
    console.log(
      `  ${n} shards of ${fmt(EVENTS / n)} events: CPU ${cpu.toFixed(1)} s in all (${Math.min(...st.map((x) => x.cpu)).toFixed(1)}-${Math.max(...st.map((x) => x.cpu)).toFixed(1)} s each), ` +
        `wall ${Math.min(...st.map((x) => x.wall)).toFixed(1)}-${Math.max(...st.map((x) => x.wall)).toFixed(1)} s each, peak RSS ${fmt(Math.max(...st.map((x) => x.maxRssMB)))} MB`,
    );
    console.log(`    merge:       wall ${m!.wall.toFixed(1)} s, CPU ${m!.cpu.toFixed(1)} s, peak RSS ${fmt(m!.maxRssMB)} MB (files identical to the single run's)`);
    console.log(`    shards + merge CPU ${(cpu + m!.cpu).toFixed(1)} s vs ${s.cpu.toFixed(1)} s: ${pct((cpu + m!.cpu) / s.cpu - 1)} (target <= +10 %); merge wall ${((100 * m!.wall) / s.wall).toFixed(0)} % of the single run's (target <= 25 %)`);
  }
  console.log(`  empty shard:   wall ${e.wall.toFixed(2)} s, CPU ${e.cpu.toFixed(2)} s (a process, its modules, worker threads, the index: no warm-up)`);
  const [a, b] = [totals[0]!, totals.at(-1)!];
  if (a.n === b.n) return { single: s, empty: e };
  // The shards' total = per-event part + n * fixed part: the fixed cost of a shard process from the two counts.
  const cpu = line(a.n, a.cpu, b.n, b.cpu);
  const wall = line(a.n, a.wall, b.n, b.wall);
  const cpuPerEvent = cpu.fixed / EVENTS;
  console.log(
    `  fit over the two shard sizes: ${cpu.perUnit.toFixed(2)} s CPU fixed per shard process (${(cpu.perUnit - e.cpu).toFixed(2)} s more than an empty shard: warm-up), ` +
      `${(cpuPerEvent * 1e6).toFixed(2)} us CPU per event; the single run: ${((s.cpu / EVENTS) * 1e6).toFixed(2)} us per event with its start and second pass, ` +
      `${(((s.cpu - cpu.perUnit) / EVENTS) * 1e6).toFixed(2)} us without its start (a process's fixed cost, as a shard's)`,
  );
  // At scale (1e9 events in shards of 1e7): the single run, the shards and the merge grow with
  // the events (the merge with the rows that pass, on the line through the two cases' merges);
  // the single run pays one process's fixed cost, the shards one each.
  const rows = (RUN_EVENTS * c.passed) / EVENTS;
  const shardCount = RUN_EVENTS / SHARD_EVENTS;
  const singleCpu = cpu.perUnit + (RUN_EVENTS * (s.cpu - cpu.perUnit)) / EVENTS;
  const singleWall = wall.perUnit + (RUN_EVENTS * (s.wall - wall.perUnit)) / EVENTS;
  const mergeCpu = merge.cpu.fixed + rows * merge.cpu.perUnit;
  const mergeWall = merge.wall.fixed + rows * merge.wall.perUnit;
  const shardsCpuAt = (size: number) => RUN_EVENTS * cpuPerEvent + (RUN_EVENTS / size) * cpu.perUnit;
  const shardsCpu = shardsCpuAt(SHARD_EVENTS);
  for (const size of [SHARD_EVENTS, 10 * SHARD_EVENTS]) {
    console.log(
      `  with shards of ${fmt(size)} events (${fmt(RUN_EVENTS)} events, ${fmt(RUN_EVENTS / size)} shards): shards + merge CPU ${pct((shardsCpuAt(size) + mergeCpu) / singleCpu - 1)} (target <= +10 %)` +
        (size === SHARD_EVENTS ? `, merge wall ${((100 * mergeWall) / singleWall).toFixed(0)} % of the single run's (target <= 25 %)` : ""),
    );
  }
  // The shard size from which shards + merge stay within +10 %: the shards' fixed costs may take
  // what is left of 1.1 x the single run once their per-event part and the merge are paid.
  const room = 1.1 * singleCpu - RUN_EVENTS * cpuPerEvent - mergeCpu;
  const breakEven = (RUN_EVENTS * cpu.perUnit) / room;
  console.log(
    room > 0
      ? `  shards + merge within +10 % from shards of ${fmt(breakEven)} events (${(breakEven * cpuPerEvent + cpu.perUnit).toFixed(0)} s of CPU each)`
      : "  shards + merge exceed +10 % at any shard size: their per-event costs and the merge alone do",
  );
  // 1e9 events on 100 nodes: each node runs its shard of 1e7 events (a shard's fixed wall time,
  // then the measured per-event time), then one node merges every row that passed.
  const node = (shardCount / NODES) * (wall.perUnit + (SHARD_EVENTS * wall.fixed) / EVENTS);
  console.log(
    `  projection, ${fmt(RUN_EVENTS)} events on ${NODES} nodes (${WORKERS} workers each): shards ${(node / 60).toFixed(1)} min (${fmt(EVENTS / wall.fixed)} events/s per node) ` +
      `+ merge ${(mergeWall / 60).toFixed(1)} min (${fmt(1 / merge.wall.perUnit)} rows/s) = ${((node + mergeWall) / 60).toFixed(1)} min; one machine: ${(singleWall / 3600).toFixed(1)} h`,
  );
  return { single: s, empty: e, shardCpu: cpu, shardWall: wall, atScale: { singleCpu, shardsCpu, mergeCpu, mergeWall, singleWall }, projectionMinutes: (node + mergeWall) / 60 };
}

async function main(): Promise<void> {
  console.log(`sxflow bench:shards  ${new Date().toISOString()}  ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), load ${load()}`);
  execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: "inherit" });
  const own = path.join(ROOT, "dist", "cli", "main.js");
  const builds: Build[] = [{ label: `this build, malloc: ${MALLOC}`, main: own, env: mallocEnv(MALLOC) }];
  if (BASELINE) {
    const main = BASELINE === "self" ? own : path.resolve(BASELINE, "cli", "main.js");
    builds.push({ label: `baseline ${BASELINE === "self" ? "(this build)" : BASELINE}, malloc: ${BASELINE_MALLOC}`, main, env: mallocEnv(BASELINE_MALLOC) });
  }
  const cases = new Map<Build, Case[]>();
  for (const b of builds) cases.set(b, await Promise.all(CASES.map((name) => makeCase(b, name))));
  const loads: string[] = [load()];
  for (let r = 0; r < REPEAT; r++) {
    for (const [i, name] of CASES.entries()) {
      for (const b of builds) repeatCase(cases.get(b)![i]!);
      // Both builds convert the same inputs with the same configuration: the same bytes.
      if (BASELINE) {
        const [mine, theirs] = builds.map((b) => cases.get(b)![i]!);
        if (outputHashes(singleDir(mine!)).join() !== outputHashes(singleDir(theirs!)).join()) throw new Error(`${name}: the single runs' files differ between this build and the baseline`);
      }
    }
    loads.push(load());
  }
  console.log(`\n${WORKERS} workers per process, uncompressed, best of ${REPEAT} interleaved; load average (1, 5, 15 min) before and after each repetition: ${loads.join(" | ")}`);
  const results: Record<string, unknown> = {};
  for (const b of builds) {
    const mine = cases.get(b)!;
    const merge = mergeLines(mine);
    console.log(`\n${b.label}: merge, fitted over the cases' merges (${COUNTS[0]} shards): ${merge.cpu.fixed.toFixed(2)} s CPU + ${(merge.cpu.perUnit * 1e6).toFixed(2)} us per row; wall ${merge.wall.fixed.toFixed(2)} s + ${(merge.wall.perUnit * 1e6).toFixed(2)} us per row`);
    results[b.label] = Object.fromEntries(mine.map((c) => [c.name, { ...report(c, merge), passed: c.passed, shards: Object.fromEntries([...c.shards].map(([n, x]) => [n, x])) }]));
  }
  writeFileSync(path.join(OUT, `results-${EVENTS}.json`), `${JSON.stringify({ events: EVENTS, workers: WORKERS, loads, results }, null, 2)}\n`);
}

await main();
