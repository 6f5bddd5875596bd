import { inflateSync } from "node:zlib";
import { inflateInto } from "./inflate.js";
import { lz4WithChecksum } from "./kernels.js";
import { lz4DecodeBlock } from "./lz4.js";
import { xzDecode } from "./xz.js";
import { zstdDecodeInto, zstdInit, zstdReady } from "./zstd.js";
import { scratchBytes } from "../scratch.js";

/**
 * Where a payload is, for messages: a string, or an object whose toString builds the text only
 * when an error needs it (the reader's per-basket path passes one).
 */
export type Place = string | { toString(): string };

/** Every ROOT compression block starts with this many header bytes. */
const HEADER = 9;
/** L4 blocks carry an 8-byte big-endian XXH64 of the compressed data before it. */
const LZ4_CHECKSUM = 8;

type Algorithm = "ZL" | "L4" | "ZS" | "XZ";

/** The algorithm of a block's two magic bytes, without making a string of them (once per basket). */
function algorithmOf(a: number, b: number): Algorithm | undefined {
  switch ((a << 8) | b) {
    case 0x5a4c:
      return "ZL";
    case 0x4c34:
      return "L4";
    case 0x5a53:
      return "ZS";
    case 0x585a:
      return "XZ";
    default:
      return undefined;
  }
}

/** One compression block located by its header: payload bytes [start, end) decode to `size` bytes. */
interface Block {
  algorithm: Algorithm;
  /** Offset of the block header in the payload. */
  at: number;
  start: number;
  end: number;
  size: number;
}

/**
 * Walks the block headers and checks that they tile the payload exactly and add up to
 * `uncompressedSize`, before anything is decoded or allocated: a corrupt size then fails fast
 * with a precise message instead of a huge allocation or a decoder error.
 */
function scanBlocks(src: Uint8Array, uncompressedSize: number, where: Place): Block[] {
  // Nearly every basket is one block: a list of exactly one (a list grown by push reserves room
  // for 17, allocated per basket).
  if (src.length > HEADER && uncompressedSize > 0) {
    const algorithm = algorithmOf(src[0]!, src[1]!);
    const compressed = src[3]! | (src[4]! << 8) | (src[5]! << 16);
    const size = src[6]! | (src[7]! << 8) | (src[8]! << 16);
    if (algorithm !== undefined && compressed + HEADER === src.length && size === uncompressedSize) return [{ algorithm, at: 0, start: HEADER, end: src.length, size }];
  }
  const blocks: Block[] = [];
  let ip = 0;
  let op = 0;
  while (op < uncompressedSize) {
    const index = blocks.length;
    if (ip + HEADER > src.length) {
      throw new Error(
        `${blockAt(where, index, ip)}: payload truncated: ${src.length - ip} bytes left for a 9-byte block header, ` +
          `blocks so far declare ${op} of ${uncompressedSize} bytes`,
      );
    }
    const algorithm = algorithmOf(src[ip]!, src[ip + 1]!);
    // Sizes mean nothing under an unknown magic: report the magic first.
    if (algorithm === undefined) {
      const magic = String.fromCharCode(src[ip]!, src[ip + 1]!);
      if (magic === "CS") {
        throw new Error(`${blockAt(where, index, ip)}: CS block (ROOT's pre-2000 compression algorithm) is not supported`);
      }
      throw new Error(
        `${blockAt(where, index, ip)}: unknown compression algorithm ${JSON.stringify(magic)} ` +
          `(bytes 0x${hex2(src[ip]!)} 0x${hex2(src[ip + 1]!)})`,
      );
    }
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
    blocks.push({ algorithm, at: ip, start, end, size });
    op += size;
    ip = end;
  }
  if (ip !== src.length) {
    throw new Error(
      `${where}: ${src.length - ip} unexpected bytes after the compression blocks ` +
        `(payload ${src.length} bytes, ${uncompressedSize} decoded)`,
    );
  }
  return blocks;
}

/**
 * Decompresses a ROOT basket or key payload to exactly `uncompressedSize` bytes.
 *
 * The payload is a sequence of compression blocks, each with its own 9-byte header (algorithm,
 * method, 3-byte little-endian compressed and uncompressed sizes); the file's or branch's
 * fCompress is never consulted because writers do not honour it. A payload as long as its
 * uncompressed size is stored raw and is returned as is (the result then aliases `src`).
 * Errors name `where` (file, tree, branch, basket) and the block at fault.
 */
export async function decompressBasket(src: Uint8Array, uncompressedSize: number, where: Place): Promise<Uint8Array> {
  checkSize(src, uncompressedSize, where);
  if (src.length === uncompressedSize) return src;
  const blocks = scanBlocks(src, uncompressedSize, where);
  if (blocks.some((b) => b.algorithm === "ZS")) await zstdInit();
  if (!blocks.some((b) => b.algorithm === "XZ")) return decodeBlocks(src, blocks, uncompressedSize, where);
  const out = new Uint8Array(uncompressedSize);
  let op = 0;
  for (let index = 0; index < blocks.length; index++) {
    const b = blocks[index]!;
    if (b.algorithm === "XZ") {
      try {
        out.set(await xzDecode(src.subarray(b.start, b.end), b.size), op);
      } catch (e) {
        throw new Error(`${blockAt(where, index, b.at)}: ${(e as Error).message}`, { cause: e });
      }
    } else {
      decodeBlock(src, b, index, out, op, where);
    }
    op += b.size;
  }
  return out;
}

/**
 * The synchronous form of decompressBasket, for the reader's per-basket hot path (no promise per
 * basket). Returns undefined when a block needs an asynchronous decoder: LZMA, or zstd before
 * its WASM module is initialised; decompressBasket then does the work.
 */
export function decompressBasketSync(src: Uint8Array, uncompressedSize: number, where: Place): Uint8Array | undefined {
  checkSize(src, uncompressedSize, where);
  if (src.length === uncompressedSize) return src;
  const blocks = scanBlocks(src, uncompressedSize, where);
  for (const b of blocks) if (b.algorithm === "XZ" || (b.algorithm === "ZS" && !zstdReady())) return undefined;
  return decodeBlocks(src, blocks, uncompressedSize, where);
}

function checkSize(src: Uint8Array, uncompressedSize: number, where: Place): void {
  if (!Number.isSafeInteger(uncompressedSize) || uncompressedSize < 0) {
    throw new Error(`${where}: invalid uncompressed size ${uncompressedSize} for a payload of ${src.length} bytes`);
  }
}

/** Decodes blocks that need no asynchronous decoder (ZL, L4, and ZS once zstd is initialised). */
function decodeBlocks(src: Uint8Array, blocks: Block[], uncompressedSize: number, where: Place): Uint8Array {
  // A single block hands its own output buffer back; several share one.
  if (blocks.length === 1 && blocks[0]!.algorithm !== "L4") return decodeBlock(src, blocks[0]!, 0, undefined, 0, where)!;
  // Every byte is written below (each block's decoded size is checked and the blocks add up to
  // the total), so the memory need not be zeroed.
  const out = scratchBytes(uncompressedSize);
  let op = 0;
  for (let index = 0; index < blocks.length; index++) {
    decodeBlock(src, blocks[index]!, index, out, op, where);
    op += blocks[index]!.size;
  }
  return out;
}

/**
 * Decodes one ZL, L4 or ZS block into `out` at `op`, or, without `out`, returns its own buffer
 * (never for L4, which always writes into `out`).
 */
function decodeBlock(src: Uint8Array, block: Block, index: number, out: Uint8Array | undefined, op: number, where: Place): Uint8Array | undefined {
  const { algorithm, at, start, end, size } = block;
  let decoded: Uint8Array | undefined;
  try {
    switch (algorithm) {
      case "ZL":
        if (out) {
          if (inflateInto(src, start, end, out, op, size)) return undefined;
        } else {
          const own = scratchBytes(size);
          if (inflateInto(src, start, end, own, 0, size)) return own;
        }
        decoded = inflateBlock(src.subarray(start, end), size);
        break;
      case "L4": {
        if (end - start < LZ4_CHECKSUM) throw new Error(`L4 block of ${end - start} bytes has no room for its checksum`);
        const r = lz4WithChecksum(src, start, end, out!, op, size);
        if (r.ok) return undefined;
        if (r.checksum) {
          const eh = readU32BE(src, start), el = readU32BE(src, start + 4);
          throw new Error(`LZ4 checksum mismatch: block says XXH64 ${hex64(eh, el)}, data hashes to ${hex64(...r.checksum)}`);
        }
        // The WebAssembly decoder only says that the block is corrupt; the JavaScript one,
        // decoding the same bytes under the same checks, says where and how.
        const n = lz4DecodeBlock(src, start + LZ4_CHECKSUM, end, out!, op, op + size);
        throw new Error(n === size ? "LZ4 block rejected by the WebAssembly decoder but not by the JavaScript one" : `LZ4 block decoded to ${n} bytes instead of ${size}`);
      }
      case "ZS": {
        const target = out ?? scratchBytes(size);
        zstdDecodeInto(src.subarray(start, end), target, out ? op : 0, size);
        return out ? undefined : target;
      }
      case "XZ":
        throw new Error("LZMA blocks need the asynchronous decoder");
    }
  } catch (e) {
    throw new Error(`${blockAt(where, index, at)}: ${(e as Error).message}`, { cause: e });
  }
  if (!out) return decoded;
  out.set(decoded, op);
  return undefined;
}

function blockAt(where: Place, index: number, ip: number): string {
  return `${where}: compression block ${index} (payload byte ${ip})`;
}

/**
 * ROOT's ZL blocks hold a zlib stream (RFC 1950, `78 xx`) in every file seen, from ROOT 5.30 to
 * uproot 5. One output chunk of the declared size avoids zlib's chunk concatenation. Only for
 * blocks the reused state (inflate.ts) did not accept: its result or error is the answer.
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

function readU32BE(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

function hex64(h: number, l: number): string {
  return h.toString(16).padStart(8, "0") + l.toString(16).padStart(8, "0");
}
