/**
 * HDF5 chunk encoding on worker threads: the package's worker module (src/worker.ts), whose
 * table also serves the pipeline.
 */

import type { ChunkFilters, EncodedChunk } from "../hdf5/write.js";
import type { ChunkEncoder } from "../hdf5/write.js";
import { createThreadPool } from "../pool/worker-pool.js";
import type { WorkerPool } from "../pool/worker-pool.js";
import type { ChunkTask, WorkerHandlers } from "../worker.js";
import { workerModule } from "../worker-module.js";

export interface EncoderPool extends ChunkEncoder {
  readonly threads: number;
  destroy(): Promise<void>;
}

export function createEncoderPool(threads: number): EncoderPool {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`encoder pool: threads must be a positive integer, got ${threads}`);
  const pool = createThreadPool<WorkerHandlers>(workerModule(), threads);
  return encoderOn(pool, () => pool.close());
}

/**
 * Chunk encoding on a pool that is already running (the pipeline's own worker threads, idle once
 * the conversion has read everything): no threads of its own to start, and no more threads than
 * cores competing while the conversion still runs. Destroying it leaves the pool running.
 */
export function sharedEncoderPool(pool: WorkerPool<WorkerHandlers>): EncoderPool {
  if (pool.workers < 1) throw new Error("encoder pool: the shared pool runs no worker threads");
  return encoderOn(pool, async () => {});
}

function encoderOn(pool: WorkerPool<WorkerHandlers>, destroy: () => Promise<void>): EncoderPool {
  const threads = pool.workers;
  return {
    threads,
    // Enough chunks in flight to keep every worker busy while the writer waits on the oldest.
    concurrency: threads * 2 + 1,
    async encode(raw: Uint8Array, filters: ChunkFilters): Promise<EncodedChunk> {
      // Transfer when the chunk owns its whole buffer (the dataset writer's chunks do).
      const owns = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer;
      const task: ChunkTask = { raw: owns ? raw : raw.slice(), filters };
      const out = await pool.run("encodeChunk", task, [task.raw.buffer as ArrayBuffer]);
      const mask = new DataView(out).getUint32(out.byteLength - 4, true);
      return { data: new Uint8Array(out, 0, out.byteLength - 4), mask };
    },
    destroy,
  };
}
