/**
 * The shuffle's second pass on the worker pool, shared by a run and the merge of its shards: the
 * buckets are read and permuted on worker threads, several at once, while this thread hands the
 * earlier ones to the sink in order. The permutations come from one generator per split, drawn
 * here bucket after bucket, so the bytes do not depend on which thread permutes what.
 */
import type { WorkerPool } from "../pool/index.js";
import { gatherBucket, gatheredBytes } from "../shards/gather.js";
import type { BucketPart, GatherTask } from "../shards/gather.js";
import { bucketOrders } from "../stages/index.js";
import type { RecordLayout, RowSection } from "../stages/index.js";
import type { WorkerHandlers } from "../worker.js";

/** A shuffled split's buckets: bucket k is the concatenation of its parts, in order. */
export interface SplitBuckets {
  /** The split's shuffle seed (the configuration's seed + split). */
  seed: number;
  buckets: BucketPart[][];
}

/** One bucket's rows, permuted. */
export interface PermutedBucket {
  split: number;
  rows: number;
  /** Whole rows; or, with `sections`, every row's first section, then every row's second, ... */
  bytes: Uint8Array;
}

export interface SecondPassOptions {
  layout: RecordLayout;
  /** Give each bucket section by section (one section per group of the layout). */
  byGroup?: boolean;
  /** Remove the bucket files once read. */
  remove?: boolean;
  /**
   * Bucket bytes being permuted or waiting for the sink at once, at most (default 256 MiB; one
   * bucket always). A bucket costs twice its size on its worker (read and permuted), then once here.
   */
  memoryBytes?: number;
  signal?: AbortSignal;
}

/** Results up to this size are kept for later ones, at most MAX_SPARES at a time. */
const SPARE_BYTES = 64 * 2 ** 20;
const MAX_SPARES = 2;

/** What a gather task moves to its thread instead of copying: the order, the rows in memory and the memory for its result. */
function movedBuffers(task: GatherTask): ArrayBuffer[] {
  const buffers = [task.order.buffer as ArrayBuffer];
  if (task.into) buffers.push(task.into);
  for (const part of task.parts) if ("rows" in part) for (const piece of part.rows) buffers.push(piece.buffer as ArrayBuffer);
  return buffers;
}

/** The byte range of each group's records in a row. */
export function groupSections(layout: RecordLayout): RowSection[] {
  return layout.groups.map((g) => ({ offset: g.rowOffset, bytes: g.recordBytes * (g.global ? 1 : g.max) }));
}

/**
 * Every shuffled split's buckets, permuted, split 0 first: up to one bucket more than there are
 * workers is in flight (within `memoryBytes`), and they come out in order.
 */
export async function* secondPass(pool: WorkerPool<WorkerHandlers>, splits: readonly (SplitBuckets | undefined)[], options: SecondPassOptions): AsyncGenerator<PermutedBucket> {
  const { rowBytes } = options.layout;
  const sections = options.byGroup ? groupSections(options.layout) : undefined;
  const onPool = pool.workers > 0;
  const gather = onPool
    ? async (task: GatherTask) => {
        const bytes = gatheredBytes(task);
        return new Uint8Array(await pool.run("gatherBucket", task, movedBuffers(task), options.signal), 0, bytes);
      }
    : gatherBucket;
  // Results written, whose memory goes back to a thread for a later bucket's result: a fresh
  // buffer of a bucket's size came as fresh pages every time (docs/pipeline.md, page faults).
  const spares: ArrayBuffer[] = [];
  const spareFor = (bytes: number): ArrayBuffer | undefined => {
    const k = spares.findIndex((b) => b.byteLength >= bytes);
    return k < 0 ? undefined : spares.splice(k, 1)[0];
  };
  const jobs = (function* () {
    for (const [split, s] of splits.entries()) {
      if (!s) continue;
      const orders = bucketOrders(s.seed);
      for (const parts of s.buckets) {
        const bytes = parts.reduce((n, p) => n + p.bytes, 0);
        // Drawn in bucket order, empty buckets included: one generator runs through the split.
        yield { split, parts, bytes, order: orders(bytes / rowBytes) };
      }
    }
  })();
  const budget = options.memoryBytes ?? 256 * 2 ** 20;
  const slots = Math.max(1, pool.workers) + 1;
  const queue: { split: number; rows: number; bytes: number; result: Promise<Uint8Array> }[] = [];
  let held = 0;
  let next = jobs.next();
  try {
    for (;;) {
      while (!next.done && queue.length < slots && (queue.length === 0 || held + next.value.bytes <= budget)) {
        const { split, parts, bytes, order } = next.value;
        next = jobs.next();
        if (bytes === 0) continue;
        const task: GatherTask = { parts, rowBytes, order, ...(sections ? { sections } : {}), ...(options.remove ? { remove: true } : {}) };
        const into = onPool ? spareFor(gatheredBytes(task)) : undefined;
        if (into) task.into = into;
        // Counted first: the order (and the rows in memory) move to the worker.
        const rows = order.length;
        const result = gather(task);
        result.catch(() => undefined);
        queue.push({ split, rows, bytes, result });
        held += bytes;
      }
      const head = queue.shift();
      if (!head) return;
      const bytes = await head.result;
      options.signal?.throwIfAborted();
      yield { split: head.split, rows: head.rows, bytes };
      held -= head.bytes;
      // The caller has written them: the memory is free.
      if (onPool && bytes.buffer.byteLength <= SPARE_BYTES && spares.length < MAX_SPARES) spares.push(bytes.buffer as ArrayBuffer);
    }
  } finally {
    // No worker may still read a bucket file once the caller goes on to remove them.
    await Promise.allSettled(queue.map((q) => q.result));
  }
}
