import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Xoshiro128, assignBuckets, permutation } from "../random/prng.js";

/**
 * Bytes of rows that shufflers may hold in memory together (the run's three splits share one):
 * beyond it, a shuffler writes its largest bucket to its file.
 */
export class ShuffleMemory {
  /** Bytes held now, by every shuffler sharing this budget. */
  held = 0;

  constructor(readonly limit: number) {}
}

/** Rows one shuffler keeps in memory when it is not given a budget to share. */
const DEFAULT_MEMORY_BYTES = 64 * 2 ** 20;

/**
 * A run's memory for its shuffle (default): twice the average bucket (bucketsFor), one of which
 * the second pass holds at a time; a quarter of it for the rows its splits' shufflers keep in
 * memory in pass 1 (all of them up to ~0.3 M rows of 224 bytes). Those rows are still held while
 * the second pass runs: 256 MiB of them added 0.3 GB to the peak RSS of a 20 M-event run.
 */
export const SHUFFLE_MEMORY_BYTES = 256 * 2 ** 20;

export interface BucketShufflerOptions {
  /** Bytes per row record; every written chunk is a whole number of rows. */
  rowBytes: number;
  /** Number of temporary buckets K; each must fit in memory in pass 2 (see `bucketsFor`). */
  buckets: number;
  seed: number;
  /** Parent directory of the temporary bucket directory (default: the OS temp dir). */
  tmpDir?: string;
  /**
   * Bytes per piece in which a bucket collects its rows (default 256 KiB, smaller when there are
   * so many buckets that their pieces being filled would exceed 64 MiB, or the memory budget,
   * together).
   */
  bufferBytes?: number;
  /** Largest bucket pass 2 will load (default 1 GiB); a larger one is an error asking for more buckets. */
  maxBucketBytes?: number;
  /**
   * Memory for the rows of full pieces, shared with other shufflers (default: 64 MiB of its own).
   * Rows stay in memory while they fit; beyond it, the largest bucket in memory goes to its file.
   */
  memory?: ShuffleMemory;
}

const WRITE_BUFFERS_BYTES = 64 * 2 ** 20;

/**
 * Rows per piece in which the second pass hands a bucket's permuted rows to the sink. Part of the
 * output format: the sink interleaves its datasets' chunks in the order their rows arrive.
 */
export const SECOND_PASS_CHUNK_ROWS = 10_000;

/**
 * Bytes per piece in which each of `buckets` buckets collects its rows, with `memoryLimit` for the
 * rows held: 256 KiB, less when the pieces being filled together would exceed 64 MiB or the limit.
 */
export function pieceBytes(buckets: number, memoryLimit: number = WRITE_BUFFERS_BYTES): number {
  return Math.min(256 * 1024, Math.floor(Math.min(WRITE_BUFFERS_BYTES, memoryLimit) / buckets));
}

/** Buckets needed so that each holds about `memoryBytes / 2` on average for `totalRows` rows. */
export function bucketsFor(totalRows: number, rowBytes: number, memoryBytes: number): number {
  return Math.max(1, Math.ceil((totalRows * rowBytes) / Math.max(rowBytes, memoryBytes / 2)));
}

interface Bucket {
  /** The piece being filled. */
  buffer: Uint8Array;
  /** The piece as words, when rows are whole words (its length is a whole number of rows). */
  words: Uint32Array;
  used: number;
  /** Full pieces in memory, in row order, after the `onDisk` bytes of the file. */
  full: Uint8Array[];
  /** Bytes of `full`. */
  held: number;
  onDisk: number;
}

/**
 * A bucket at the end of pass 1: its first `onDisk` bytes in its file (none: no file), then the
 * rows of `rows`, in pass-1 order. Each array of `rows` owns its whole ArrayBuffer, so that it
 * can be moved to another thread.
 */
export interface BucketRows {
  file: string;
  onDisk: number;
  rows: Uint8Array[];
  /** Bytes of `rows`. */
  inMemory: number;
}

/**
 * Globally shuffles fixed-width row records with bounded memory, in two passes. Pass 1 (`write`)
 * sends every row to one of K buckets chosen by a seeded generator; a bucket's rows stay in
 * memory while the shared budget allows, else go to a temporary file per bucket; pass 2 (`rows`)
 * takes one bucket at a time, permutes it with a seeded Fisher-Yates and emits it. Random bucket
 * assignment followed by a uniform shuffle within each bucket is a uniform permutation of all
 * rows, and for a seed the output depends only on the input row order, not on what was spilled.
 * Memory: the budget, K pieces being filled (at most 64 MiB together by default), plus the
 * largest bucket.
 */
export class BucketShuffler {
  private readonly rowBytes: number;
  private readonly bufferBytes: number;
  private readonly maxBucketBytes: number;
  private readonly route: Xoshiro128;
  private readonly seed: number;
  private readonly buckets: Bucket[];
  private readonly memory: ShuffleMemory;
  private rowCount = 0;
  private state: "writing" | "reading" | "closed" = "writing";

  private constructor(
    options: BucketShufflerOptions,
    private readonly dir: string,
  ) {
    this.rowBytes = options.rowBytes;
    this.memory = options.memory ?? new ShuffleMemory(DEFAULT_MEMORY_BYTES);
    // The bucket count grows with the input; the pieces being filled together must not, and a
    // smaller memory budget makes them smaller too.
    const bufferBytes = options.bufferBytes ?? pieceBytes(options.buckets, this.memory.limit);
    const rowsPerBuffer = Math.max(1, Math.floor(bufferBytes / options.rowBytes));
    this.bufferBytes = rowsPerBuffer * options.rowBytes;
    this.maxBucketBytes = options.maxBucketBytes ?? 2 ** 30;
    this.seed = options.seed;
    this.route = new Xoshiro128(options.seed);
    this.buckets = Array.from({ length: options.buckets }, () => ({ buffer: new Uint8Array(0), words: new Uint32Array(0), used: 0, full: [], held: 0, onDisk: 0 }));
  }

  static async create(options: BucketShufflerOptions): Promise<BucketShuffler> {
    if (!Number.isInteger(options.rowBytes) || options.rowBytes < 1) throw new RangeError(`rowBytes must be a positive integer, got ${options.rowBytes}`);
    if (!Number.isInteger(options.buckets) || options.buckets < 1 || options.buckets > 65536) {
      throw new RangeError(`buckets must be an integer in 1..65536, got ${options.buckets}`);
    }
    const dir = await mkdtemp(path.join(options.tmpDir ?? tmpdir(), "sxflow-shuffle-"));
    return new BucketShuffler(options, dir);
  }

  /** Rows written so far. */
  get count(): number {
    return this.rowCount;
  }

  /** Temporary directory holding the bucket files (removed by `close`). */
  get directory(): string {
    return this.dir;
  }

  /**
   * Pass 1: routes whole rows to buckets; `rows.length` must be a multiple of `rowBytes`. Rows
   * written with a `stream` number (the pipeline's task index) are routed by that stream's own
   * generator, so their buckets do not depend on how many rows came before: a shard routes its
   * tasks' rows exactly as a single run would. Without one, the buckets follow one sequence.
   */
  async write(rows: Uint8Array, stream?: number): Promise<void> {
    if (this.state !== "writing") throw new Error("BucketShuffler.write after reading started");
    const rb = this.rowBytes;
    if (rows.length % rb !== 0) throw new RangeError(`BucketShuffler.write: ${rows.length} bytes is not a whole number of ${rb}-byte rows`);
    const n = rows.length / rb;
    const route = stream === undefined ? this.route : new Xoshiro128(this.seed, stream);
    const target = assignBuckets(n, this.buckets.length, route);
    // Whole words when the rows allow: no view object per row (rows are small, and there are millions).
    const words = rb % 4 === 0 && rows.byteOffset % 4 === 0 ? new Uint32Array(rows.buffer, rows.byteOffset, rows.length / 4) : undefined;
    for (let i = 0; i < n; ) {
      i = this.copyRows(rows, words, target, i);
      const bucket = this.buckets[target[i - 1]!]!;
      if (bucket.used === this.bufferBytes) await this.keep(bucket);
    }
    this.rowCount += n;
  }

  /**
   * Copies rows `from`, `from + 1`, ... into their buckets' pieces until one fills up (it is then
   * the last row's) or the rows end; returns the index after the last row copied. The loop is
   * synchronous and on its own: with an await inside, V8 compiled it on the stack and threw the
   * code away again.
   */
  private copyRows(rows: Uint8Array, words: Uint32Array | undefined, target: Uint32Array, from: number): number {
    const rb = this.rowBytes;
    const w = rb / 4;
    const n = target.length;
    for (let i = from; i < n; i++) {
      const bucket = this.buckets[target[i]!]!;
      if (bucket.buffer.length === 0) {
        bucket.buffer = new Uint8Array(this.bufferBytes);
        if (rb % 4 === 0) bucket.words = new Uint32Array(bucket.buffer.buffer);
      }
      if (words) {
        const to = bucket.words;
        for (let f = i * w, t = bucket.used / 4, end = f + w; f < end; ) to[t++] = words[f++]!;
      } else {
        bucket.buffer.set(rows.subarray(i * rb, (i + 1) * rb), bucket.used);
      }
      bucket.used += rb;
      if (bucket.used === this.bufferBytes) return i + 1;
    }
    return n;
  }

  /** Keeps a bucket's full piece in memory, then spills buckets while the budget is exceeded. */
  private async keep(bucket: Bucket): Promise<void> {
    bucket.full.push(bucket.buffer);
    bucket.held += bucket.used;
    this.memory.held += bucket.used;
    bucket.buffer = new Uint8Array(0);
    bucket.words = new Uint32Array(0);
    bucket.used = 0;
    while (this.memory.held > this.memory.limit) {
      let largest = 0;
      for (let k = 1; k < this.buckets.length; k++) if (this.buckets[k]!.held > this.buckets[largest]!.held) largest = k;
      // This shuffler holds nothing more; the others spill theirs as they fill up.
      if (this.buckets[largest]!.held === 0) break;
      await this.spill(largest);
    }
  }

  private bucketPath(index: number): string {
    return bucketFile(this.dir, index);
  }

  /**
   * Appends a bucket's rows in memory (full pieces, and with `all` the one being filled too) to
   * its file: one open, one gathered write per 512 pieces, one close, however many pieces (a
   * bucket file's descriptor is not kept: thousands of buckets must not hold thousands).
   */
  private async spill(index: number, all = false): Promise<void> {
    const bucket = this.buckets[index]!;
    const pieces = bucket.full;
    let bytes = bucket.held;
    if (all && bucket.used > 0) {
      pieces.push(bucket.buffer.subarray(0, bucket.used));
      bytes += bucket.used;
    }
    if (bytes === 0) return;
    await appendPieces(this.bucketPath(index), pieces);
    bucket.onDisk += bytes;
    this.forget(bucket);
    if (all) release(bucket);
  }

  /** Drops a bucket's full pieces (written elsewhere or handed on) and gives their bytes back to the budget. */
  private forget(bucket: Bucket): void {
    this.memory.held -= bucket.held;
    bucket.full = [];
    bucket.held = 0;
  }

  /** Pass 2 on this thread: the rows in shuffled order, as chunks of at most `chunkRows` rows. */
  async *rows(chunkRows = SECOND_PASS_CHUNK_ROWS): AsyncGenerator<Uint8Array> {
    this.startReading("rows");
    try {
      yield* permutedBuckets({ rowBytes: this.rowBytes, buckets: this.buckets.length, seed: this.seed, chunkRows }, (index) => this.take(index));
    } finally {
      await this.close();
    }
  }

  /**
   * Ends pass 1 without pass 2, keeping its spill: every bucket's rows, in pass-1 order, are then
   * in `bucketFile(dir, k)` (no file for an empty bucket), and the directory is the caller's. A
   * shard of a run keeps its rows so, written once as a single run spills them; `permutedBuckets`
   * over bucket k of every shard, concatenated in shard order, gives what `rows` would have.
   */
  async keepSpill(): Promise<{ dir: string; bucketBytes: number[] }> {
    this.startReading("keepSpill");
    for (let index = 0; index < this.buckets.length; index++) await this.spill(index, true);
    this.state = "closed";
    return { dir: this.dir, bucketBytes: this.buckets.map((b) => b.onDisk) };
  }

  /**
   * Ends pass 1 for a second pass run elsewhere (on worker threads): every bucket's rows, those
   * spilled to its file and those still in memory, which become the caller's (the budget no
   * longer counts them). The files stay until `close`.
   */
  bucketRows(): BucketRows[] {
    this.startReading("bucketRows");
    return this.buckets.map((b, index) => {
      const rows = b.used > 0 ? [...b.full, b.buffer.subarray(0, b.used)] : b.full;
      const out = { file: this.bucketPath(index), onDisk: b.onDisk, rows, inMemory: b.held + b.used };
      this.forget(b);
      release(b);
      return out;
    });
  }

  private startReading(what: string): void {
    if (this.state !== "writing") throw new Error(`BucketShuffler.${what}: the rows can be read once`);
    this.state = "reading";
  }

  /** One bucket's rows, from its file (which is removed) and memory, and the bucket emptied. */
  private async take(index: number): Promise<Uint8Array> {
    const bucket = this.buckets[index]!;
    const bytes = bucket.onDisk + bucket.held + bucket.used;
    if (bytes > this.maxBucketBytes) {
      throw new Error(`shuffle bucket ${index} holds ${bytes} bytes, over the ${this.maxBucketBytes}-byte limit: use more buckets`);
    }
    const pieces = [...bucket.full, bucket.buffer.subarray(0, bucket.used)];
    if (bucket.onDisk > 0) {
      pieces.unshift(await readFile(this.bucketPath(index)));
      await rm(this.bucketPath(index));
    }
    let data = pieces[0]!;
    if (pieces.length > 1) {
      data = new Uint8Array(bytes);
      placePieces(pieces, data, 0);
    }
    this.forget(bucket);
    release(bucket);
    return data;
  }

  /** Removes the temporary files and drops the rows in memory; safe to call more than once. */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    for (const bucket of this.buckets) {
      this.forget(bucket);
      release(bucket);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** Drops a bucket's piece being filled. */
function release(bucket: Bucket): void {
  bucket.buffer = new Uint8Array(0);
  bucket.words = new Uint32Array(0);
  bucket.used = 0;
}

/** Copies `pieces` one after the other into `into` from byte `at`; returns the byte after the last. */
export function placePieces(pieces: readonly Uint8Array[], into: Uint8Array, at: number): number {
  for (const p of pieces) {
    into.set(p, at);
    at += p.length;
  }
  return at;
}

/** Appends `pieces` to a file, in order: gathered writes of at most 512 pieces, each retried until whole. */
async function appendPieces(file: string, pieces: readonly Uint8Array[]): Promise<void> {
  const handle = await open(file, "a");
  try {
    for (let first = 0; first < pieces.length; first += 512) {
      const batch = pieces.slice(first, first + 512);
      for (;;) {
        let { bytesWritten } = await handle.writev(batch);
        // A short write: go on from the first byte not written.
        while (batch.length > 0 && bytesWritten >= batch[0]!.length) bytesWritten -= batch.shift()!.length;
        if (batch.length === 0) break;
        batch[0] = batch[0]!.subarray(bytesWritten);
      }
    }
  } finally {
    await handle.close();
  }
}

/** The file of bucket `index` in a shuffler's spill directory. */
export function bucketFile(dir: string, index: number): string {
  return path.join(dir, `bucket-${index}.bin`);
}

export interface PermutedBucketsOptions {
  rowBytes: number;
  buckets: number;
  /** The shuffler's seed (pass 2 draws from a generator derived from it). */
  seed: number;
  /** Rows per emitted chunk (default 10,000). */
  chunkRows?: number;
}

/**
 * Pass 2 of the bucket shuffle: loads bucket 0, 1, ... in turn, permutes each with one seeded
 * Fisher-Yates sequence and emits its rows in chunks. `load` gives a bucket's rows in pass-1 order.
 */
export async function* permutedBuckets(options: PermutedBucketsOptions, load: (index: number) => Promise<Uint8Array>): AsyncGenerator<Uint8Array> {
  const rb = options.rowBytes;
  const chunkRows = options.chunkRows ?? SECOND_PASS_CHUNK_ROWS;
  const orders = bucketOrders(options.seed);
  for (let index = 0; index < options.buckets; index++) {
    const data = await load(index);
    const order = orders(data.length / rb);
    for (let start = 0; start < order.length; start += chunkRows) yield gatherRows(data, order.subarray(start, start + chunkRows), rb);
  }
}

/**
 * The in-bucket orders of pass 2, bucket after bucket: call it with each bucket's row count in
 * bucket order (one seeded Fisher-Yates sequence runs through all buckets of a split).
 */
export function bucketOrders(seed: number): (rows: number) => Uint32Array {
  const permute = new Xoshiro128((seed ^ 0x5bd1e995) >>> 0);
  return (rows) => permutation(rows, permute);
}

/**
 * Rows `order[0]`, `order[1]`, ... of `data`, one after the other, in `out` (of exactly their size,
 * at the start of its buffer; new by default).
 */
export function gatherRows(data: Uint8Array, order: Uint32Array, rowBytes: number, out = new Uint8Array(order.length * rowBytes)): Uint8Array {
  if (rowBytes % 4 === 0 && data.byteOffset % 4 === 0) {
    // Whole words: no view object per row (rows are small, and there are millions).
    const words = rowBytes / 4;
    const from = new Uint32Array(data.buffer, data.byteOffset, data.length / 4);
    const to = new Uint32Array(out.buffer);
    for (let i = 0, t = 0; i < order.length; i++) {
      for (let f = order[i]! * words, end = f + words; f < end; ) to[t++] = from[f++]!;
    }
    return out;
  }
  for (let i = 0; i < order.length; i++) out.set(data.subarray(order[i]! * rowBytes, (order[i]! + 1) * rowBytes), i * rowBytes);
  return out;
}

/** A byte range of every row (a group's records), see gatherSections. */
export interface RowSection {
  offset: number;
  bytes: number;
}

/** Bytes per row that gatherSections gives for `sections`. */
export function sectionBytes(sections: readonly RowSection[]): number {
  return sections.reduce((t, s) => t + s.bytes, 0);
}

/**
 * Rows `order[0]`, `order[1]`, ... of `data`, section by section: the first section's bytes of
 * every row in that order, then the second's, ... A sink writing one dataset per section then
 * copies each dataset's records in one piece instead of row by row. `out` as in gatherRows.
 */
export function gatherSections(data: Uint8Array, order: Uint32Array, rowBytes: number, sections: readonly RowSection[], out = new Uint8Array(order.length * sectionBytes(sections))): Uint8Array {
  const n = order.length;
  const aligned = rowBytes % 4 === 0 && data.byteOffset % 4 === 0 && sections.every((s) => s.offset % 4 === 0 && s.bytes % 4 === 0);
  // Whole words when every section allows (as in gatherRows), else bytes.
  const unit = aligned ? 4 : 1;
  const from = aligned ? new Uint32Array(data.buffer, data.byteOffset, data.length / 4) : data;
  const to = aligned ? new Uint32Array(out.buffer) : out;
  const first = Int32Array.from(sections, (s) => s.offset / unit);
  const size = Int32Array.from(sections, (s) => s.bytes / unit);
  const at = new Int32Array(sections.length);
  for (let s = 1; s < sections.length; s++) at[s] = at[s - 1]! + n * size[s - 1]!;
  const stride = rowBytes / unit;
  // One pass over the order, each row read once (the reads are random, the writes sequential).
  for (let i = 0; i < n; i++) {
    const row = order[i]! * stride;
    for (let s = 0; s < first.length; s++) {
      let t = at[s]!;
      for (let f = row + first[s]!, end = f + size[s]!; f < end; ) to[t++] = from[f++]!;
      at[s] = t;
    }
  }
  return out;
}
