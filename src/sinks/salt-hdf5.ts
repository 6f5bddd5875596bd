import { rm } from "node:fs/promises";
// The writing entry point, not the hdf5 index, which also loads h5wasm for its reader.
import { createH5 } from "../hdf5/write.js";
import type { AttrValue, ChunkEncoder, Compression, H5DatasetWriter, H5Writer } from "../hdf5/write.js";
import type { RecordLayout, SplitName } from "../stages/index.js";
import { SPLIT_NAMES } from "../stages/index.js";
import { createEncoderPool, sharedEncoderPool } from "./encoder-pool.js";
import type { WorkerPool } from "../pool/worker-pool.js";
import type { WorkerHandlers } from "../worker.js";
import type { EncoderPool } from "./encoder-pool.js";
import { splitPath } from "./paths.js";

export interface SaltWriterOptions {
  dir: string;
  name: string;
  compression: "none" | "gzip" | "lzf";
  level?: number;
  /** Threads encoding compressed chunks; 0 encodes on the calling thread. */
  encoderThreads: number;
  /** A running pool to encode on instead of starting `encoderThreads` threads. */
  pool?: WorkerPool<WorkerHandlers>;
  /** Root attributes of every file. */
  attrs: Record<string, AttrValue>;
}

/**
 * Bytes of records per chunk: HDF5's default chunk cache (h5py's too) holds 1 MiB, and a chunk
 * larger than the cache is read again on every access. A split smaller than one chunk gets one
 * chunk of exactly its rows (H5DatasetWriter.flush), so the shape depends on its row count only.
 */
const CHUNK_BYTES = 2 ** 20;

function compressionOf(options: SaltWriterOptions): Compression {
  if (options.compression === "gzip") return { deflate: options.level ?? 4 };
  return options.compression;
}

/** The three SALT files of a run: `<name>_<split>.h5`, one compound dataset per group. */
export class SaltWriter {
  readonly paths: string[];
  private readonly files: H5Writer[] = [];
  private readonly datasets: H5DatasetWriter[][] = [];
  private readonly encoder: EncoderPool | undefined;

  constructor(
    private readonly plan: RecordLayout,
    options: SaltWriterOptions,
  ) {
    this.paths = SPLIT_NAMES.map((s) => splitPath(options.dir, options.name, s));
    const compression = compressionOf(options);
    const compressed = compression !== "none";
    this.encoder =
      compressed && options.pool && options.pool.workers > 0
        ? sharedEncoderPool(options.pool)
        : compressed && options.encoderThreads > 0
          ? createEncoderPool(options.encoderThreads)
          : undefined;
    const encoder: ChunkEncoder | undefined = this.encoder;
    try {
      SPLIT_NAMES.forEach((split, s) => {
        const file = createH5(this.paths[s]!, { attrs: { ...options.attrs, split }, encoder });
        this.files.push(file);
        this.datasets.push(
          plan.groups.map((g) => {
            const ds = file.createDataset(g.name, {
              fields: g.fields.map((f) => ({ name: f.name, type: f.h5 })),
              objects: g.global ? undefined : g.max,
              chunkRows: Math.max(1, Math.floor(CHUNK_BYTES / (g.recordBytes * (g.global ? 1 : g.max)))),
              compression,
            });
            // append() copies the workers' rows as they are: their records must be the file's.
            const same = ds.layout.recordSize === g.recordBytes && g.fields.every((f, k) => ds.layout.offsets[k] === f.offset);
            if (!same) throw new Error(`internal error: group "${g.name}": the row layout differs from its HDF5 compound layout`);
            return ds;
          }),
        );
      });
    } catch (err) {
      for (const f of this.files) void f.abort();
      void this.encoder?.destroy();
      throw err;
    }
  }

  /** Appends whole rows (as packed by the workers) to the files of one split. */
  async append(split: number, bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    const rows = bytes.length / this.plan.rowBytes;
    const datasets = this.datasets[split]!;
    // Each group's section of a row already holds its HDF5 records (checked at construction).
    for (const [gi, g] of this.plan.groups.entries()) await datasets[gi]!.appendPacked(bytes, rows, this.plan.rowBytes, g.rowOffset);
  }

  /** Appends whole rows given group by group (SplitSink.appendGroups), in the order `append` would copy them. */
  async appendGroups(split: number, groups: readonly Uint8Array[], rows: number): Promise<void> {
    if (rows === 0) return;
    const datasets = this.datasets[split]!;
    for (const [gi, g] of this.plan.groups.entries()) {
      const bytes = g.recordBytes * (g.global ? 1 : g.max);
      await datasets[gi]!.appendPacked(groups[gi]!, rows, bytes, 0);
    }
  }

  /** Sets an attribute of a dataset in every split's file. */
  setDatasetAttr(group: string, name: string, value: AttrValue): void {
    for (const ds of this.datasets) ds.find((d) => d.name === group)!.setAttr(name, value);
  }

  setFileAttr(split: SplitName, name: string, value: AttrValue): void {
    this.files[SPLIT_NAMES.indexOf(split)]!.setAttr(name, value);
  }

  /** Finishes every file: each appears under its final name only now. */
  async close(): Promise<void> {
    let closed = 0;
    try {
      for (const f of this.files) {
        await f.close();
        closed++;
      }
    } catch (err) {
      // A later file failed: the earlier ones must not stay behind as if the run had completed.
      await Promise.all(this.paths.slice(0, closed).map((p) => rm(p, { force: true })));
      for (const f of this.files.slice(closed)) await f.abort();
      throw err;
    } finally {
      await this.encoder?.destroy();
    }
  }

  /** Drops every temporary file; nothing appears under the final names. */
  async abort(): Promise<void> {
    for (const f of this.files) await f.abort();
    await this.encoder?.destroy();
  }
}
