/**
 * Chunk encoding on worker threads (Piscina). The worker module is the compiled
 * `chunk-worker.js` next to this file in production; from sources (tsx, vitest) it is the `.ts`
 * file loaded through tsx.
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { ChunkFilters, EncodedChunk } from "./chunk-encoder.js";
import type { ChunkTask } from "./chunk-worker.js";
import type { ChunkEncoder } from "./file-writer.js";

export interface EncoderPool extends ChunkEncoder {
  readonly threads: number;
  destroy(): Promise<void>;
}

function workerModule(): { filename: string; execArgv: string[] } {
  const js = fileURLToPath(new URL("./chunk-worker.js", import.meta.url));
  if (existsSync(js)) return { filename: js, execArgv: [] };
  const ts = fileURLToPath(new URL("./chunk-worker.ts", import.meta.url));
  return { filename: ts, execArgv: ["--import", "tsx"] };
}

export function createEncoderPool(threads: number): EncoderPool {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`encoder pool: threads must be a positive integer, got ${threads}`);
  const { filename, execArgv } = workerModule();
  const pool = new Piscina<ChunkTask, ArrayBuffer>({ filename, execArgv, minThreads: threads, maxThreads: threads });
  return {
    threads,
    // Enough chunks in flight to keep every worker busy while the writer waits on the oldest.
    concurrency: threads * 2 + 1,
    async encode(raw: Uint8Array, filters: ChunkFilters): Promise<EncodedChunk> {
      // Transfer when the chunk owns its whole buffer (the dataset writer's chunks do).
      const owns = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer;
      const task = { raw: owns ? raw : raw.slice(), filters };
      const out = await pool.run(task, { transferList: [task.raw.buffer as ArrayBuffer] });
      const mask = new DataView(out).getUint32(out.byteLength - 4, true);
      return { data: new Uint8Array(out, 0, out.byteLength - 4), mask };
    },
    destroy: () => pool.destroy(),
  };
}
