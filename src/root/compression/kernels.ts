/**
 * XXH64 and the LZ4 block decoder as a small WebAssembly module, written out in
 * ../../wasm/encoding.ts terms and compiled on first use.
 *
 * Why WebAssembly: XXH64 is 64-bit multiply-rotate arithmetic, which JavaScript can only emulate
 * with 16-bit partial products (about 1.3 GB/s against several GB/s with native i64), and LZ4's
 * short literal runs and matches cost a per-byte loop or a native call each in JavaScript, where
 * WebAssembly copies them with 8-byte loads and stores. Both run on ROOT's L4 blocks, whose
 * checksum ROOT verifies and so must we.
 *
 * Memory layout of one call: input at 0, output after it; a few slack bytes after each let the
 * decoder copy short runs in whole 8-byte words, writing past the end of a run (the next run
 * overwrites it; slack bytes are never copied out).
 */
import { get, I32, I64, i32, i64, mem, memoryCopy, op, set, tee, VOID, KernelInstance, type WasmFunction } from "../../wasm/encoding.js";

// XXH64 primes.
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

/** round(0, lane) = rotl(lane * P2, 31) * P1, the lane's instructions first. */
const round0 = (lane: number[]): number[] => [...lane, ...i64(P2), op.i64Mul, ...i64(31n), op.i64Rotl, ...i64(P1), op.i64Mul];

const XXH64: WasmFunction = (() => {
  const [p, len, end, limit, v1, v2, v3, v4, h] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  // acc = round(acc, lane) = rotl(acc + lane * P2, 31) * P1, lane = 8 bytes at p + offset.
  const roundAt = (acc: number, offset: number): number[] => [
    ...get(acc), ...get(p), ...mem(op.i64Load, 0, offset), ...i64(P2), op.i64Mul, op.i64Add,
    ...i64(31n), op.i64Rotl, ...i64(P1), op.i64Mul, ...set(acc),
  ];
  const rotlOf = (v: number, r: bigint): number[] => [...get(v), ...i64(r), op.i64Rotl];
  const mergeRound = (v: number): number[] => [...get(h), ...round0(get(v)), op.i64Xor, ...i64(P1), op.i64Mul, ...i64(P4), op.i64Add, ...set(h)];
  const body = [
    ...get(p), ...get(len), op.i32Add, ...set(end),
    ...get(len), ...i32(32), op.i32GeU,
    op.if, VOID,
    ...i64(P1 + P2), ...set(v1), ...i64(P2), ...set(v2), ...i64(0n), ...set(v3), ...i64(-P1), ...set(v4),
    ...get(end), ...i32(32), op.i32Sub, ...set(limit),
    // 32-byte stripes, four lanes.
    op.loop, VOID,
    ...roundAt(v1, 0), ...roundAt(v2, 8), ...roundAt(v3, 16), ...roundAt(v4, 24),
    ...get(p), ...i32(32), op.i32Add, ...tee(p), ...get(limit), op.i32LeU, op.brIf, 0,
    op.end,
    ...rotlOf(v1, 1n), ...rotlOf(v2, 7n), op.i64Add, ...rotlOf(v3, 12n), op.i64Add, ...rotlOf(v4, 18n), op.i64Add, ...set(h),
    ...mergeRound(v1), ...mergeRound(v2), ...mergeRound(v3), ...mergeRound(v4),
    op.else,
    ...i64(P5), ...set(h),
    op.end,
    ...get(h), ...get(len), op.i64ExtendI32U, op.i64Add, ...set(h),
    // Remaining 8-byte words.
    op.block, VOID, op.loop, VOID,
    ...get(p), ...i32(8), op.i32Add, ...get(end), op.i32GtU, op.brIf, 1,
    ...get(h), ...round0([...get(p), ...mem(op.i64Load, 0)]), op.i64Xor, ...i64(27n), op.i64Rotl, ...i64(P1), op.i64Mul, ...i64(P4), op.i64Add, ...set(h),
    ...get(p), ...i32(8), op.i32Add, ...set(p),
    op.br, 0,
    op.end, op.end,
    // A 4-byte word.
    ...get(p), ...i32(4), op.i32Add, ...get(end), op.i32LeU,
    op.if, VOID,
    ...get(h), ...get(p), ...mem(op.i64Load32U, 0), ...i64(P1), op.i64Mul, op.i64Xor, ...i64(23n), op.i64Rotl, ...i64(P2), op.i64Mul, ...i64(P3), op.i64Add, ...set(h),
    ...get(p), ...i32(4), op.i32Add, ...set(p),
    op.end,
    // Single bytes.
    op.block, VOID, op.loop, VOID,
    ...get(p), ...get(end), op.i32GeU, op.brIf, 1,
    ...get(h), ...get(p), ...mem(op.i32Load8U, 0), op.i64ExtendI32U, ...i64(P5), op.i64Mul, op.i64Xor, ...i64(11n), op.i64Rotl, ...i64(P1), op.i64Mul, ...set(h),
    ...get(p), ...i32(1), op.i32Add, ...set(p),
    op.br, 0,
    op.end, op.end,
    // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
    ...get(h), ...get(h), ...i64(33n), op.i64ShrU, op.i64Xor, ...i64(P2), op.i64Mul, ...tee(h),
    ...get(h), ...i64(29n), op.i64ShrU, op.i64Xor, ...i64(P3), op.i64Mul, ...tee(h),
    ...get(h), ...i64(32n), op.i64ShrU, op.i64Xor,
  ];
  return { name: "xxh64", params: [I32, I32], results: [I64], locals: [I32, I32, I64, I64, I64, I64, I64], body };
})();

/** Cap of a literal or match length: an L4 block decodes to at most 2^24 - 1 bytes (3-byte size). */
const MAX_RUN = 0xffffff;

const LZ4: WasmFunction = (() => {
  const [ip, srcEnd, dst, dstEnd, dstStart, token, len, b, offset, end, from, period] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  // Adds the 255-continued length bytes to `len`; `err` is the branch depth of the error block
  // from inside the if that holds this loop.
  const extraLength = (err: number): number[] => [
    op.loop, VOID,
    ...get(ip), ...get(srcEnd), op.i32GeU, op.brIf, err + 1,
    ...get(ip), ...mem(op.i32Load8U, 0), ...tee(b), ...get(len), op.i32Add, ...set(len),
    ...get(ip), ...i32(1), op.i32Add, ...set(ip),
    ...get(len), ...i32(MAX_RUN), op.i32GtU, op.brIf, err + 1,
    ...get(b), ...i32(255), op.i32Eq, op.brIf, 0,
    op.end,
  ];
  // Branch depths inside the sequence loop: 0 loop, 1 done, 2 error.
  // Words from `from` to `dst` until dst reaches `end` (may write up to 7 bytes past it).
  const copyWords = [
    op.loop, VOID,
    ...get(dst), ...get(from), ...mem(op.i64Load, 0), ...mem(op.i64Store, 0),
    ...get(dst), ...i32(8), op.i32Add, ...set(dst),
    ...get(from), ...i32(8), op.i32Add, ...set(from),
    ...get(dst), ...get(end), op.i32LtU, op.brIf, 0,
    op.end,
  ];
  const body = [
    ...get(dst), ...set(dstStart),
    op.block, VOID, // error
    op.block, VOID, // done
    op.loop, VOID,
    ...get(ip), ...get(srcEnd), op.i32GeU, op.brIf, 1,
    ...get(ip), ...mem(op.i32Load8U, 0), ...set(token),
    ...get(ip), ...i32(1), op.i32Add, ...set(ip),
    // Literals.
    ...get(token), ...i32(4), op.i32ShrU, ...tee(len), ...i32(15), op.i32Eq,
    op.if, VOID, ...extraLength(3), op.end,
    ...get(len), ...get(srcEnd), ...get(ip), op.i32Sub, op.i32GtU, op.brIf, 2,
    ...get(len), ...get(dstEnd), ...get(dst), op.i32Sub, op.i32GtU, op.brIf, 2,
    ...get(len), ...i32(16), op.i32LeU,
    op.if, VOID,
    ...get(dst), ...get(ip), ...mem(op.i64Load, 0, 0), ...mem(op.i64Store, 0, 0),
    ...get(dst), ...get(ip), ...mem(op.i64Load, 0, 8), ...mem(op.i64Store, 0, 8),
    op.else,
    ...get(dst), ...get(ip), ...get(len), ...memoryCopy,
    op.end,
    ...get(ip), ...get(len), op.i32Add, ...set(ip),
    ...get(dst), ...get(len), op.i32Add, ...set(dst),
    // The last sequence has literals only.
    ...get(ip), ...get(srcEnd), op.i32GeU, op.brIf, 1,
    // Match offset and length.
    ...get(srcEnd), ...get(ip), op.i32Sub, ...i32(2), op.i32LtU, op.brIf, 2,
    ...get(ip), ...mem(op.i32Load16U, 0), ...set(offset),
    ...get(ip), ...i32(2), op.i32Add, ...set(ip),
    ...get(offset), op.i32Eqz, ...get(offset), ...get(dst), ...get(dstStart), op.i32Sub, op.i32GtU, op.i32Or, op.brIf, 2,
    ...get(token), ...i32(15), op.i32And, ...tee(len), ...i32(15), op.i32Eq,
    op.if, VOID, ...extraLength(3), op.end,
    ...get(len), ...i32(4), op.i32Add, ...set(len),
    ...get(len), ...get(dstEnd), ...get(dst), op.i32Sub, op.i32GtU, op.brIf, 2,
    ...get(dst), ...get(offset), op.i32Sub, ...set(from),
    ...get(dst), ...get(len), op.i32Add, ...set(end),
    ...get(offset), ...i32(8), op.i32GeU,
    op.if, VOID,
    // 8 bytes at a time: with offset >= 8 every word read was written before (also for
    // overlapping matches, whose pattern then repeats correctly).
    ...copyWords,
    op.else,
    // Offsets below 8 (runs of a short pattern): the first 8 bytes one by one, each reading a
    // byte already written. The output then repeats with period `period`, the smallest multiple of
    // the offset that is at least 8, and is available from dst + 8 - period (at most `offset`
    // bytes before dst), so the rest is copied in words from that far back.
    ...Array.from({ length: 8 }, (_, k) => [...get(dst), ...get(from), ...mem(op.i32Load8U, 0, k), ...mem(op.i32Store8, 0, k)]).flat(),
    ...get(len), ...i32(8), op.i32GtU,
    op.if, VOID,
    ...get(offset), ...set(period),
    op.block, VOID, op.loop, VOID,
    ...get(period), ...i32(8), op.i32GeU, op.brIf, 1,
    ...get(period), ...get(offset), op.i32Add, ...set(period),
    op.br, 0,
    op.end, op.end,
    ...get(dst), ...i32(8), op.i32Add, ...tee(dst), ...get(period), op.i32Sub, ...set(from),
    ...copyWords,
    op.end,
    op.end,
    ...get(end), ...set(dst),
    op.br, 0,
    op.end, // loop
    op.end, // done
    ...get(dst), ...get(dstStart), op.i32Sub, op.return,
    op.end, // error
    ...i32(-1),
  ];
  return { name: "lz4", params: [I32, I32, I32, I32], results: [I32], locals: Array<typeof I32>(8).fill(I32), body };
})();

/** What l4 returns when the block's checksum does not match its data. */
const BAD_CHECKSUM = -2;

/**
 * One L4 block body at 0 (8-byte big-endian XXH64, then the LZ4 block), n bytes: checks the
 * checksum against `hi`, `lo` (its two 32-bit halves, read by the caller) and decodes to
 * [dst, dst + size). Returns the bytes written, -1 for a corrupt block, or BAD_CHECKSUM. One call
 * per block, and no BigInt: the hash is compared here.
 */
const L4: WasmFunction = (() => {
  const [n, dst, size, hi, lo] = [0, 1, 2, 3, 4];
  const body = [
    ...i32(8), ...get(n), ...i32(8), op.i32Sub, op.call, 0, // xxh64(8, n - 8)
    ...get(hi), op.i64ExtendI32U, ...i64(1n << 32n), op.i64Mul, ...get(lo), op.i64ExtendI32U, op.i64Add,
    op.i64Xor, op.i64Eqz, op.i32Eqz,
    op.if, VOID, ...i32(BAD_CHECKSUM), op.return, op.end,
    ...i32(8), ...get(n), ...get(dst), ...get(dst), ...get(size), op.i32Add, op.call, 1, // lz4(8, n, dst, dst + size)
  ];
  return { name: "l4", params: [I32, I32, I32, I32, I32], results: [I32], locals: [], body };
})();

/** Bytes after the input and after the output that word-sized copies may touch. */
const SLACK = 32;

// Function indices are their order here: l4 calls xxh64 (0) and lz4 (1).
const kernels = new KernelInstance<{
  xxh64(p: number, len: number): bigint;
  /** Decodes [ip, srcEnd) to [dst, dstEnd); the bytes written, or -1 for a corrupt block. */
  lz4(ip: number, srcEnd: number, dst: number, dstEnd: number): number;
  l4(n: number, dst: number, size: number, hi: number, lo: number): number;
}>([XXH64, LZ4, L4]);

function split(h: bigint): [number, number] {
  return [Number(h >> 32n), Number(h & 0xffffffffn)];
}

/** XXH64 (seed 0) of src[start, end) as [high 32 bits, low 32 bits], both unsigned. */
export function xxh64(src: Uint8Array, start = 0, end = src.length): [number, number] {
  const k = kernels.reserve(end - start + SLACK);
  kernels.heap.set(src.subarray(start, end), 0);
  return split(BigInt.asUintN(64, k.xxh64(0, end - start)));
}

/** Outcome of lz4WithChecksum: success, the checksum the data really has, or corrupt data (null). */
export type L4Result = { ok: true } | { ok: false; checksum: [number, number] } | { ok: false; checksum: null };

const OK: L4Result = { ok: true };

function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}

/**
 * One ROOT L4 block body: src[start, end) is the 8-byte big-endian XXH64 of the compressed data,
 * then the LZ4 block, which must decode to exactly `size` bytes, written to out[at, at + size).
 * Returns what failed (the checksum found, or corrupt data) without a message: the caller
 * explains corrupt data with the JavaScript decoder.
 */
export function lz4WithChecksum(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number, size: number): L4Result {
  const n = end - start;
  const dst = (n + SLACK + 7) & ~7;
  const k = kernels.reserve(dst + size + SLACK);
  const heap = kernels.heap;
  heap.set(src.subarray(start, end), 0);
  const r = k.l4(n, dst, size, u32be(src, start), u32be(src, start + 4));
  if (r === size) {
    out.set(heap.subarray(dst, dst + size), at);
    return OK;
  }
  if (r === BAD_CHECKSUM) return { ok: false, checksum: split(BigInt.asUintN(64, k.xxh64(8, n - 8))) };
  return { ok: false, checksum: null };
}
