/**
 * One reader (sxflow or JSROOT) in a child process of its own, for bench/root.ts's interleaved
 * comparison. Its own process gives each reader its own V8 heap (neither pays for collecting the
 * other's garbage) and makes the process's CPU time that reader's alone: process.cpuUsage() counts
 * every thread of the process (V8's collector and compiler threads, libuv's pool), and in a worker
 * thread it would also count the other reader's threads. CPU time does not hold the time spent
 * waiting for a core, which on the shared machine is most of a small file's wall time.
 */
import { jsrootRead } from "./root-jsroot.js";
import { sxflowRead } from "./root-sxflow.js";

export type ProcessRequest =
  | { op: "warm"; file: string; tree: string; branches: string[]; warmMs: number }
  /**
   * One timed run; `primed`: right after an untimed run of the same reader (caches warm);
   * otherwise `idleMs`: the run starts no sooner than this long after this process's previous
   * run ended (see bench/root.ts, interleaved).
   */
  | { op: "run"; primed: boolean; idleMs: number };
/** Warm-up: the sums and the median time of one whole read. */
export type ProcessReply = { sums: [string, number][]; runMs: number } | { wall: number; cpu: number } | { error: string };

const read = process.argv[2] === "jsroot" ? jsrootRead : sxflowRead;
let job: { file: string; tree: string; branches: string[] } | undefined;
/** When this process's last read ended. */
let lastEnd = 0;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

async function handle(m: ProcessRequest): Promise<ProcessReply> {
  if (m.op === "warm") {
    job = m;
    let sums = new Map<string, number>();
    const start = performance.now();
    const times: number[] = [];
    // The warm-up rule of timeRuns in bench/root.ts: at least 3 runs and warmMs.
    for (let i = 0; i < 50 && (i < 3 || performance.now() - start < m.warmMs); i++) {
      const t = performance.now();
      sums = await read(m.file, m.tree, m.branches);
      times.push(performance.now() - t);
    }
    lastEnd = performance.now();
    return { sums: [...sums], runMs: times.sort((a, b) => a - b)[times.length >> 1]! };
  }
  if (!job) throw new Error("run before warm");
  if (m.primed) await read(job.file, job.tree, job.branches);
  // Idle until idleMs after the last read (a precise wait that leaves the core, as waiting for
  // the other reader does).
  else for (let left = m.idleMs - (performance.now() - lastEnd); left > 0; left = m.idleMs - (performance.now() - lastEnd)) Atomics.wait(sleeper, 0, 0, left);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await read(job.file, job.tree, job.branches);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastEnd = performance.now();
  return { wall, cpu: (c.user + c.system) / 1000 };
}

process.on("message", (m: ProcessRequest) => {
  handle(m).then(
    (reply) => process.send!(reply),
    (err: unknown) => process.send!({ error: String((err as Error)?.stack ?? err) }),
  );
});
// The parent ends this process by closing the channel.
process.on("disconnect", () => process.exit(0));
