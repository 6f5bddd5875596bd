import type { ZSTDDecoder } from "zstddec";

/**
 * zstd frames through the zstddec WASM decoder. Its module is instantiated once, on first use,
 * and the promise is shared so concurrent callers wait for the same initialisation.
 */
let decoderPromise: Promise<ZSTDDecoder> | undefined;
/** Set once the module is instantiated, so decoding can then run synchronously. */
let ready: ZSTDDecoder | undefined;

/** Instantiates the decoder (once; concurrent callers share the same promise). */
export async function zstdInit(): Promise<void> {
  decoderPromise ??= (async () => {
    const { ZSTDDecoder } = await import("zstddec");
    const d = new ZSTDDecoder();
    await d.init();
    return d;
  })();
  ready = await decoderPromise;
}

export function zstdReady(): boolean {
  return ready !== undefined;
}

/** Decodes one zstd frame whose decoded size is known, once zstdInit has completed; throws if the result has another size. */
export function zstdDecodeSync(frame: Uint8Array, uncompressedSize: number): Uint8Array {
  if (!ready) throw new Error("zstd decoder used before zstdInit completed");
  const out = ready.decode(frame, uncompressedSize);
  if (out.length !== uncompressedSize) {
    throw new Error(`zstd frame is corrupt or has the wrong size: decoded ${out.length} bytes, expected ${uncompressedSize}`);
  }
  return out;
}
