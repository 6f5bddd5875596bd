/**
 * The merge's second pass on a worker thread: one bucket of a split, read from every shard and
 * put in its permuted order. The main thread draws the orders (one generator runs through all
 * buckets) and writes the outputs meanwhile.
 */
import { open, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { move } from "piscina";
import { gatherRows, gatherSections, placePieces, sectionBytes } from "../stages/shuffle.js";
import type { RowSection } from "../stages/shuffle.js";

/** A shard's part of a bucket: its file and the byte count its manifest gives. */
export interface FilePart {
  /** The shard's name (`<i>-of-<n>`), for the messages. */
  shard: string;
  file: string;
  bytes: number;
}

/** Rows of a bucket still in memory (a run's own, pass 1 kept them): moved to the thread that gathers them. */
export interface MemoryPart {
  rows: Uint8Array[];
  bytes: number;
}

export type BucketPart = FilePart | MemoryPart;

export interface GatherTask {
  parts: BucketPart[];
  rowBytes: number;
  /** The bucket's permutation (bucketOrders), of all its rows. */
  order: Uint32Array;
  /** Give the rows section by section (gatherSections) instead of whole. */
  sections?: RowSection[];
  /** Remove the parts' files once read (a run's own spill, no longer needed). */
  remove?: boolean;
  /** Memory for the permuted rows (an earlier bucket's, moved along), used when it is large enough. */
  into?: ArrayBuffer;
}

/** Bytes of a gather task's result: its rows, whole or as its sections. */
export function gatheredBytes(task: GatherTask): number {
  return task.order.length * (task.sections ? sectionBytes(task.sections) : task.rowBytes);
}

/** A part's file opened and checked to hold its bytes (undefined for an empty part, which has no file). */
export async function openPart(part: FilePart): Promise<FileHandle | undefined> {
  if (part.bytes === 0) return undefined;
  const incomplete = (holds: string) => new Error(`shard ${part.shard} is incomplete: ${part.file} holds ${holds}, its manifest says ${part.bytes} bytes; run it again`);
  const handle = await open(part.file, "r").catch(() => {
    throw incomplete("nothing");
  });
  const size = await handle.stat().then((st) => st.size);
  if (size !== part.bytes) {
    await handle.close();
    throw incomplete(`${size} bytes`);
  }
  return handle;
}

/** Reads `length` bytes at `position` of a part into `into` at `at`. */
export async function readPart(file: FileHandle, into: Uint8Array, at: number, position: number, length: number): Promise<void> {
  for (let done = 0; done < length; ) {
    const { bytesRead } = await file.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`unexpected end of a shard file at byte ${position + done}`);
    done += bytesRead;
  }
}

/**
 * One bucket: the parts concatenated in order (a merge's shards, in the run's task order), then
 * permuted. `buffer` gives the memory they are put together in (every byte of which is written).
 */
export async function gatherBucket(task: GatherTask, buffer: (bytes: number) => Uint8Array = (bytes) => new Uint8Array(bytes)): Promise<Uint8Array> {
  const data = buffer(task.parts.reduce((n, p) => n + p.bytes, 0));
  let at = 0;
  for (const part of task.parts) {
    if ("rows" in part) {
      at = placePieces(part.rows, data, at);
      continue;
    }
    const file = await openPart(part);
    if (!file) continue;
    try {
      await readPart(file, data, at, 0, part.bytes);
    } finally {
      await file.close();
    }
    at += part.bytes;
    if (task.remove) await rm(part.file, { force: true });
  }
  const bytes = gatheredBytes(task);
  const out = task.into && task.into.byteLength >= bytes ? new Uint8Array(task.into, 0, bytes) : new Uint8Array(bytes);
  return task.sections ? gatherSections(data, task.order, task.rowBytes, task.sections, out) : gatherRows(data, task.order, task.rowBytes, out);
}

/** Buckets up to this size are put together in the thread's kept buffer. */
const KEEP_BYTES = 64 * 2 ** 20;
/** The memory this thread put its last bucket together in, filled again by the next. */
let kept = new Uint8Array(0);

/**
 * The thread's kept buffer, grown to `bytes`; a larger bucket gets memory of its own. A fresh
 * buffer per bucket is first touched page by page, and on the project's virtual machine each
 * first touch cost 10-20 µs: most of a merge's system time. A pool thread runs one task at a
 * time, so one buffer serves them all.
 */
function threadBuffer(bytes: number): Uint8Array {
  if (bytes > KEEP_BYTES) return new Uint8Array(Buffer.allocUnsafeSlow(bytes).buffer, 0, bytes);
  if (kept.length < bytes) kept = new Uint8Array(Buffer.allocUnsafeSlow(Math.min(KEEP_BYTES, Math.max(bytes, 2 * kept.length))).buffer);
  return kept.subarray(0, bytes);
}

/** gatherBucket on a worker thread: the rows are moved to the main thread, not copied (with the rest of `into`'s memory, when used). */
export async function gatherBucketMoved(task: GatherTask): Promise<ArrayBuffer> {
  const rows = await gatherBucket(task, threadBuffer);
  return move(rows.buffer as ArrayBuffer) as ArrayBuffer;
}
