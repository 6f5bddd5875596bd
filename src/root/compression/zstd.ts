import type { ZSTDDecoder } from "zstddec";

/**
 * zstd frames through the zstddec WASM decoder. Its module is instantiated once, on first use,
 * and the promise is shared so concurrent callers wait for the same initialisation.
 */
let decoderPromise: Promise<ZSTDDecoder> | undefined;

function decoder(): Promise<ZSTDDecoder> {
  decoderPromise ??= (async () => {
    const { ZSTDDecoder } = await import("zstddec");
    const d = new ZSTDDecoder();
    await d.init();
    return d;
  })();
  return decoderPromise;
}

/** Decodes one zstd frame whose decoded size is known; throws if the result has another size. */
export async function zstdDecode(frame: Uint8Array, uncompressedSize: number): Promise<Uint8Array> {
  const d = await decoder();
  const out = d.decode(frame, uncompressedSize);
  if (out.length !== uncompressedSize) {
    throw new Error(`zstd frame is corrupt or has the wrong size: decoded ${out.length} bytes, expected ${uncompressedSize}`);
  }
  return out;
}
