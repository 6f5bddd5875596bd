/**
 * The Thrift compact protocol, the encoding of Parquet's footer and page headers. Structs are
 * decoded generically (fields by id, unknown ones kept as their values), which is all sxflow
 * needs to read: a few statistics that parquet-wasm does not expose. The wire type of every
 * field and list element is kept beside the values, so that a decoded struct, with a few
 * integers changed, encodes back to the same bytes (page checksums are added that way).
 */

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

/** The compact protocol's wire types. */
export const BOOL_TRUE = 1;
export const BOOL_FALSE = 2;
export const BYTE = 3;
export const I16 = 4;
export const I32 = 5;
export const I64 = 6;
export const DOUBLE = 7;
export const BINARY = 8;
export const LIST = 9;
export const SET = 10;
export const MAP = 11;
export const STRUCT = 12;

/** Nesting deeper than any Parquet footer: a corrupt footer fails instead of recursing away. */
const MAX_DEPTH = 32;

/** Wire types of each decoded struct's fields, each list's elements and each map's key and value. */
const fieldTypes = new WeakMap<ThriftStruct, Map<number, number>>();
const elementTypes = new WeakMap<ThriftValue[], number>();
const entryTypes = new WeakMap<ThriftValue[], number>();

/** The bytes ran out before the struct did (more may still arrive). */
export class ThriftTruncated extends Error {}

/**
 * A zigzag-encoded integer's value. Below 2^31 with integer operations, so that row counts and
 * offsets stay small integers for V8 (a division makes a heap number, and the decoder's loops over
 * rows then ran on doubles).
 */
export function zigzag(v: number): number {
  if (v < 2 ** 31) return (v >>> 1) ^ -(v & 1);
  return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
}

export class ThriftReader {
  private at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
    /** What the bytes hold, for errors. */
    private readonly what = "footer",
  ) {}

  /** Bytes consumed so far: after {@link struct}, the struct's encoded length. */
  get position(): number {
    return this.at;
  }

  private fail(what: string): never {
    throw new Error(`${this.where}: corrupt ${this.what} (${what} at byte ${this.at} of ${this.bytes.length})`);
  }

  private truncated(): never {
    throw new ThriftTruncated(`${this.where}: corrupt ${this.what} (unexpected end at byte ${this.at} of ${this.bytes.length})`);
  }

  private byte(): number {
    if (this.at >= this.bytes.length) this.truncated();
    return this.bytes[this.at++]!;
  }

  private varint(): bigint {
    let shift = 0n;
    let out = 0n;
    for (;;) {
      const b = this.byte();
      out |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return out;
      shift += 7n;
      if (shift > 63n) this.fail("varint too long");
    }
  }

  /** A zigzag varint of at most 32 bits, as a number. */
  private int(): number {
    let shift = 0;
    let out = 0;
    for (;;) {
      const b = this.byte();
      out += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 35) this.fail("varint too long");
    }
    return zigzag(out);
  }

  private long(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  private size(): number {
    const n = Number(this.varint());
    if (n > this.bytes.length - this.at) this.truncated();
    return n;
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case BOOL_TRUE:
        return true;
      case BOOL_FALSE:
        return false;
      case BYTE:
        return (this.byte() << 24) >> 24;
      case I16:
      case I32:
        return this.int();
      case I64:
        return this.long();
      case DOUBLE: {
        if (this.at + 8 > this.bytes.length) this.truncated();
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.at, 8).getFloat64(0, true);
        this.at += 8;
        return v;
      }
      case BINARY: {
        const n = this.size();
        const v = this.bytes.subarray(this.at, this.at + n);
        this.at += n;
        return v;
      }
      case LIST:
      case SET:
        return this.list(depth + 1);
      case MAP:
        return this.map(depth + 1);
      case STRUCT:
        return this.struct(depth + 1);
      default:
        return this.fail(`unknown field type ${type}`);
    }
  }

  private list(depth: number): ThriftValue[] {
    const head = this.byte();
    const n = (head >> 4) === 15 ? this.size() : head >> 4;
    const type = head & 15;
    const out: ThriftValue[] = [];
    elementTypes.set(out, type);
    // Booleans inside lists are one byte each, not folded into the type.
    for (let i = 0; i < n; i++) out.push(type === BOOL_TRUE || type === BOOL_FALSE ? this.byte() === 1 : this.value(type, depth));
    return out;
  }

  private map(depth: number): ThriftValue[] {
    const n = this.size();
    if (n === 0) return [];
    const types = this.byte();
    const out: ThriftValue[] = [];
    entryTypes.set(out, types);
    for (let i = 0; i < n; i++) out.push([this.value(types >> 4, depth), this.value(types & 15, depth)]);
    return out;
  }

  /** The struct at the current position, fields by id. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    const out: ThriftStruct = new Map();
    const types = new Map<number, number>();
    fieldTypes.set(out, types);
    let id = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const delta = head >> 4;
      id = delta === 0 ? this.int() : id + delta;
      types.set(id, head & 15);
      out.set(id, this.value(head & 15, depth));
    }
  }
}

/** Field `id` of a decoded struct; undefined when absent or when `s` is not a struct. */
export function field(s: ThriftValue | undefined, id: number): ThriftValue | undefined {
  return s instanceof Map ? s.get(id) : undefined;
}

/** An integer field's value as a number (i64 values are bigints). */
export function num(v: ThriftValue | undefined): number | undefined {
  return typeof v === "bigint" ? Number(v) : typeof v === "number" ? v : undefined;
}

/** A copy of a decoded struct with field `id` set to an integer of wire type `type`, fields in id order. */
export function withField(s: ThriftStruct, id: number, type: typeof I32 | typeof I64, value: number | bigint): ThriftStruct {
  const types = new Map(fieldTypes.get(s));
  types.set(id, type);
  const out: ThriftStruct = new Map([...s, [id, value] as [number, ThriftValue]].sort((a, b) => a[0] - b[0]));
  fieldTypes.set(out, new Map([...types].sort((a, b) => a[0] - b[0])));
  return out;
}

/** Encodes values decoded by {@link ThriftReader} (and changed in place) back to the compact protocol. */
class ThriftWriter {
  private out = new Uint8Array(256);
  private at = 0;

  bytes(): Uint8Array {
    return this.out.subarray(0, this.at);
  }

  private byte(b: number): void {
    if (this.at === this.out.length) {
      const grown = new Uint8Array(this.out.length * 2);
      grown.set(this.out);
      this.out = grown;
    }
    this.out[this.at++] = b;
  }

  private varint(v: bigint): void {
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  private zigzag(v: number | bigint): void {
    const n = BigInt(v);
    this.varint(n >= 0n ? n << 1n : ((-n) << 1n) - 1n);
  }

  private value(type: number, v: ThriftValue): void {
    switch (type) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return; // in the field header
      case BYTE:
        return this.byte((v as number) & 0xff);
      case I16:
      case I32:
      case I64:
        return this.zigzag(v as number | bigint);
      case DOUBLE: {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setFloat64(0, v as number, true);
        for (const x of b) this.byte(x);
        return;
      }
      case BINARY: {
        const b = v as Uint8Array;
        this.varint(BigInt(b.length));
        for (const x of b) this.byte(x);
        return;
      }
      case LIST:
      case SET:
        return this.list(v as ThriftValue[]);
      case MAP:
        return this.map(v as ThriftValue[]);
      case STRUCT:
        return this.struct(v as ThriftStruct);
      default:
        throw new Error(`cannot encode Thrift type ${type}`);
    }
  }

  private list(items: ThriftValue[]): void {
    const type = elementTypes.get(items);
    if (type === undefined) throw new Error("cannot encode a Thrift list that was not decoded");
    if (items.length < 15) this.byte((items.length << 4) | type);
    else {
      this.byte(0xf0 | type);
      this.varint(BigInt(items.length));
    }
    for (const item of items) {
      if (type === BOOL_TRUE || type === BOOL_FALSE) this.byte(item ? BOOL_TRUE : BOOL_FALSE);
      else this.value(type, item);
    }
  }

  private map(entries: ThriftValue[]): void {
    this.varint(BigInt(entries.length));
    if (entries.length === 0) return;
    const types = entryTypes.get(entries);
    if (types === undefined) throw new Error("cannot encode a Thrift map that was not decoded");
    this.byte(types);
    for (const entry of entries) {
      const [k, v] = entry as [ThriftValue, ThriftValue];
      this.value(types >> 4, k);
      this.value(types & 15, v);
    }
  }

  struct(s: ThriftStruct): void {
    const types = fieldTypes.get(s);
    if (types === undefined) throw new Error("cannot encode a Thrift struct that was not decoded");
    let last = 0;
    for (const [id, v] of s) {
      let type = types.get(id)!;
      if (type === BOOL_TRUE || type === BOOL_FALSE) type = v ? BOOL_TRUE : BOOL_FALSE;
      const delta = id - last;
      if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
      else {
        this.byte(type);
        this.zigzag(id);
      }
      last = id;
      this.value(type, v);
    }
    this.byte(0);
  }
}

/** The compact-protocol bytes of a struct decoded by {@link ThriftReader}. */
export function encodeStruct(s: ThriftStruct): Uint8Array {
  const w = new ThriftWriter();
  w.struct(s);
  return w.bytes();
}
