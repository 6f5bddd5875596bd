import { gunzipSync } from "node:zlib";
import { zstdDecodeInto, zstdInit } from "../root/compression/zstd.js";
import { Codec } from "./metadata.js";
import { snappyDecode } from "./snappy.js";

/** Codecs sxflow's own page decoder reads; any other leaves the chunk to parquet-wasm. */
export const OWN_CODECS: ReadonlySet<number> = new Set([Codec.UNCOMPRESSED, Codec.SNAPPY, Codec.GZIP, Codec.ZSTD]);

/** Loads what decompressing `codec` needs (the zstd WebAssembly module), once per thread. */
export async function codecInit(codec: number): Promise<void> {
  if (codec === Codec.ZSTD) await zstdInit();
}

/**
 * Where zstd pages are decompressed, reused from page to page (grown to the largest page met):
 * a fresh array per page was an allocation (zero-filled, then overwritten) and garbage per page.
 */
let zstdPages = new Uint8Array(0);

/**
 * A page's bytes decompressed to exactly `size` bytes (after {@link codecInit}). Those of a zstd
 * page are in scratch memory, valid until the next call: a caller that keeps them copies them.
 */
export function decompress(codec: number, src: Uint8Array, size: number): Uint8Array {
  switch (codec) {
    case Codec.UNCOMPRESSED:
      if (src.length !== size) throw new Error(`an uncompressed page of ${src.length} bytes declares ${size}`);
      return src;
    case Codec.ZSTD: {
      if (zstdPages.length < size) zstdPages = new Uint8Array(Math.max(size, Math.min(2 * zstdPages.length, 16 << 20)));
      zstdDecodeInto(src, zstdPages, 0, size);
      return zstdPages.subarray(0, size);
    }
    case Codec.SNAPPY:
      return snappyDecode(src, size);
    case Codec.GZIP: {
      let out: Uint8Array;
      try {
        out = gunzipSync(src, { maxOutputLength: Math.max(size, 1) });
      } catch (error) {
        throw new Error(`gzip data is corrupt or decodes to more than the declared ${size} bytes (${(error as Error).message})`);
      }
      if (out.length !== size) throw new Error(`gzip data decoded to ${out.length} bytes, expected ${size}`);
      return out;
    }
    default:
      throw new Error(`codec ${codec} is not decoded by sxflow`);
  }
}
