import { threadId } from "node:worker_threads";
import { dispatcher } from "../../src/pool/index.js";

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

export const handlers = { square, fail, warm, warmth };
export type SquareHandlers = typeof handlers;
export default dispatcher(handlers);
