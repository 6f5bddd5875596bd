/**
 * Worker-thread entry of the conversion pipeline (also called in-thread when workers = 0).
 * Each worker compiles a run's plan once and keeps a few input files open between tasks.
 */
import { move, transferableSymbol, valueSymbol } from "piscina";
import { openTreeSource } from "./source.js";
import type { TreeSource } from "./source.js";
import { compilePlan, runTask } from "./task.js";
import type { CompiledPlan } from "./task.js";
import type { PipelinePlan, TaskResult, TaskSpec } from "./types.js";

export interface ConvertPayload {
  plan: PipelinePlan;
  task: TaskSpec;
}

const OPEN_FILES = 4;

let compiled: CompiledPlan | undefined;
const sources = new Map<string, Promise<TreeSource>>();

async function sourceFor(plan: PipelinePlan, file: number): Promise<TreeSource> {
  const f = plan.files[file]!;
  const key = `${plan.id}\0${f.path}`;
  let s = sources.get(key);
  if (s) {
    // Most recently used last, so the oldest is closed first.
    sources.delete(key);
    sources.set(key, s);
    return s;
  }
  s = openTreeSource(f.path, plan.tree, f.format);
  sources.set(key, s);
  s.catch(() => sources.delete(key));
  while (sources.size > OPEN_FILES) {
    const [oldKey, old] = sources.entries().next().value!;
    sources.delete(oldKey);
    void old.then((o) => o.close()).catch(() => undefined);
  }
  return s;
}

/** Converts one entry range; the result's row buffer is returned as is (in-thread use). */
export async function convertRange(payload: ConvertPayload): Promise<TaskResult> {
  if (compiled?.plan.id !== payload.plan.id) compiled = compilePlan(payload.plan);
  const source = await sourceFor(payload.plan, payload.task.file);
  return runTask(compiled, source, payload.task);
}

/** Converts one entry range in a worker thread; the row buffer is moved, not copied, to the main thread. */
export async function convertRangeMoved(payload: ConvertPayload): Promise<unknown> {
  const result = await convertRange(payload);
  const buffer = result.rows.buffer as ArrayBuffer;
  return move({
    get [transferableSymbol]() {
      return [buffer];
    },
    get [valueSymbol]() {
      return result;
    },
  });
}
