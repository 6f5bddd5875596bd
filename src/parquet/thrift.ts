/**
 * A reader of the Thrift compact protocol, the encoding of Parquet's footer. It decodes any
 * struct generically (fields by id, unknown ones kept as their values), which is all sxflow
 * needs: a few statistics that parquet-wasm does not expose.
 */

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

const BOOL_TRUE = 1;
const BOOL_FALSE = 2;
const BYTE = 3;
const I16 = 4;
const I32 = 5;
const I64 = 6;
const DOUBLE = 7;
const BINARY = 8;
const LIST = 9;
const SET = 10;
const MAP = 11;
const STRUCT = 12;

/** Nesting deeper than any Parquet footer: a corrupt footer fails instead of recursing away. */
const MAX_DEPTH = 32;

export class ThriftReader {
  private at = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly where: string,
  ) {}

  private fail(what: string): never {
    throw new Error(`${this.where}: corrupt footer (${what} at byte ${this.at} of ${this.bytes.length})`);
  }

  private byte(): number {
    if (this.at >= this.bytes.length) this.fail("unexpected end");
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
    return out % 2 === 0 ? out / 2 : -(out + 1) / 2;
  }

  private long(): bigint {
    const v = this.varint();
    return (v >> 1n) ^ -(v & 1n);
  }

  private size(): number {
    const n = Number(this.varint());
    if (n > this.bytes.length - this.at) this.fail(`length ${n} beyond the footer`);
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
        if (this.at + 8 > this.bytes.length) this.fail("unexpected end");
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
    // Booleans inside lists are one byte each, not folded into the type.
    for (let i = 0; i < n; i++) out.push(type === BOOL_TRUE || type === BOOL_FALSE ? this.byte() === 1 : this.value(type, depth));
    return out;
  }

  private map(depth: number): ThriftValue[] {
    const n = this.size();
    if (n === 0) return [];
    const types = this.byte();
    const out: ThriftValue[] = [];
    for (let i = 0; i < n; i++) out.push([this.value(types >> 4, depth), this.value(types & 15, depth)]);
    return out;
  }

  /** The struct at the current position, fields by id. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    const out: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return out;
      const delta = head >> 4;
      id = delta === 0 ? this.int() : id + delta;
      out.set(id, this.value(head & 15, depth));
    }
  }
}
