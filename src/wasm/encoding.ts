/**
 * Just enough of the WebAssembly binary format to write small kernels in TypeScript: the
 * opcodes they use, LEB128 numbers, a module of functions over one exported memory, and its
 * lazily compiled instance.
 *
 * The kernels are written as instruction lists here instead of shipping a compiled .wasm blob,
 * so that the code that runs is the code a reviewer reads, and no toolchain is needed to build it.
 */

/** Value types. */
export const I32 = 0x7f;
export const I64 = 0x7e;
type ValueType = typeof I32 | typeof I64;

/** Opcodes (WebAssembly 2.0 core spec, section 5.4). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  call: 0x10,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i64Load: 0x29,
  i32Load8U: 0x2d,
  i32Load16U: 0x2f,
  i64Load32U: 0x35,
  i32Store: 0x36,
  i64Store: 0x37,
  i32Store8: 0x3a,
  i32Store16: 0x3b,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtU: 0x4b,
  i32LeU: 0x4d,
  i32GeU: 0x4f,
  i64Eqz: 0x50,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  i32Rotl: 0x77,
  i32Rotr: 0x78,
  i64Ctz: 0x7a,
  i64Add: 0x7c,
  i64Mul: 0x7e,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i64Rotl: 0x89,
  i32WrapI64: 0xa7,
  i64ExtendI32U: 0xad,
} as const;

/** Block type of a block, loop or if that leaves nothing on the stack. */
export const VOID = 0x40;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 of an integer (a bigint for 64-bit constants). */
export function sleb(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** `i32.const v` */
export const i32 = (v: number): number[] => [op.i32Const, ...sleb(v | 0)];
/** `i64.const v`, v taken modulo 2^64 (the spec's constants are written unsigned). */
export const i64 = (v: bigint): number[] => [op.i64Const, ...sleb(BigInt.asIntN(64, v))];
export const get = (local: number): number[] => [op.localGet, ...uleb(local)];
export const set = (local: number): number[] => [op.localSet, ...uleb(local)];
export const tee = (local: number): number[] => [op.localTee, ...uleb(local)];
/** A load or store with its memory argument: alignment hint (log2 bytes) and constant offset. */
export const mem = (opcode: number, alignLog2: number, offset = 0): number[] => [opcode, alignLog2, ...uleb(offset)];
/** `memory.copy` (bulk memory), dest src n on the stack. */
export const memoryCopy: number[] = [0xfc, ...uleb(10), 0x00, 0x00];
/** `memory.fill` (bulk memory), dest byte n on the stack. */
export const memoryFill: number[] = [0xfc, ...uleb(11), 0x00];

export interface WasmFunction {
  name: string;
  params: ValueType[];
  results: ValueType[];
  /** Locals after the parameters, in order. */
  locals: ValueType[];
  /** Instructions without the final `end`. */
  body: number[];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

/** A module exporting `functions` and one memory (initially `pages` of 64 KiB) named "memory". */
export function encodeModule(functions: WasmFunction[], pages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]);
  const bodies = functions.map((f) => {
    // Locals are declared as runs of one type.
    const runs: number[][] = [];
    for (let i = 0; i < f.locals.length; ) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push([...uleb(j - i), f.locals[i]!]);
      i = j;
    }
    const code = [...vec(runs), ...f.body, op.end];
    return [...uleb(code.length), ...code];
  });
  const exports = [[...name("memory"), 0x02, 0x00], ...functions.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(pages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}

// The project's type libraries (ES2023 + Node) do not declare WebAssembly; this is the part used.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

/**
 * An instance of a kernel module, compiled on first use (a few microseconds for these sizes),
 * whose memory grows on demand and is never shrunk: callers keep their calls bounded (one
 * compression block, one basket).
 */
export class KernelInstance<T> {
  private exports: (T & { memory: { buffer: ArrayBuffer; grow(pages: number): number } }) | undefined;
  /** The memory as bytes; a new view after the memory grows (growing detaches the old buffer). */
  heap = new Uint8Array(0);

  constructor(private readonly functions: WasmFunction[]) {}

  /** The kernels, with at least `bytes` bytes of memory in `heap`. */
  reserve(bytes: number): T {
    if (!this.exports) {
      const module = new WebAssembly.Module(encodeModule(this.functions, 1));
      this.exports = new WebAssembly.Instance(module).exports as T & { memory: { buffer: ArrayBuffer; grow(pages: number): number } };
      this.heap = new Uint8Array(this.exports.memory.buffer);
    }
    if (this.heap.length < bytes) {
      this.exports.memory.grow(Math.ceil((bytes - this.heap.length) / 65536));
      this.heap = new Uint8Array(this.exports.memory.buffer);
    }
    return this.exports;
  }
}
