/**
 * LZF compressor producing liblzf's format, as h5py's LZF filter (id 32000) decodes it, as a small
 * WebAssembly kernel written out in ../../wasm/encoding.ts terms and compiled on first use in
 * each thread that compresses (the chunk encoder's workers each get their own instance).
 *
 * Stream: a control byte below 32 starts a run of (ctrl + 1) literal bytes; otherwise its top 3
 * bits are the match length - 2 (7 = one more length byte follows), its low 5 bits the high bits
 * of the distance - 1, whose low byte follows. Distances reach 8192, lengths 3..264.
 *
 * Why WebAssembly: the JavaScript compressor (bench/lzf-js.ts, the baseline of `npm run bench:lzf`)
 * spent its time on bounds-checked byte loads, comparing matches byte by byte and copying literals
 * one at a time; here candidate bytes are compared as a word, matches are extended 8 bytes at a
 * time and literal runs are copied as whole 32-byte runs once a match ends them.
 *
 * Memory of one call: the hash table at 0, the input at IN, the output after it. Slack bytes after
 * the input and the output let the kernel read and write whole words past an end; bytes read there
 * never decide anything (every comparison is masked or clamped to the input), so the output depends
 * on the input alone.
 */
import { get, I32, I64, i32, mem, memoryFill, op, set, tee, VOID, KernelInstance, type WasmFunction } from "../../wasm/encoding.js";

const HLOG = 14;
const TABLE_BYTES = 4 << HLOG;
const IN = TABLE_BYTES;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);
const MAX_LIT = 1 << 5;
/** After 8 consecutive misses, probe every 2nd position, after 16 every 3rd, ... */
const SKIP_SHIFT = 3;
const MAX_SKIP = 8;
const SLACK = 64;

const LZF: WasmFunction = (() => {
  const [inp, n, out, ip, end, limit, anchor, o, h, ref, off, len, maxLen, misses, lits, k, outLimit, x] =
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  /** Table address of the 3 bytes at `at` (instructions leaving an address): 4 * top HLOG bits of a multiplicative hash. */
  const slot = (at: number[]): number[] => [
    ...at, ...mem(op.i32Load, 0), ...i32(0xffffff), op.i32And, ...i32(0x9e3779b1), op.i32Mul,
    ...i32(32 - HLOG - 2), op.i32ShrU, ...i32(TABLE_BYTES - 4), op.i32And,
  ];
  /** Unsigned min(a, b) of two values, each given as the instructions that push it. */
  const minU = (a: number[], b: number[]): number[] => [...a, ...b, ...a, ...b, op.i32LtU, op.select];
  // Writes the literals [anchor, anchor + lits) as runs of up to 32, each after its control byte.
  // Every run copies 32 bytes: the next run or token overwrites the excess.
  const emitLiterals = [
    op.block, VOID, op.loop, VOID,
    ...get(lits), op.i32Eqz, op.brIf, 1,
    ...minU(get(lits), i32(MAX_LIT)), ...set(k),
    ...get(o), ...get(k), ...i32(1), op.i32Sub, ...mem(op.i32Store8, 0),
    ...[0, 8, 16, 24].flatMap((d) => [...get(o), ...get(anchor), ...mem(op.i64Load, 0, d), ...mem(op.i64Store, 0, d + 1)]),
    ...get(o), ...get(k), op.i32Add, ...i32(1), op.i32Add, ...set(o),
    ...get(anchor), ...get(k), op.i32Add, ...set(anchor),
    ...get(lits), ...get(k), op.i32Sub, ...set(lits),
    op.br, 0,
    op.end, op.end,
  ];
  // Depths inside the match branch: 0 its if, 1 main loop, 2 done, 3 fail.
  const match = [
    ...get(end), ...get(ip), op.i32Sub, ...set(maxLen),
    ...minU(get(maxLen), i32(MAX_REF)), ...set(maxLen),
    ...i32(3), ...set(len),
    // Extend 8 bytes at a time: the first differing byte is the lowest set byte of the xor.
    op.block, VOID, op.loop, VOID,
    ...get(len), ...get(maxLen), op.i32GeU, op.brIf, 1,
    ...get(ref), ...get(len), op.i32Add, ...mem(op.i64Load, 0), ...get(ip), ...get(len), op.i32Add, ...mem(op.i64Load, 0),
    op.i64Xor, ...tee(x), op.i64Eqz,
    op.if, VOID, ...get(len), ...i32(8), op.i32Add, ...set(len), op.br, 1, op.end,
    ...get(len), ...get(x), op.i64Ctz, op.i32WrapI64, ...i32(3), op.i32ShrU, op.i32Add, ...set(len),
    op.end, op.end,
    ...minU(get(len), get(maxLen)), ...set(len),
    ...get(ip), ...get(anchor), op.i32Sub, ...set(lits),
    ...emitLiterals,
    ...get(len), ...i32(2), op.i32Sub, ...tee(k), ...i32(7), op.i32LtU,
    op.if, VOID,
    ...get(o), ...get(k), ...i32(5), op.i32Shl, ...get(off), ...i32(8), op.i32ShrU, op.i32Or, ...mem(op.i32Store8, 0),
    ...get(o), ...get(off), ...mem(op.i32Store8, 0, 1),
    ...get(o), ...i32(2), op.i32Add, ...set(o),
    op.else,
    ...get(o), ...get(off), ...i32(8), op.i32ShrU, ...i32(7 << 5), op.i32Or, ...mem(op.i32Store8, 0),
    ...get(o), ...get(k), ...i32(7), op.i32Sub, ...mem(op.i32Store8, 0, 1),
    ...get(o), ...get(off), ...mem(op.i32Store8, 0, 2),
    ...get(o), ...i32(3), op.i32Add, ...set(o),
    op.end,
    ...get(ip), ...get(len), op.i32Add, ...tee(ip), ...set(anchor),
    ...i32(0), ...set(misses),
    // Index the last positions of the match so that runs keep matching cheaply.
    ...get(ip), ...get(limit), op.i32LtU,
    op.if, VOID,
    ...slot([...get(ip), ...i32(2), op.i32Sub]), ...get(ip), ...i32(2), op.i32Sub, ...mem(op.i32Store, 0),
    ...slot([...get(ip), ...i32(1), op.i32Sub]), ...get(ip), ...i32(1), op.i32Sub, ...mem(op.i32Store, 0),
    op.end,
    ...get(o), ...get(outLimit), op.i32GeU, op.brIf, 3,
    op.br, 1,
  ];
  const body = [
    ...get(inp), ...get(n), op.i32Add, ...tee(end), ...i32(2), op.i32Sub, ...set(limit),
    ...get(out), ...get(n), op.i32Add, ...set(outLimit),
    // Table entries are input addresses, never below IN: 0 (empty) is beyond any distance.
    ...i32(0), ...i32(0), ...i32(TABLE_BYTES), ...memoryFill,
    ...get(inp), ...tee(ip), ...set(anchor),
    ...get(out), ...set(o),
    op.block, VOID, // fail
    op.block, VOID, // done
    op.loop, VOID,
    ...get(ip), ...get(limit), op.i32GeU, op.brIf, 1,
    ...slot(get(ip)), ...tee(h), ...mem(op.i32Load, 0), ...set(ref),
    ...get(h), ...get(ip), ...mem(op.i32Store, 0),
    // Both tests in one branch, which random data then predicts well (an empty slot, 0, reads
    // the table: harmless, its distance is out of reach).
    ...get(ip), ...get(ref), op.i32Sub, ...i32(1), op.i32Sub, ...tee(off), ...i32(MAX_OFF), op.i32LtU,
    ...get(ref), ...mem(op.i32Load, 0), ...get(ip), ...mem(op.i32Load, 0), op.i32Xor, ...i32(0xffffff), op.i32And, op.i32Eqz,
    op.i32And,
    op.if, VOID, ...match, op.end,
    // A miss. On incompressible stretches (random low mantissa bytes) the search probes ever
    // fewer positions, as LZ4's acceleration does; skipped bytes become literals. The step is
    // capped so that repeats after a long random stretch are still found.
    ...get(misses), ...i32(SKIP_SHIFT), op.i32ShrU, ...i32(1), op.i32Add, ...set(k),
    ...minU(get(k), i32(MAX_SKIP)), ...get(ip), op.i32Add, ...set(ip),
    ...get(misses), ...i32(1), op.i32Add, ...set(misses),
    op.br, 0,
    op.end, // loop
    op.end, // done
    ...get(end), ...get(anchor), op.i32Sub, ...set(lits),
    ...emitLiterals,
    ...get(o), ...get(outLimit), op.i32GeU, op.brIf, 0,
    ...get(o), ...get(out), op.i32Sub, op.return,
    op.end, // fail
    ...i32(-1),
  ];
  return { name: "lzf", params: [I32, I32, I32], results: [I32], locals: [...Array<typeof I32>(14).fill(I32), I64], body };
})();

const kernel = new KernelInstance<{
  /** Compresses [inp, inp + n) to out; the compressed size, or -1 when not smaller than n. */
  lzf(inp: number, n: number, out: number): number;
}>([LZF]);

/** Compresses `input`; returns null when the result would not be smaller than the input. */
export function lzfCompress(input: Uint8Array): Uint8Array | null {
  const n = input.length;
  if (n < 4) return null;
  const out = (IN + n + SLACK + 7) & ~7;
  // Without the early exit the output reaches n + one control byte per 32 literals + a token.
  const k = kernel.reserve(out + n + (n >>> 5) + SLACK);
  kernel.heap.set(input, IN);
  const size = k.lzf(IN, n, out);
  return size < 0 ? null : kernel.heap.slice(out, out + size);
}
