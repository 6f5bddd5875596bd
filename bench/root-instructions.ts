/**
 * Instructions per open + read of a small ROOT file, sxflow's reader against JSROOT (issue #13):
 * the work each reader does, counted by valgrind's callgrind, which counts the instructions a
 * process executes whatever the machine's load, caches or clock. bench/root.ts times the same
 * calls; on a 100-entry file its cold runs are mostly the virtual core refilling its caches and
 * TLB after the idle between runs, which this count leaves out.
 *
 * Each reader runs in a process of its own under callgrind (bench/root-instructions-run.ts):
 * `--warm` open + read calls, then `--runs` more, with callgrind's counters of every thread of the
 * process (callgrind_control) read before and after them: their difference over the runs is one
 * warm call's instructions, without the process's start and module loading. The reading thread's
 * count is the reader's own work; the other threads' are V8's compiler (functions called a few
 * times per open still reach TurboFan hundreds of calls in) and collector.
 *
 * Usage: npm run bench:root-instructions [-- --warm 300] [--runs 1000] [--file F --tree T --branches a,b]
 * Default files: the two of ../shared/data/root whose open + read is below 10x JSROOT's in bench:root.
 * Needs valgrind (Debian's package, with callgrind_control) and the built package (`npm run
 * build`). Each process runs about 50 times slower under valgrind: minutes per file.
 */
import { execFileSync, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { option } from "./ic-input.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WARM = Number(option("warm", "300"));
const RUNS = Number(option("runs", "1000"));
if (!(WARM >= 0 && RUNS > 0)) throw new Error("--warm and --runs: counts of calls, --runs at least 1");

interface Case {
  file: string;
  tree: string;
  branches: string[];
}

const CASES: Case[] = process.argv.includes("--file")
  ? [{ file: option("file", ""), tree: option("tree", ""), branches: option("branches", "").split(",") }]
  : [
      { file: "unroot-tree_with_int_array_zstd.root", tree: "t1", branches: ["a"] },
      { file: "unroot-tree_with_jagged_array.root", tree: "t1", branches: ["int32_array"] },
    ];

/** Instructions executed so far by the callgrind process `pid`: its main thread's, and every thread's. */
function executed(pid: number): { main: number; all: number } {
  const out = execFileSync("callgrind_control", ["-e", "Ir", String(pid)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const threads = [...out.matchAll(/^\s*Th\s*(\d+)\s+([\d,]+)\s*$/gm)].map((m) => ({ id: Number(m[1]), ir: Number(m[2]!.replace(/,/g, "")) }));
  const main = threads.find((t) => t.id === 1);
  if (!main) throw new Error(`callgrind_control printed no counters for pid ${pid}:\n${out}`);
  return { main: main.ir, all: threads.reduce((a, t) => a + t.ir, 0) };
}

interface PerCall {
  /** Instructions of the thread that reads (the process's main thread). */
  main: number;
  /** Of every thread: V8's compiler and collector threads too. */
  all: number;
  sums: string;
}

/** One reader's instructions per warm open + read of `c`, and the sums it printed. */
function perCall(reader: string, c: Case): Promise<PerCall> {
  const args = ["--tool=callgrind", "--callgrind-out-file=/dev/null", process.execPath, "--import", "tsx", path.join(HERE, "root-instructions-run.ts"), reader, c.file, c.tree, c.branches.join(","), String(WARM), String(RUNS)];
  return new Promise((resolve, reject) => {
    const child = spawn("valgrind", args, { stdio: ["pipe", "pipe", "pipe"] });
    let err = "";
    let before = { main: 0, all: 0 };
    child.stderr.on("data", (d: Buffer) => (err += d));
    child.on("error", (e) => reject(new Error(`valgrind could not start (${e.message}): install Debian's valgrind`)));
    child.on("close", (code) => reject(new Error(`${reader} on ${c.file} ended before its runs were counted (exit ${code}):\n${err.slice(-2000)}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      try {
        if (line === "ready") {
          before = executed(child.pid!);
          child.stdin.write("go\n");
        } else if (line.startsWith("done ")) {
          const after = executed(child.pid!);
          child.stdin.end("exit\n");
          resolve({ main: (after.main - before.main) / RUNS, all: (after.all - before.all) / RUNS, sums: line.slice(5) });
        }
      } catch (e) {
        child.kill();
        reject(e as Error);
      }
    });
  });
}

const millions = (n: number) => (n / 1e6).toFixed(2);

console.log(`sxflow bench:root-instructions  ${new Date().toISOString()}  ${WARM} open + read calls to warm up, then ${RUNS} counted, per reader process`);
console.log("\n| file | branches | instructions per open + read, reading thread: sxflow / JSROOT | JSROOT / sxflow | every thread (V8's compiler and collector too): sxflow / JSROOT | JSROOT / sxflow | sums agree |");
console.log("|---|---|---|---|---|---|---|");
for (const c of CASES) {
  // The two readers at once: one process per core.
  const [sx, js] = await Promise.all(["sxflow", "jsroot"].map((reader) => perCall(reader, c)));
  const agree = sx!.sums === js!.sums ? "yes" : `no: ${sx!.sums} / ${js!.sums}`;
  console.log(
    `| ${c.file} | ${c.branches.join(", ")} | ${millions(sx!.main)} M / ${millions(js!.main)} M | ${(js!.main / sx!.main).toFixed(1)}x | ` +
      `${millions(sx!.all)} M / ${millions(js!.all)} M | ${(js!.all / sx!.all).toFixed(1)}x | ${agree} |`,
  );
}
