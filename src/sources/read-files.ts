import path from "node:path";
import { Readable } from "node:stream";
import { expandGlob, isGlob } from "../config/glob.js";
import { deliver } from "../servicex/index.js";
import type { DeliverOptions, DeliverSpec } from "../servicex/index.js";
import { emptyHeader, stageError } from "../stages/event-batch.js";
import type { EventBatch } from "../stages/event-batch.js";
import { openTreeSource } from "./tree-source.js";
import type { Range } from "./tree-source.js";

export interface ReadFilesOptions {
  /** Tree to read in every file (Parquet files from ServiceX: the rows of that tree). */
  tree: string;
  /** Branches to read (default: every readable branch of the first file). */
  branches?: string[];
  /** Entries per batch, along ROOT clusters / Parquet row groups (default 100 000). */
  batchSize?: number;
  /** Base directory of relative paths and patterns (default: the working directory). */
  cwd?: string;
  signal?: AbortSignal;
}

/** Consecutive clusters merged up to about `size` entries (a larger cluster on its own). */
function ranges(clusters: Range[], entries: number, size: number): Range[] {
  const out: Range[] = [];
  for (const c of clusters.length > 0 ? clusters : entries > 0 ? [{ start: 0, stop: entries }] : []) {
    const last = out[out.length - 1];
    if (last && last.stop === c.start && c.stop - last.start <= size) last.stop = c.stop;
    else out.push({ ...c });
  }
  return out;
}

async function* batchesOf(files: string[], options: ReadFilesOptions, sampleOf: (file: number) => number): AsyncGenerator<EventBatch> {
  let index = 0;
  let branches = options.branches;
  for (const [f, file] of files.entries()) {
    options.signal?.throwIfAborted();
    const source = await openTreeSource(file, options.tree);
    try {
      branches ??= [...source.branches.keys()];
      for (const r of ranges(source.clusters(), source.entries, options.batchSize ?? 100_000)) {
        options.signal?.throwIfAborted();
        const where = `${file} (tree "${options.tree}", entries ${r.start}-${r.stop})`;
        let batch;
        try {
          batch = await source.read(branches, r.start, r.stop);
        } catch (err) {
          throw stageError("read", where, err);
        }
        yield { batch, header: emptyHeader(index++, sampleOf(f), r.stop - r.start), where };
      }
    } finally {
      await source.close();
    }
  }
}

async function expand(patterns: readonly string[], cwd: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of patterns) {
    if (!isGlob(p)) {
      out.push(path.resolve(cwd, p));
      continue;
    }
    const found = await expandGlob(p, cwd);
    if (found.length === 0) throw new Error(`no file matches ${JSON.stringify(p)} (in ${cwd})`);
    out.push(...found);
  }
  return out;
}

/**
 * ROOT or Parquet files (paths or glob patterns) as a Readable of EventBatches, file after file,
 * each batch about `batchSize` entries; `header.sample` is the file's index. One file is open at a
 * time, and a batch is read only when the next stage asks for one.
 */
export function readFiles(files: string | readonly string[], options: ReadFilesOptions): Readable {
  const list = typeof files === "string" ? [files] : files;
  return Readable.from(
    (async function* () {
      yield* batchesOf(await expand(list, options.cwd ?? process.cwd()), options, (f) => f);
    })(),
    { objectMode: true, highWaterMark: 1 },
  );
}

/**
 * The files ServiceX delivers for a spec (fetched first, or taken from the cache), as a Readable
 * of EventBatches: sample after sample in the spec's order, `header.sample` the sample's index.
 */
export function readDelivery(spec: DeliverSpec | string, options: ReadFilesOptions & { servicex?: DeliverOptions }): Readable {
  return Readable.from(
    (async function* () {
      const delivered = await deliver(spec, { ...options.servicex, signal: options.signal });
      const samples = Object.values(delivered);
      const files = samples.flat();
      const sampleOf: number[] = samples.flatMap((list, s) => list.map(() => s));
      yield* batchesOf(files, options, (f) => sampleOf[f]!);
    })(),
    { objectMode: true, highWaterMark: 1 },
  );
}
