/**
 * The pipeline's tasks on a worker thread (also called in-thread when workers = 0), listed in the
 * worker table (src/worker.ts). Each worker compiles a run's plan once and keeps a few input files
 * open between tasks.
 */
import { move, transferableSymbol, valueSymbol } from "piscina";
import type { TreeRun } from "../parquet/read.js";
import type { FileFormat } from "../sources/detect.js";
import { describeSource, openTreeSource } from "../sources/tree-source.js";
import type { FileScan, TreeSource } from "../sources/tree-source.js";
import { compilePlan, runTask } from "./task.js";
import type { CompiledPlan } from "./task.js";
import type { PipelinePlan, TaskResult, TaskSpec } from "./types.js";

export interface ConvertPayload {
  plan: PipelinePlan;
  task: TaskSpec;
}

const OPEN_FILES = 4;

let compiled: CompiledPlan | undefined;
/** Open files by run and path: a file scanned during planning stays open for the run's tasks. */
const sources = new Map<string, Promise<TreeSource>>();

function sourceFor(run: string, path: string, tree: string, format: FileFormat, treeRuns?: readonly TreeRun[]): Promise<TreeSource> {
  const key = `${run}\0${path}`;
  let s = sources.get(key);
  if (s) {
    // Most recently used last, so the oldest is closed first.
    sources.delete(key);
    sources.set(key, s);
    return s;
  }
  s = openTreeSource(path, tree, format, treeRuns);
  sources.set(key, s);
  s.catch(() => sources.delete(key));
  while (sources.size > OPEN_FILES) {
    const [oldKey, old] = sources.entries().next().value!;
    sources.delete(oldKey);
    void old.then((o) => o.close()).catch(() => undefined);
  }
  return s;
}

export interface ScanPayload {
  run: string;
  path: string;
  format: FileFormat;
  tree: string;
}

/** Opens a file for planning and keeps it open for the run's tasks. */
export async function scanFile(payload: ScanPayload): Promise<FileScan> {
  return describeSource(await sourceFor(payload.run, payload.path, payload.tree, payload.format));
}

/** Closes the files a run opened in this thread. */
export async function releaseRun(run: string): Promise<void> {
  const mine = [...sources].filter(([key]) => key.startsWith(`${run}\0`));
  for (const [key] of mine) sources.delete(key);
  await Promise.allSettled(mine.map(([, s]) => s.then((o) => o.close())));
}

/** Converts one entry range; the result's row buffer is returned as is (in-thread use). */
export async function convertRange(payload: ConvertPayload): Promise<TaskResult> {
  if (compiled?.plan.id !== payload.plan.id) compiled = compilePlan(payload.plan);
  const f = payload.plan.files[payload.task.file]!;
  const source = await sourceFor(payload.plan.id, f.path, payload.plan.tree, f.format, f.treeRuns);
  return runTask(compiled, source, payload.task);
}

/** Converts one entry range in a worker thread; the row buffer is moved, not copied, to the main thread. */
export async function convertRangeMoved(payload: ConvertPayload): Promise<TaskResult> {
  const result = await convertRange(payload);
  const buffer = result.rows.buffer as ArrayBuffer;
  return move({
    get [transferableSymbol]() {
      return [buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  }) as unknown as TaskResult;
}
