/**
 * One reader (sxflow or JSROOT) in a worker thread of its own, for bench/root.ts's interleaved
 * comparison: each reader has its own V8 heap, so neither pays for collecting the other's
 * garbage, as when each runs in a process of its own.
 */
import { parentPort, workerData } from "node:worker_threads";
import { jsrootRead } from "./root-jsroot.js";
import { sxflowRead } from "./root-sxflow.js";

export type ThreadRequest =
  | { op: "warm"; file: string; tree: string; branches: string[]; warmMs: number }
  | { op: "run" };
export type ThreadReply = { sums: [string, number][] } | { wall: number; cpu: number } | { error: string };

const read = (workerData as { reader: "sxflow" | "jsroot" }).reader === "sxflow" ? sxflowRead : jsrootRead;
let job: { file: string; tree: string; branches: string[] } | undefined;

async function handle(m: ThreadRequest): Promise<ThreadReply> {
  if (m.op === "warm") {
    job = m;
    let sums = new Map<string, number>();
    const start = performance.now();
    // The warm-up rule of timeRuns in bench/root.ts: at least 3 runs and warmMs.
    for (let i = 0; i < 50 && (i < 3 || performance.now() - start < m.warmMs); i++) sums = await read(m.file, m.tree, m.branches);
    return { sums: [...sums] };
  }
  if (!job) throw new Error("run before warm");
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await read(job.file, job.tree, job.branches);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

parentPort!.on("message", (m: ThreadRequest) => {
  handle(m).then(
    (reply) => parentPort!.postMessage(reply),
    (err: unknown) => parentPort!.postMessage({ error: String((err as Error)?.stack ?? err) }),
  );
});
