/**
 * ROOT reading benchmark (npm run bench:root).
 *
 * 1. Codec micro benchmarks (benchmark.js) on the real baskets of the HZZ files: sxflow's
 *    decompressBasket against JSROOT's R__unzip, plus the LZ4 decoder and XXH64 alone.
 * 2. Per file: sxflow's reader against JSROOT in the same run, every value of the chosen branches
 *    read and summed (the sums are compared), with decompression timed alone to split the time.
 *
 * MB = uncompressed basket payload of the chosen branches (offset tables included). Single thread.
 * Options: --quick (fewer repetitions), --no-micro, --no-files, --only <substrings of file names, comma-separated>,
 * --pairs N (interleaved pairs of the open + read comparison, default 7), --open-read-only (per file
 * only that comparison, without the best-of series), --baseline DIR (the compiled package of an
 * earlier version, its dist/, as a third reader in the same interleaving: before and after in one run),
 * --unequal-idle (the interleaving without equal idle before each run; see interleaved).
 * Whole reads time the built package: run `npm run build` first (root-dist.ts).
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type ChildProcess, fork } from "node:child_process";
import { inflateSync } from "node:zlib";
import Benchmark from "benchmark";
import type { BranchInfo } from "../src/root/tree.js";
import { SHARED_ROOT_DIR } from "../test/shared-data.js";
import { codecsOf, type StoredBasket, storedBaskets } from "./root-baskets.js";
import { jsrootRead, jsrootTree, loadJsroot } from "./root-jsroot.js";
import { xxh64 as xxh64Js } from "./root-xxh64-js.js";
import { floatVectorDecoder, sxflowIterate, sxflowRead, withTree } from "./root-sxflow.js";
import type { ProcessReply, ProcessRequest } from "./root-reader-process-task.js";
import { sxflowPackage } from "./root-dist.js";
// The codec micro benchmarks and "decompress alone" call internals, which the package does not
// export: from src/ (through tsx). Whole reads time the built package (root-dist.ts).
import { decompressBasket } from "../src/root/compression/index.js";
import { lz4DecodeBlock } from "../src/root/compression/lz4.js";
import { lz4WithChecksum, xxh64 } from "../src/root/compression/kernels.js";

const { openRoot } = await sxflowPackage();

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const MICRO = !args.includes("--no-micro");
const FILES = !args.includes("--no-files");
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1]!.split(",") : undefined;
const OPEN_READ_ONLY = args.includes("--open-read-only");
const UNEQUAL_IDLE = args.includes("--unequal-idle");
const BASELINE = args.includes("--baseline") ? path.resolve(args[args.indexOf("--baseline") + 1]!) : undefined;
/** Minimum warm-up and timed durations per series (see timeRuns). */
const WARM_MS = QUICK ? 50 : 150;
const WINDOW_MS = QUICK ? 100 : 300;
/** Pairs of runs in the interleaved "open + read" comparison. */
const INTERLEAVED_RUNS = args.includes("--pairs") ? Number(args[args.indexOf("--pairs") + 1]) : QUICK ? 3 : 7;
/** Node's collector when run with --expose-gc (the npm script does). */
const collect = (globalThis as { gc?: () => void }).gc;

interface ExpectedBranch {
  type: string;
  kind?: string;
  skipped?: string;
  /** uproot's sum of every value of the branch ("NaN" as a string where a value is NaN). */
  sum?: number | string;
}
type Expected = Record<string, Record<string, { entries: number; branches: Record<string, ExpectedBranch> }>>;
const EXPECTED = JSON.parse(readFileSync(path.join(SHARED_ROOT_DIR, "expected.json"), "utf8")) as Expected;

interface Case {
  file: string;
  /** Restricts the branches (default: every branch uproot could read as numbers). */
  select?: { label: string; keep: (b: ExpectedBranch, name: string) => boolean };
}

const FLOAT_VECTORS = { label: "float vectors only", keep: (b: ExpectedBranch) => b.kind === "jagged" && /^(float\[\]|std::vector<float>)$/.test(b.type) };

const CASES: Case[] = [
  { file: "uproot-HZZ-zlib.root" },
  { file: "uproot-HZZ-lz4.root" },
  { file: "uproot-HZZ-zstd.root" },
  { file: "uproot-HZZ-lzma.root" },
  { file: "uproot-HZZ-uncompressed.root" },
  { file: "uproot-HZZ.root" },
  { file: "uproot-HZZ-objects.root" },
  { file: "hepconvert-test1.root" },
  { file: "unroot-tree_with_large_array.root" },
  { file: "unroot-tree_with_large_array_lz4.root" },
  { file: "unroot-tree_with_large_array_lzma.root" },
  { file: "uproot-issue412.root" },
  { file: "uproot-hepdata-example.root" },
  { file: "uproot-issue-816.root" },
  { file: "uproot-issue-1070.root" },
  { file: "unroot-tree_with_clusters.root" },
  { file: "unroot-tree_with_int_array_zstd.root" },
  { file: "unroot-tree_with_jagged_array.root" },
  { file: "unroot-tree_with_jagged_array_double.root" },
  { file: "unroot-tree_with_vector_multiple_baskets.root" },
  { file: "uproot-empty.root" },
  // The *_VecOps branches are vectors with RVec's allocator, which JSROOT cannot read either.
  { file: "uproot-issue-172.root", select: { label: "without *_VecOps branches, which JSROOT cannot read", keep: (_, name) => !name.endsWith("_VecOps") } },
  // JSROOT 7.11.2 cannot read RVec<T> branches (it looks for a streamer of "float,ROOT::Detail::
  // VecOps::RAdoptAllocator<float>" and then fails outside the promise chain, ending the process).
  { file: "uproot-issue-589.root", select: { label: "without RVec branches, which JSROOT cannot read", keep: (b) => !b.type.startsWith("RVec<") } },
  { file: "uproot-sample-5.30.00-zlib.root" },
  { file: "uproot-sample-6.20.04-lz4.root" },
  { file: "uproot-sample-6.20.04-uncompressed.root" },
  { file: "uproot-sample-6.20.04-zlib.root" },
  { file: "uproot-small-dy-nooffsets.root" },
  { file: "uproot-small-dy-withoffsets.root" },
  { file: "uproot-stl_containers.root" },
  { file: "uproot-vectorVectorDouble.root" },
  { file: "uproot-HZZ-uncompressed.root", select: FLOAT_VECTORS },
  { file: "uproot-HZZ-zlib.root", select: FLOAT_VECTORS },
  { file: "uproot-issue-816.root", select: FLOAT_VECTORS },
];

/**
 * The tree and the branches to read: those uproot reads as numbers (expected.json) that sxflow's
 * reader decodes as numbers (not std::map/std::set, not strings), or for files where uproot reads
 * none (uproot-hepdata-example, uproot-vectorVectorDouble) the numeric branches sxflow supports.
 * Flat branches come first: JSROOT needs counters before the arrays they count.
 */
async function treeAndBranches(c: Case): Promise<{ tree: string; entries: number; branches: string[] }> {
  const keep = c.select?.keep ?? (() => true);
  const flatFirst = (x: [string, ExpectedBranch][]) =>
    x
      .filter(([n, b]) => !b.skipped && b.kind !== undefined && keep(b, n))
      .sort(([, a], [, b]) => Number(a.kind !== "flat") - Number(b.kind !== "flat"))
      .map(([n]) => n);
  const f = await openRoot(path.join(SHARED_ROOT_DIR, c.file));
  try {
    const trees = EXPECTED[c.file] ?? {};
    const treeName = Object.keys(trees)[0] ?? f.treeNames()[0]!;
    const tree = await f.tree(treeName);
    const numeric = (b: BranchInfo) => b.supported && !b.strings;
    // expected.json names branches by uproot's paths, which the tree also accepts.
    const readable = (name: string) => {
      try {
        return numeric(tree.branch(name));
      } catch {
        return false;
      }
    };
    const fromUproot = flatFirst(Object.entries(trees[treeName]?.branches ?? {}).filter(([n]) => readable(n)));
    const branches =
      fromUproot.length > 0 ? fromUproot : flatFirst(tree.branches.filter(numeric).map((b): [string, ExpectedBranch] => [b.name, { type: b.typeName, kind: b.kind }]));
    return { tree: tree.name, entries: tree.entries, branches };
  } finally {
    await f.close();
  }
}

/**
 * Best and median of at least `n` timed runs lasting together at least WINDOW_MS, after warm-up
 * runs lasting at least 3 runs and WARM_MS. The same rule for both readers: a fixed single warm-up
 * run left sxflow's few-millisecond reads timed before the JIT had optimised them (what earlier
 * tables reported as "open cost"), while JSROOT's long runs warmed up within themselves.
 */
async function timeRuns(n: number, fn: () => Promise<unknown>): Promise<{ best: number; median: number }> {
  // Start every series with an empty young generation: otherwise the garbage of the previous
  // series (JSROOT's per-entry objects above all) is collected during this one's runs.
  collect?.();
  const warmStart = performance.now();
  for (let i = 0; i < 50 && (i < 3 || performance.now() - warmStart < WARM_MS); i++) await fn(); // JIT, page cache, lazy WASM
  const times: number[] = [];
  const start = performance.now();
  while (times.length < 200 && (times.length < n || performance.now() - start < WINDOW_MS)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return { best: times[0]!, median: times[Math.floor(times.length / 2)]! };
}

/** A reader in a child process of its own (bench/root-reader-process-task.ts), kept for the whole run. */
class ReaderProcess {
  private readonly child: ChildProcess;

  /** `dist`: another compiled sxflow package to time (root-dist.ts). */
  constructor(reader: "sxflow" | "jsroot", dist?: string) {
    const env = dist ? { ...process.env, SXFLOW_BENCH_DIST: dist } : process.env;
    this.child = fork(fileURLToPath(new URL("./root-reader-process.mjs", import.meta.url)), [reader], { stdio: ["ignore", "inherit", "inherit", "ipc"], env, serialization: "advanced" });
  }

  call(m: ProcessRequest): Promise<ProcessReply> {
    return new Promise((resolve, reject) => {
      const failed = (err: Error) => reject(err);
      const exited = (code: number | null) => reject(new Error(`reader process exited (${code})`));
      this.child.once("error", failed);
      this.child.once("exit", exited);
      this.child.once("message", (r: ProcessReply) => {
        this.child.off("error", failed);
        this.child.off("exit", exited);
        if ("error" in r) reject(new Error(r.error));
        else resolve(r);
      });
      this.child.send(m);
    });
  }

  close(): void {
    this.child.disconnect();
  }
}

type Medians = Record<"sx" | "js" | "sxCpu" | "jsCpu", number> & { base?: number; baseCpu?: number };
type Readers = { sx: ReaderProcess; js: ReaderProcess; base?: ReaderProcess };

/**
 * The issue's "open + read" figure, each reader in its own process: both warmed up there
 * (timeRuns' rule), then `n` pairs of runs after two warm-up pairs, sxflow then JSROOT, one
 * process running while the other waits; each run opens the file, reads the tree metadata and
 * every value, and closes it. Medians of the wall time measured in the reader's process and of
 * that process's CPU time over the run (all its threads, and only its own: the wall time also
 * holds the waits for a core on a shared machine, the CPU time does not). As in a process
 * reading many files, no collection is forced between runs.
 *
 * `primed`: each timed run comes right after an untimed run of the same reader, as when a
 * process reads file after file. Otherwise each run follows the other reader's run, which has
 * evicted much of the caches: a tiny file's run then costs several times its steady cost for
 * both readers (see bench/README.md).
 *
 * Equal idle: in the plain interleaving, a process left idle longer starts its run colder (its
 * core runs other work, its caches are refilled; measured on this machine: jagged_array's run
 * 49-74 us right after the previous one, 69-113 after 0.1 ms idle, 128-157 after 1 ms, 218-247
 * after 2 ms). Each reader idles while the other runs, so the faster one waited the slower one's
 * whole run and paid far more for it. Every plain run therefore starts `idleMs` after that
 * reader's previous run ended, the same for both: a little more than the slower reader's run
 * (warm-up median), so each waits about what the faster one waited before (--unequal-idle: the
 * former protocol).
 *
 * With a baseline (an earlier sxflow), each round runs it and sxflow in alternating order, then
 * JSROOT: both sxflow builds follow JSROOT and each other equally often. Compare sxflow with its
 * baseline then; the sxflow/JSROOT ratio of the issue is the run without one.
 */
async function interleaved(n: number, readers: Readers, primed: boolean, idleMs: number): Promise<Medians> {
  const runs: Record<"sx" | "js" | "sxCpu" | "jsCpu" | "base" | "baseCpu", number[]> = { sx: [], js: [], sxCpu: [], jsCpu: [], base: [], baseCpu: [] };
  type Run = { wall: number; cpu: number };
  const run = async (r: ReaderProcess) => (await r.call({ op: "run", primed, idleMs })) as Run;
  for (let i = -2; i < n; i++) {
    let a: Run;
    let base: Run | undefined;
    if (readers.base && i % 2 === 0) {
      base = await run(readers.base);
      a = await run(readers.sx);
    } else {
      a = await run(readers.sx);
      if (readers.base) base = await run(readers.base);
    }
    const b = await run(readers.js);
    if (i < 0) continue;
    runs.sx.push(a.wall);
    runs.sxCpu.push(a.cpu);
    runs.js.push(b.wall);
    runs.jsCpu.push(b.cpu);
    if (base) {
      runs.base.push(base.wall);
      runs.baseCpu.push(base.cpu);
    }
  }
  const median = (x: number[]) => x.sort((p, q) => p - q)[Math.floor(x.length / 2)]!;
  const m: Medians = { sx: median(runs.sx), js: median(runs.js), sxCpu: median(runs.sxCpu), jsCpu: median(runs.jsCpu) };
  if (readers.base) {
    m.base = median(runs.base);
    m.baseCpu = median(runs.baseCpu);
  }
  return m;
}

async function decompressAll(baskets: StoredBasket[]): Promise<void> {
  for (const b of baskets) await decompressBasket(b.payload, b.objlen, b.branch);
}

const mb = (bytes: number) => bytes / 1e6;
const f1 = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0));

// ---------------------------------------------------------------------------------------------
// 1. Codec micro benchmarks

function runSuite(suite: Benchmark.Suite): Promise<void> {
  return new Promise((resolve) => {
    suite.on("complete", () => resolve());
    suite.run({ async: true });
  });
}

async function micro(): Promise<string[]> {
  const js = await loadJsroot();
  const rows: string[] = [
    "| codec | file | blocks | MB out | implementation | MB/s mean (±%) | MB/s best sample |",
    "|---|---|---|---|---|---|---|",
  ];
  // On a shared machine the mean swings with other processes' load; the best sample shows the
  // code's own speed.
  const cells = (bm: Benchmark, bytes: number) =>
    `${f1(mb(bytes) * bm.hz)} (±${bm.stats.rme.toFixed(0)}%) | ${f1(mb(bytes) / Math.min(...bm.stats.sample))}`;
  const opts = { maxTime: QUICK ? 0.3 : 1, minSamples: 5 };
  for (const file of ["uproot-HZZ-zlib.root", "uproot-HZZ-lz4.root", "uproot-HZZ-zstd.root", "uproot-HZZ-lzma.root"]) {
    const full = path.join(SHARED_ROOT_DIR, file);
    const { tree: treeName, branches } = await treeAndBranches({ file });
    const baskets = storedBaskets(full, await jsrootTree(full, treeName), branches).filter((b) => b.payload.length !== b.objlen);
    const codec = codecsOf(baskets);
    const bytes = baskets.reduce((n, b) => n + b.objlen, 0);
    // Warm up first: one-time WASM instantiation and JIT would otherwise land in the samples.
    for (let i = 0; i < 5; i++) {
      await decompressAll(baskets);
      for (const b of baskets) await js.R__unzip(new DataView(b.payload.buffer, b.payload.byteOffset, b.payload.length), b.objlen, true);
    }
    const suite = new Benchmark.Suite();
    const deferred = (name: string, fn: () => Promise<unknown>) =>
      suite.add(name, { ...opts, defer: true, fn: (d: { resolve(): void }) => void fn().then(() => d.resolve()) });
    deferred("sxflow decompressBasket", () => decompressAll(baskets));
    deferred("JSROOT R__unzip", async () => {
      for (const b of baskets) {
        const v = await js.R__unzip(new DataView(b.payload.buffer, b.payload.byteOffset, b.payload.length), b.objlen, true);
        if (!v) throw new Error(`JSROOT failed on a ${codec} basket of ${file}`);
      }
    });
    if (codec === "zlib") {
      suite.add("node:zlib inflateSync alone", { ...opts, fn: () => baskets.forEach((b) => inflateSync(b.payload.subarray(9))) });
    }
    if (codec === "lz4") {
      const outs = baskets.map((b) => new Uint8Array(b.objlen));
      // Single-block baskets only (all of HZZ-lz4's), so each payload is one header + one block.
      suite.add("sxflow LZ4 + XXH64 WebAssembly kernels alone", {
        ...opts,
        fn: () =>
          baskets.forEach((b, i) => {
            if (!lz4WithChecksum(b.payload, 9, b.payload.length, outs[i]!, 0, b.objlen).ok) throw new Error(`${file}: bad L4 block`);
          }),
      });
      suite.add("JavaScript LZ4 block decoder alone (error path)", {
        ...opts,
        fn: () => baskets.forEach((b, i) => lz4DecodeBlock(b.payload, 17, b.payload.length, outs[i]!, 0, b.objlen)),
      });
      suite.add("sxflow XXH64 WebAssembly alone (of compressed data)", { ...opts, fn: () => baskets.forEach((b) => xxh64(b.payload, 17, b.payload.length)) });
      suite.add("XXH64 in JavaScript alone (of compressed data; before 2026-11-26)", { ...opts, fn: () => baskets.forEach((b) => xxh64Js(b.payload, 17, b.payload.length)) });
    }
    await runSuite(suite);
    suite.forEach((bm: Benchmark) => {
      const compressedBytes = baskets.reduce((n, b) => n + b.payload.length, 0);
      // The checksum runs over compressed bytes: report its rate in those.
      const per = bm.name?.includes("of compressed data") ? compressedBytes : bytes;
      rows.push(`| ${codec} | ${file} | ${baskets.length} | ${mb(per).toFixed(3)} | ${bm.name} | ${cells(bm, per)} |`);
    });
  }
  const big = new Uint8Array(4 << 20);
  for (let i = 0; i < big.length; i++) big[i] = Math.imul(i, 2654435761) >>> 24;
  const suite = new Benchmark.Suite()
    .add("sxflow XXH64 WebAssembly, one 4 MiB buffer (copy in included)", { ...opts, fn: () => xxh64(big) })
    .add("XXH64 in JavaScript, one 4 MiB buffer (before 2026-11-26)", { ...opts, fn: () => xxh64Js(big) });
  await runSuite(suite);
  suite.forEach((bm: Benchmark) => rows.push(`| xxh64 | synthetic | 1 | ${mb(big.length).toFixed(3)} | ${bm.name} | ${cells(bm, big.length)} |`));
  return rows;
}

// ---------------------------------------------------------------------------------------------
// 2. Files: sxflow's reader against JSROOT

/** uproot's per-branch sums (expected.json), for the branches where it has them. */
function uprootSums(file: string, tree: string, branches: string[]): Map<string, number> {
  const listed = EXPECTED[file]?.[tree]?.branches ?? {};
  return new Map(branches.filter((b) => listed[b]?.sum !== undefined).map((b) => [b, Number(listed[b]!.sum)]));
}

/** "yes" when every branch of `reference` has the same sum in `a`, else the branches that differ. */
function sumsAgree(reference: Map<string, number>, a: Map<string, number>): string {
  if (reference.size === 0) return "n/a";
  const bad: string[] = [];
  for (const [k, y] of reference) {
    const x = a.get(k);
    if (x === undefined || !(x === y || Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y)) || (Number.isNaN(x) && Number.isNaN(y)))) bad.push(k);
  }
  return bad.length === 0 ? "yes" : `NO: ${bad.slice(0, 3).join(", ")}${bad.length > 3 ? ` +${bad.length - 3}` : ""}`;
}

const OPEN_READ_HEAD =
  (BASELINE ? "baseline -> sxflow, interleaved, wall ms (CPU ms) | same, primed | " : "") +
  `open + read, interleaved${UNEQUAL_IDLE ? "" : " with equal idle"}, median of ${INTERLEAVED_RUNS}, each reader in its own process: sxflow ms / JSROOT ms | speed-up (open + read) | same runs, CPU ms: sxflow / JSROOT | speed-up (CPU) | ` +
  `each run right after an untimed one of the same reader, wall ms: sxflow / JSROOT | speed-up | same runs, CPU ms | speed-up (CPU) | load average | sums agree | sxflow = uproot | JSROOT = uproot |`;

/** The issue's open + read comparison of one file in the reader processes (see interleaved), with each reader's sums. */
async function openRead(readers: Readers, job: { file: string; tree: string; branches: string[] }) {
  const warm = await Promise.all(
    [readers.sx, readers.js, ...(readers.base ? [readers.base] : [])].map(
      async (r) => (await r.call({ op: "warm", ...job, warmMs: WARM_MS })) as { sums: [string, number][]; runMs: number },
    ),
  );
  const [ours, theirs, before] = warm.map((w) => new Map(w.sums));
  if (before && sumsAgree(before, ours!) !== "yes") throw new Error(`${job.file}: the baseline's sums differ from sxflow's: ${sumsAgree(before, ours!)}`);
  // A little more than the slowest reader's run and the messages around it (see interleaved).
  const idleMs = UNEQUAL_IDLE ? 0 : 1.2 * Math.max(...warm.map((w) => w.runMs)) + 0.5;
  const own = await interleaved(INTERLEAVED_RUNS, readers, false, idleMs);
  const primed = await interleaved(INTERLEAVED_RUNS, readers, true, 0);
  return { ours: ours!, theirs: theirs!, own, primed };
}

function openReadCells(r: Awaited<ReturnType<typeof openRead>>, uproot: Map<string, number>): string {
  const { own, primed } = r;
  const baseline = (m: Medians) =>
    m.base === undefined ? "" : `${m.base.toFixed(2)} -> ${m.sx.toFixed(2)} (CPU ${m.baseCpu!.toFixed(2)} -> ${m.sxCpu.toFixed(2)}) | `;
  return (
    baseline(own) +
    baseline(primed) +
    `${own.sx.toFixed(2)} / ${own.js.toFixed(1)} | ${(own.js / own.sx).toFixed(1)}× | ` +
    `${own.sxCpu.toFixed(2)} / ${own.jsCpu.toFixed(1)} | ${(own.jsCpu / own.sxCpu).toFixed(1)}× | ` +
    `${primed.sx.toFixed(2)} / ${primed.js.toFixed(1)} | ${(primed.js / primed.sx).toFixed(1)}× | ` +
    `${primed.sxCpu.toFixed(2)} / ${primed.jsCpu.toFixed(1)} | ${(primed.jsCpu / primed.sxCpu).toFixed(1)}× | ${os.loadavg()[0]!.toFixed(1)} | ${sumsAgree(r.theirs, r.ours)} | ` +
    `${sumsAgree(uproot, r.ours)} | ${sumsAgree(uproot, r.theirs)} |`
  );
}

async function files(): Promise<string[]> {
  const rows = OPEN_READ_ONLY
    ? [`| file | branches | entries | ${OPEN_READ_HEAD}`, `|---|---|---|${"---|".repeat(BASELINE ? 14 : 12)}`]
    : [
        "| file | codec | branches | entries | MB | decompress alone MB/s | sxflow ms best / median | sxflow MB/s | sxflow events/s | iterate only ms (file open) | rest MB/s (iterate − decompress) | decode alone MB/s | JSROOT ms best / median | JSROOT MB/s | JSROOT events/s | speed-up (best / median) | " +
          OPEN_READ_HEAD,
        `|${"---|".repeat(BASELINE ? 29 : 27)}`,
      ];
  const readers: Readers = { sx: new ReaderProcess("sxflow"), js: new ReaderProcess("jsroot") };
  if (BASELINE) readers.base = new ReaderProcess("sxflow", BASELINE);
  for (const c of CASES) {
    if (ONLY && !ONLY.some((o) => c.file.includes(o))) continue;
    const full = path.join(SHARED_ROOT_DIR, c.file);
    const { tree, entries, branches } = await treeAndBranches(c);
    const label = c.file.replace(/\.root$/, "") + (c.select ? ` (${c.select.label})` : "");
    const uproot = uprootSums(c.file, tree, branches);
    const job = { file: full, tree, branches };
    if (OPEN_READ_ONLY) {
      rows.push(`| ${label} | ${branches.length} | ${entries} | ${openReadCells(await openRead(readers, job), uproot)}`);
      console.error(rows[rows.length - 1]);
      continue;
    }
    const baskets = storedBaskets(full, await jsrootTree(full, tree), branches);
    const bytes = baskets.reduce((n, b) => n + b.objlen, 0);
    const n = QUICK ? 3 : 7;
    const dec = await timeRuns(n, () => decompressAll(baskets));
    let ours: Map<string, number> = new Map();
    const sx = await timeRuns(n, async () => {
      ours = await sxflowRead(full, tree, branches);
    });
    const it = await withTree(full, tree, (t) => timeRuns(n, () => sxflowIterate(t, branches)));
    const decodeOnly = c.select === FLOAT_VECTORS ? await timeRuns(n, await floatVectorDecoder(full, tree, branches)) : undefined;
    let theirs: Map<string, number> = new Map();
    const js = await timeRuns(QUICK ? 1 : 3, async () => {
      theirs = await jsrootRead(full, tree, branches);
    });
    const r = await openRead(readers, job);
    const rest = it.best - dec.best;
    rows.push(
      `| ${label} | ${codecsOf(baskets)} | ${branches.length} | ${entries} | ${mb(bytes).toFixed(3)} | ${f1(mb(bytes) / (dec.best / 1000))} | ` +
        `${sx.best.toFixed(1)} / ${sx.median.toFixed(1)} | ${f1(mb(bytes) / (sx.best / 1000))} | ${rate(entries / (sx.best / 1000))} | ` +
        `${it.best.toFixed(1)} | ${rest > 0 ? f1(mb(bytes) / (rest / 1000)) : "n/a"} | ${decodeOnly ? f1(mb(bytes) / (decodeOnly.best / 1000)) : ""} | ${js.best.toFixed(1)} / ${js.median.toFixed(1)} | ` +
        `${f1(mb(bytes) / (js.best / 1000))} | ${rate(entries / (js.best / 1000))} | ${(js.best / sx.best).toFixed(1)}× / ${(js.median / sx.median).toFixed(1)}× | ` +
        openReadCells({ ...r, ours, theirs }, uproot),
    );
    console.error(rows[rows.length - 1]);
  }
  readers.sx.close();
  readers.js.close();
  readers.base?.close();
  return rows;
}

const load = os.loadavg().map((x) => x.toFixed(1)).join(" ");
const out: string[] = [`Node ${process.version}, ${os.cpus().length} CPUs, load average ${load} at start, ${new Date().toISOString()}, single thread`, ""];
if (MICRO) out.push("### Codecs (benchmark.js, real HZZ baskets)", "", ...(await micro()), "");
const filesTitle = OPEN_READ_ONLY ? "### Files: open + read, sxflow reader vs JSROOT" : "### Files: sxflow reader vs JSROOT (best of runs; open + metadata + every value read and summed)";
if (FILES) out.push(filesTitle, "", ...(await files()));
console.log(out.join("\n"));
