import { threadId } from "node:worker_threads";
import { dispatcher, sharedWithThread } from "../../src/pool/index.js";
import { zstdDecodeInto, zstdInit } from "../../src/root/compression/zstd.js";
import { adoptZstdModule, zstdModule } from "../../src/wasm/zstd-module.js";
import type { ConversionShared } from "../../src/wasm/zstd-module.js";

/** Test worker: squares a Float64Array in place and reports which thread did it. */
function square(payload: { values: Float64Array; delayMs: number }): { values: Float64Array; thread: number } {
  const end = Date.now() + payload.delayMs;
  while (Date.now() < end) {
    // Busy wait so tasks finish out of order across threads.
  }
  for (let i = 0; i < payload.values.length; i++) payload.values[i] = payload.values[i]! ** 2;
  return { values: payload.values, thread: threadId };
}

function fail(payload: { message: string }): never {
  throw new Error(payload.message);
}

/** Set by `warm` on this thread: whether a pool's warm-up ran here before the thread's first task. */
let warmed = false;

function warm(): void {
  warmed = true;
}

function warmth(payload: { delayMs: number }): { warmed: boolean; thread: number } {
  const end = Date.now() + payload.delayMs;
  while (Date.now() < end) {
    // Busy wait so that each of two concurrent tasks gets a thread of its own.
  }
  return { warmed, thread: threadId };
}

/**
 * Decodes a zstd frame with the module the pool gave this thread (as worker.ts adopts it): whether
 * one arrived compiled, whether the decoder was instantiated from it, and the bytes.
 */
async function sharedZstd(payload: { frame: Uint8Array; size: number }): Promise<{ received: boolean; adopted: boolean; bytes: Uint8Array }> {
  const shared = sharedWithThread() as ConversionShared | undefined;
  const received = Object.prototype.toString.call(shared?.zstd) === "[object WebAssembly.Module]";
  if (shared?.zstd) adoptZstdModule(shared.zstd);
  await zstdInit();
  const bytes = new Uint8Array(payload.size);
  zstdDecodeInto(payload.frame, bytes, 0, payload.size);
  return { received, adopted: zstdModule() === shared?.zstd, bytes };
}

export const handlers = { square, fail, warm, warmth, sharedZstd };
export type SquareHandlers = typeof handlers;
export default dispatcher(handlers);
