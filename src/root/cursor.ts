import { RootError } from "./errors.js";

/**
 * A big-endian reading position over one buffer of ROOT serialised data (what ROOT calls a TBuffer).
 *
 * `origin` is the file-level offset of byte 0 of the buffer as ROOT counts it for object
 * references: references are positions relative to the start of the key, so a key payload
 * cursor has `origin = fKeylen`.
 */
export class Cursor {
  readonly view: DataView;
  pos: number;
  /** The bytes as a Buffer, made on the first string: one view per cursor, not one per string. */
  private text: Buffer | undefined;

  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
    pos = 0,
    readonly origin = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = pos;
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.bytes.length || at < 0) {
      throw new RootError(`${this.where}: record truncated (needs ${n} bytes at offset ${at} of ${this.bytes.length})`);
    }
    this.pos = at + n;
    return at;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Position as ROOT object references count it. */
  get refPos(): number {
    return this.pos + this.origin;
  }

  skip(n: number): void {
    this.need(n);
  }

  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  i16(): number {
    return this.view.getInt16(this.need(2));
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  i32(): number {
    return this.view.getInt32(this.need(4));
  }
  u32(): number {
    return this.view.getUint32(this.need(4));
  }
  /** A signed 64-bit integer; seeks and entry counts fit in a double's 53 bits. */
  i64(): number {
    const at = this.need(8);
    // Two 32-bit halves: no BigInt allocation (metadata holds thousands of these).
    const hi = this.view.getInt32(at);
    const lo = this.view.getUint32(at + 4);
    if (hi > 0x1fffff || hi < -0x200000) {
      throw new RootError(`${this.where}: 64-bit field ${this.view.getBigInt64(at)} at offset ${at} is out of range`);
    }
    return hi * 0x100000000 + lo;
  }
  f64(): number {
    return this.view.getFloat64(this.need(8));
  }

  /** TString: u8 length, or 255 then i32 length, then the bytes. */
  string(): string {
    let n = this.u8();
    if (n === 255) n = this.i32();
    if (n < 0) throw new RootError(`${this.where}: negative string length at offset ${this.pos - 4}`);
    const at = this.need(n);
    return this.latin1(at, at + n);
  }

  private latin1(start: number, end: number): string {
    this.text ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.text.toString("latin1", start, end);
  }

  /** A NUL-terminated C string (class names after a new-class tag). */
  cstring(): string {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) throw new RootError(`${this.where}: unterminated class name at offset ${this.pos}`);
    const s = this.latin1(this.pos, end);
    this.pos = end + 1;
    return s;
  }
}
