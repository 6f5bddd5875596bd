/**
 * The HDF5 file writer. Layout: superblock (rewritten last) -> chunk data in arrival order ->
 * at close: chunk B-trees, global heap, dataset object headers, root group header. The file is
 * written under a temporary name and renamed by `close()`, so a failed or interrupted run never
 * leaves a file that looks complete (the superblock signature itself is written only at close).
 */

import { closeSync, fdatasync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import path from "node:path";
import { attributeBody, AttrStore, type AttrValue } from "./attributes.js";
import { writeChunkBTree } from "./btree.js";
import { encodeChunk, type ChunkFilters, type EncodedChunk } from "./chunk-encoder.js";
import { H5DatasetWriter, type ChunkSink, type DatasetSpec } from "./dataset-writer.js";
import { GlobalHeap } from "./global-heap.js";
import { attributeInfoMessage, groupInfoMessage, linkInfoMessage, linkMessage, MSG, objectHeader, type Message } from "./object-header.js";
import { superblock, SUPERBLOCK_SIZE } from "./superblock.js";

/** Encodes chunks, in this thread or elsewhere; `concurrency` chunks may be in flight at once. */
export interface ChunkEncoder {
  encode(raw: Uint8Array, filters: ChunkFilters): EncodedChunk | Promise<EncodedChunk>;
  readonly concurrency: number;
}

export const inThreadEncoder: ChunkEncoder = { encode: encodeChunk, concurrency: 0 };

export interface CreateH5Options {
  attrs?: Record<string, AttrValue>;
  /** Default: encode in the calling thread. */
  encoder?: ChunkEncoder;
  /** fsync the file before the rename (default true). */
  fsync?: boolean;
}

const COALESCE_BYTES = 1 << 22;
/**
 * Bytes written between two background flushes to the disk: the disk writes the file while the
 * run still computes, instead of all of it in the fsync at close (a gigabyte is seconds of it).
 */
const SYNC_BYTES = 1 << 24;
const DIRECT_WRITE_BYTES = 1 << 16;

type State = "open" | "closing" | "closed" | "failed";

/** Temporary files of writers still open: removed if the process exits without closing them. */
const liveTemps = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const t of liveTemps) {
      try { unlinkSync(t); } catch { /* already gone */ }
    }
  });
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class H5Writer implements ChunkSink {
  readonly path: string;
  readonly tempPath: string;
  private fd: number;
  private eof = 0;
  private state: State = "open";
  private failure: unknown;
  private readonly datasets: H5DatasetWriter[] = [];
  private readonly attrs = new AttrStore("the root group");
  private readonly pending: { result: Promise<EncodedChunk>; dataset: H5DatasetWriter }[] = [];
  private writeChain: Promise<void> = Promise.resolve();
  private readonly encoder: ChunkEncoder;
  private readonly fsync: boolean;
  private readonly coalesced = new Uint8Array(COALESCE_BYTES);
  private coalescedLength = 0;
  /** Bytes written since the last background flush started, and that flush while it runs. */
  private unsynced = 0;
  private syncing: Promise<void> | undefined;

  constructor(file: string, options: CreateH5Options = {}) {
    this.path = path.resolve(file);
    this.encoder = options.encoder ?? inThreadEncoder;
    this.fsync = options.fsync ?? true;
    for (const [k, v] of Object.entries(options.attrs ?? {})) this.attrs.set(k, v);
    const suffix = `${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
    this.tempPath = path.join(path.dirname(this.path), `.${path.basename(this.path)}.${suffix}`);
    try {
      this.fd = openSync(this.tempPath, "wx");
    } catch (err) {
      throw new Error(`cannot create HDF5 file "${this.path}": ${describe(err)}`);
    }
    liveTemps.add(this.tempPath);
    installExitHook();
    // Placeholder for the superblock, which is only valid once everything else is written.
    this.append(new Uint8Array(SUPERBLOCK_SIZE));
  }

  createDataset(name: string, spec: DatasetSpec): H5DatasetWriter {
    this.checkWritable(`create dataset "${name}"`);
    if (typeof name !== "string" || name.length === 0 || name.includes("/") || name === "." ) {
      throw new Error(`${this.path}: invalid dataset name ${JSON.stringify(name)} (one path component, no "/")`);
    }
    if (this.datasets.some((d) => d.name === name)) throw new Error(`${this.path}: dataset "${name}" already exists`);
    const ds = new H5DatasetWriter(this, name, spec);
    this.datasets.push(ds);
    return ds;
  }

  setAttr(name: string, value: AttrValue): void {
    this.checkWritable(`set attribute "${name}"`);
    this.attrs.set(name, value);
  }

  get chunkWrittenOnSubmit(): boolean {
    return this.encoder.concurrency === 0;
  }

  checkWritable(action: string): void {
    if (this.state === "open") return;
    const why = this.state === "failed" ? `it failed earlier: ${describe(this.failure)}` : `it is ${this.state}`;
    throw new Error(`cannot ${action} in HDF5 file "${this.path}": ${why}`);
  }

  async submitChunk(dataset: H5DatasetWriter, raw: Uint8Array): Promise<void> {
    let result: Promise<EncodedChunk>;
    try {
      result = Promise.resolve(this.encoder.encode(raw, dataset.filters));
    } catch (err) {
      result = Promise.reject(err);
    }
    // Awaited in order by writeOldest; this only keeps an early rejection from being "unhandled".
    result.catch(() => undefined);
    this.pending.push({ result, dataset });
    await this.drainTo(this.encoder.concurrency);
  }

  /**
   * Writes the oldest chunks until at most `limit` are in flight. Drains run one after another
   * (appends to several datasets may run concurrently), so chunks land in submission order.
   */
  private drainTo(limit: number): Promise<void> {
    const run = this.writeChain.then(async () => {
      while (this.pending.length > limit) await this.writeOldest();
    });
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async writeOldest(): Promise<void> {
    const next = this.pending.shift();
    if (!next) return;
    let encoded: EncodedChunk;
    try {
      encoded = await next.result;
    } catch (err) {
      this.fail(err);
      throw new Error(`HDF5 file "${this.path}": encoding a chunk of dataset "${next.dataset.name}" failed: ${describe(err)}`);
    }
    next.dataset.recordChunk(this.append(encoded.data), encoded.data.length, encoded.mask);
  }

  /** Writes bytes at the end of the file and returns their address. */
  private append(bytes: Uint8Array): number {
    const address = this.eof;
    // Small pieces (small chunks, B-tree nodes) are gathered into one write.
    if (bytes.length >= DIRECT_WRITE_BYTES) {
      this.flushCoalesced();
      this.writeAt(bytes, address);
    } else {
      if (this.coalescedLength + bytes.length > COALESCE_BYTES) this.flushCoalesced();
      this.coalesced.set(bytes, this.coalescedLength);
      this.coalescedLength += bytes.length;
    }
    this.eof += bytes.length;
    return address;
  }

  private flushCoalesced(): void {
    if (this.coalescedLength === 0) return;
    this.writeAt(this.coalesced.subarray(0, this.coalescedLength), this.eof - this.coalescedLength);
    this.coalescedLength = 0;
  }

  private writeAt(bytes: Uint8Array, position: number): void {
    try {
      let done = 0;
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done, position + done);
    } catch (err) {
      this.fail(err);
      throw new Error(`cannot write HDF5 file "${this.path}" (temporary "${this.tempPath}"): ${describe(err)}`);
    }
    this.unsynced += bytes.length;
    if (this.fsync && this.unsynced >= SYNC_BYTES && !this.syncing) this.syncInBackground();
  }

  /** Starts flushing what was written so far to the disk (on libuv's threads); the fsync at close reports errors. */
  private syncInBackground(): void {
    this.unsynced = 0;
    this.syncing = new Promise<void>((resolve) => fdatasync(this.fd, () => resolve())).then(() => {
      this.syncing = undefined;
    });
  }

  /** Finishes the file: last chunks, indexes, headers, superblock, fsync, rename. */
  async close(): Promise<void> {
    this.checkWritable("close");
    this.state = "closing";
    try {
      for (const ds of this.datasets) await ds.flush();
      await this.drainTo(0);
      const append = (b: Uint8Array): number => this.append(b);
      const btrees = this.datasets.map((ds) => writeChunkBTree(ds.index, ds.chunkDims(), append, () => this.eof));
      const heap = new GlobalHeap();
      const rootAttrs = this.attrs.prepare(heap);
      const dsAttrs = this.datasets.map((ds) => ds.attrs.prepare(heap));
      heap.write(append);
      const headers = this.datasets.map((ds, i) => {
        const attrs = dsAttrs[i].map((a) => attributeBody(a, heap));
        return this.append(objectHeader(ds.headerMessages(btrees[i], attrs)));
      });
      const root: Message[] = [
        { type: MSG.linkInfo, body: linkInfoMessage() },
        { type: MSG.groupInfo, body: groupInfoMessage(), constant: true },
        { type: MSG.attributeInfo, body: attributeInfoMessage() },
        ...this.datasets.map((ds, i) => ({ type: MSG.link, body: linkMessage(ds.name, headers[i]) })),
        ...rootAttrs.map((a) => ({ type: MSG.attribute, body: attributeBody(a, heap) })),
      ];
      const rootAddress = this.append(objectHeader(root));
      this.flushCoalesced();
      this.writeAt(superblock(this.eof, rootAddress), 0);
      await this.syncing;
      if (this.fsync) fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.tempPath, this.path);
      liveTemps.delete(this.tempPath);
      this.state = "closed";
    } catch (err) {
      if ((this.state as State) !== "failed") this.fail(err);
      throw err instanceof Error && err.message.includes(this.path)
        ? err
        : new Error(`cannot finish HDF5 file "${this.path}": ${describe(err)}`);
    }
  }

  /** Abandons the file: the temporary file is removed and nothing appears under the final name. */
  async abort(): Promise<void> {
    if (this.state === "closed") return;
    // Let in-flight encodings settle so that no worker result arrives after the abort.
    await Promise.allSettled(this.pending.map((p) => p.result));
    this.pending.length = 0;
    // Its descriptor is closed next: no flush may still use it (or a new file given its number).
    await this.syncing;
    if (this.state !== "failed") this.fail(new Error("aborted"));
  }

  private fail(err: unknown): void {
    this.state = "failed";
    this.failure = err;
    try { closeSync(this.fd); } catch { /* already closed */ }
    try { unlinkSync(this.tempPath); } catch { /* already gone */ }
    liveTemps.delete(this.tempPath);
  }
}

/** Creates `file` (replaced on `close()` if it exists) for writing SALT-style compound datasets. */
export function createH5(file: string, options: CreateH5Options = {}): H5Writer {
  return new H5Writer(file, options);
}
