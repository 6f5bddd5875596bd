/**
 * parquet-wasm decodes in futures that run from microtasks; a Rust panic there (a corrupt page
 * that does not decompress or decode) surfaces as a WebAssembly.RuntimeError ("unreachable")
 * thrown outside any caller's promise chain: an uncaught exception that kills the process. While
 * a decode is awaited through `trapped`, such an error is turned into a rejection of that await
 * instead; any other uncaught exception is left to the process's other handlers, or crashes it as
 * it would have (stack on stderr, exit code 1).
 */
const waiting = new Set<(err: Error) => void>();

const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: new () => Error } }).WebAssembly;

/** Whether `err` is a WebAssembly trap (a Rust panic in parquet-wasm). */
export function isWasmTrap(err: unknown): err is Error {
  return err instanceof RuntimeError;
}

function onUncaught(err: unknown): void {
  if (isWasmTrap(err) && waiting.size > 0) {
    for (const reject of waiting) reject(err);
    waiting.clear();
    return;
  }
  if (process.listenerCount("uncaughtException") > 1) return;
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
}

/** Awaits `work`; a WebAssembly trap in parquet-wasm meanwhile rejects it with the trap. */
export async function trapped<T>(work: Promise<T>): Promise<T> {
  let reject!: (err: Error) => void;
  const trap = new Promise<never>((_, r) => (reject = r));
  if (waiting.size === 0) process.on("uncaughtException", onUncaught);
  waiting.add(reject);
  try {
    return await Promise.race([work, trap]);
  } finally {
    waiting.delete(reject);
    if (waiting.size === 0) process.off("uncaughtException", onUncaught);
  }
}
