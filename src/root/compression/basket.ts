import { inflateSync } from "node:zlib";
import { lz4DecodeBlock } from "./lz4.js";
import { xxh64 } from "./xxh64.js";
import { xzDecode } from "./xz.js";
import { zstdDecode } from "./zstd.js";

/** Every ROOT compression block starts with this many header bytes. */
const HEADER = 9;
/** L4 blocks carry an 8-byte big-endian XXH64 of the compressed data before it. */
const LZ4_CHECKSUM = 8;

/**
 * Decompresses a ROOT basket or key payload to exactly `uncompressedSize` bytes.
 *
 * The payload is a sequence of compression blocks, each with its own 9-byte header (algorithm,
 * method, 3-byte little-endian compressed and uncompressed sizes); the file's or branch's
 * fCompress is never consulted because writers do not honour it. A payload as long as its
 * uncompressed size is stored raw and is returned as is (the result then aliases `src`).
 * Errors name `where` (file, tree, branch, basket) and the block at fault.
 */
export async function decompressBasket(src: Uint8Array, uncompressedSize: number, where: string): Promise<Uint8Array> {
  if (src.length === uncompressedSize) return src;

  let out: Uint8Array | undefined;
  let ip = 0;
  let op = 0;
  let index = 0;
  while (op < uncompressedSize) {
    // Messages are only built on failure: this loop runs once per basket on the hot path.
    if (ip + HEADER > src.length) {
      throw new Error(
        `${blockAt(where, index, ip)}: payload truncated: ${src.length - ip} bytes left for a 9-byte block header, ` +
          `${op} of ${uncompressedSize} bytes decoded`,
      );
    }
    const c0 = src[ip]!, c1 = src[ip + 1]!;
    const algorithm = String.fromCharCode(c0, c1);
    const compressed = src[ip + 3]! | (src[ip + 4]! << 8) | (src[ip + 5]! << 16);
    const size = src[ip + 6]! | (src[ip + 7]! << 8) | (src[ip + 8]! << 16);
    const start = ip + HEADER;
    const end = start + compressed;
    if (end > src.length) {
      throw new Error(
        `${blockAt(where, index, ip)}: ${algorithm} block truncated: header declares ${compressed} compressed bytes, ` +
          `${src.length - start} present`,
      );
    }
    if (op + size > uncompressedSize) {
      throw new Error(
        `${blockAt(where, index, ip)}: ${algorithm} block declares ${size} uncompressed bytes, but only ` +
          `${uncompressedSize - op} of the basket's ${uncompressedSize} remain`,
      );
    }
    if (size === 0) throw new Error(`${blockAt(where, index, ip)}: ${algorithm} block declares 0 uncompressed bytes`);

    // A single block that is the whole payload can hand its own output buffer back.
    const whole = op === 0 && size === uncompressedSize && end === src.length;
    let decoded: Uint8Array | undefined;
    try {
      switch (algorithm) {
        case "ZL":
          decoded = inflateBlock(src.subarray(start, end), size);
          break;
        case "L4": {
          if (compressed < LZ4_CHECKSUM) throw new Error(`L4 block of ${compressed} bytes has no room for its checksum`);
          const [h, l] = xxh64(src, start + LZ4_CHECKSUM, end);
          const dv = new DataView(src.buffer, src.byteOffset + start, LZ4_CHECKSUM);
          const eh = dv.getUint32(0), el = dv.getUint32(4);
          if (h !== eh || l !== el) {
            throw new Error(`LZ4 checksum mismatch: block says XXH64 ${hex64(eh, el)}, data hashes to ${hex64(h, l)}`);
          }
          out ??= new Uint8Array(uncompressedSize);
          const n = lz4DecodeBlock(src, start + LZ4_CHECKSUM, end, out, op, op + size);
          if (n !== size) throw new Error(`LZ4 block decoded to ${n} bytes instead of ${size}`);
          break;
        }
        case "ZS":
          decoded = await zstdDecode(src.subarray(start, end), size);
          break;
        case "XZ":
          decoded = await xzDecode(src.subarray(start, end), size);
          break;
        case "CS":
          throw new Error("CS block (ROOT's pre-2000 compression algorithm) is not supported");
        default:
          throw new Error(`unknown compression algorithm ${JSON.stringify(algorithm)} (bytes 0x${hex2(c0)} 0x${hex2(c1)})`);
      }
    } catch (e) {
      throw new Error(`${blockAt(where, index, ip)}: ${(e as Error).message}`, { cause: e });
    }
    if (decoded !== undefined) {
      if (whole) return decoded;
      out ??= new Uint8Array(uncompressedSize);
      out.set(decoded, op);
    }
    op += size;
    ip = end;
    index++;
  }
  if (ip !== src.length) {
    throw new Error(
      `${where}: ${src.length - ip} unexpected bytes after the compression blocks ` +
        `(payload ${src.length} bytes, ${uncompressedSize} decoded)`,
    );
  }
  // Only reachable with at least one block, each of which allocated or returned.
  return out!;
}

function blockAt(where: string, index: number, ip: number): string {
  return `${where}: compression block ${index} (payload byte ${ip})`;
}

/**
 * ROOT's ZL blocks hold a zlib stream (RFC 1950, `78 xx`) in every file seen, from ROOT 5.30 to
 * uproot 5. One output chunk of the declared size avoids zlib's chunk concatenation.
 */
function inflateBlock(block: Uint8Array, size: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(block, { maxOutputLength: size, chunkSize: Math.max(64, size) });
  } catch (e) {
    const err = e as Error & { code?: string };
    const why = err.code === "ERR_BUFFER_TOO_LARGE" ? `decodes to more than the declared ${size} bytes` : err.message;
    throw new Error(`zlib: ${why}`, { cause: e });
  }
  if (out.length !== size) throw new Error(`zlib stream decoded to ${out.length} bytes instead of ${size}`);
  // A plain Uint8Array view, not the Buffer: Buffer's slice() shares memory, Uint8Array's copies.
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function hex64(h: number, l: number): string {
  return h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0");
}
