import type { Batch } from "../batch/core.js";
import type { TreeRun } from "../parquet/read.js";
import { emptyHeader, stageError } from "../stages/event-batch.js";
import type { EventBatch } from "../stages/event-batch.js";
import { ENTRY_KEY } from "../stages/split.js";
import type { FileFormat } from "./detect.js";
import type { TreeSource } from "./tree-source.js";

/** One input file of a run. */
export interface FilePlan {
  path: string;
  format: FileFormat;
  sample: number;
  entries: number;
  /** Parquet: the tree column's runs from the scan, so that other threads need not scan again. */
  treeRuns?: readonly TreeRun[];
}

/** The unit of work: an entry range of one file (an index into the read spec's files). */
export interface TaskSpec {
  index: number;
  file: number;
  start: number;
  stop: number;
}

/** The read stage: turns TaskSpecs into EventBatches of the branches named. */
export interface ReadSpec {
  /** Tells runs apart: the files a run opens in a thread stay open for its next tasks (see releaseRun). */
  run: string;
  tree: string;
  branches: string[];
  files: FilePlan[];
  /** Adds the column `entry` (the entry number in the file) for splits by entry. */
  entryKey: boolean;
}

const OPEN_FILES = 4;

/** Open files by run and path, most recently used last. */
const open = new Map<string, Promise<TreeSource>>();

/** The file opened for this run in this thread (a few stay open), or opens it. */
export function sourceFor(run: string, path: string, tree: string, format: FileFormat, treeRuns?: readonly TreeRun[]): Promise<TreeSource> {
  const key = `${run}\0${path}`;
  let s = open.get(key);
  if (s) {
    open.delete(key);
    open.set(key, s);
    return s;
  }
  // The readers load with the first file: a main thread whose workers read never loads them.
  s = import("./tree-source.js").then((m) => m.openTreeSource(path, tree, format, treeRuns));
  open.set(key, s);
  s.catch(() => open.delete(key));
  while (open.size > OPEN_FILES) {
    const [oldKey, old] = open.entries().next().value!;
    open.delete(oldKey);
    void old.then((o) => o.close()).catch(() => undefined);
  }
  return s;
}

/** Closes the files a run opened in this thread. */
export async function releaseRun(run: string): Promise<void> {
  const mine = [...open].filter(([key]) => key.startsWith(`${run}\0`));
  for (const [key] of mine) open.delete(key);
  await Promise.allSettled(mine.map(([, s]) => s.then((o) => o.close())));
}

function withEntryNumbers(batch: Batch, start: number): Batch {
  const entry = new Float64Array(batch.length);
  for (let i = 0; i < entry.length; i++) entry[i] = start + i;
  return { length: batch.length, columns: { ...batch.columns, [ENTRY_KEY]: { kind: "flat", values: entry } } };
}

/** Reads one task's entry range; an unreadable range is an error naming the file, tree and entries. */
export function readStep(spec: ReadSpec): (task: TaskSpec) => Promise<EventBatch> {
  return async (task) => {
    const file = spec.files[task.file];
    if (!file) throw new Error(`stage "read": task ${task.index} names file ${task.file}, but the read spec has ${spec.files.length}`);
    const where = `${file.path} (tree "${spec.tree}", entries ${task.start}-${task.stop})`;
    let batch: Batch;
    try {
      const source = await sourceFor(spec.run, file.path, spec.tree, file.format, file.treeRuns);
      batch = await source.read(spec.branches, task.start, task.stop);
    } catch (err) {
      throw stageError("read", where, err);
    }
    if (spec.entryKey) batch = withEntryNumbers(batch, task.start);
    return { batch, header: emptyHeader(task.index, file.sample, task.stop - task.start), where };
  };
}
