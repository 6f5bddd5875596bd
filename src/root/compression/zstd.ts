import type * as WasmZstd from "@foxglove/wasm-zstd";

/**
 * zstd frames through @foxglove/wasm-zstd (zstd's reference decoder compiled to WebAssembly).
 * It replaced zstddec on 2026-12-03: 12-17 µs per 11 KB block of uproot-HZZ-zstd against 27-32
 * µs (best of 40 passes over the file's 57 blocks, same run). Its module is instantiated once
 * per thread, on first use, and the promise is shared so concurrent callers wait for the same
 * initialisation.
 */
let loading: Promise<typeof WasmZstd> | undefined;
/** Set once the module is instantiated, so decoding can then run synchronously. */
let ready: typeof WasmZstd | undefined;

/** Instantiates the decoder (once; concurrent callers share the same promise). */
export async function zstdInit(): Promise<void> {
  loading ??= (async () => {
    const m = await import("@foxglove/wasm-zstd");
    await m.isLoaded;
    return m;
  })();
  ready = await loading;
}

export function zstdReady(): boolean {
  return ready !== undefined;
}

/** Decodes one zstd frame whose decoded size is known, once zstdInit has completed; throws if the result has another size. */
export function zstdDecodeSync(frame: Uint8Array, uncompressedSize: number): Uint8Array {
  if (!ready) throw new Error("zstd decoder used before zstdInit completed");
  let out: Uint8Array;
  try {
    // The decoder refuses (rather than truncates) a frame that decodes to more than this.
    out = ready.decompress(frame, uncompressedSize);
  } catch (e) {
    throw new Error(`zstd frame is corrupt or decodes to more than the declared ${uncompressedSize} bytes`, { cause: e });
  }
  if (out.length !== uncompressedSize) {
    throw new Error(`zstd frame is corrupt or has the wrong size: decoded ${out.length} bytes, expected ${uncompressedSize}`);
  }
  // A plain Uint8Array view, not the Buffer: Buffer's slice() shares memory, Uint8Array's copies.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
