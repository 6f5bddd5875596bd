/**
 * The Arrow schema a writer embeds in a Parquet footer (key "ARROW:schema": base64 of an Arrow
 * IPC Schema message, a flatbuffer), read far enough to know each field's type: parquet-wasm
 * (arrow-rs) takes it as a hint for offset widths (large_list, large_string), fixed-size lists
 * and dictionaries. Only the types that hint can change for the columns sxflow derives are told
 * apart; a message this reader is not sure of gives undefined (the reader then asks parquet-wasm).
 * Table layouts are those of Arrow's Schema.fbs and Message.fbs.
 */

/** A hinted type: its Type union member (Schema.fbs ids), with what the derivation needs. */
export interface HintType {
  /** 1 Null, 2 Int, 3 FloatingPoint, 4 Binary, 5 Utf8, 6 Bool, 12 List, 13 Struct, 16 FixedSizeList, 19 LargeBinary, 20 LargeUtf8, 21 LargeList, ... */
  id: number;
  /** Int: bits and sign; FloatingPoint: precision (0 half, 1 single, 2 double). */
  bitWidth?: number;
  signed?: boolean;
  precision?: number;
  /** FixedSizeList: its size. */
  listSize?: number;
  /** Lists and structs: the child fields. */
  children: HintField[];
  /** A dictionary-encoded field: its index type (an Int); `id` is then the value type. */
  index?: { bitWidth: number; signed: boolean };
}

export interface HintField {
  name: string;
  type: HintType;
}

export const HintId = {
  Null: 1,
  Int: 2,
  FloatingPoint: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  List: 12,
  Struct: 13,
  FixedSizeList: 16,
  LargeBinary: 19,
  LargeUtf8: 20,
  LargeList: 21,
} as const;

/** Types arrow-rs decodes without a table of parameters, and those sxflow reads parameters of. */
const PLAIN_TYPES: ReadonlySet<number> = new Set([1, 4, 5, 6, 12, 13, 19, 20, 21]);
const MAX_DEPTH = 64;

class NotSure extends Error {}

function notSure(): never {
  throw new NotSure();
}

/** Bounds-checked reads of a flatbuffer. */
class Flat {
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private check(at: number, size: number): void {
    if (!(at >= 0 && at + size <= this.bytes.length)) notSure();
  }

  u8(at: number): number {
    this.check(at, 1);
    return this.view.getUint8(at);
  }

  i16(at: number): number {
    this.check(at, 2);
    return this.view.getInt16(at, true);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }

  i32(at: number): number {
    this.check(at, 4);
    return this.view.getInt32(at, true);
  }

  /** Where field `index` of the table at `table` lies, or 0 when absent. */
  field(table: number, index: number): number {
    const vtable = table - this.i32(table);
    const size = this.u32(vtable) & 0xffff;
    const slot = 4 + 2 * index;
    if (slot + 2 > size) return 0;
    const offset = this.view.getUint16(vtable + slot, true);
    return offset === 0 ? 0 : table + offset;
  }

  /** The table, vector or string an offset field points at (0 when the field is absent). */
  target(table: number, index: number): number {
    const at = this.field(table, index);
    return at === 0 ? 0 : at + this.u32(at);
  }

  string(at: number): string {
    const n = this.u32(at);
    this.check(at + 4, n);
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes.subarray(at + 4, at + 4 + n));
  }

  /** The tables of a vector of tables. */
  tables(at: number): number[] {
    const n = this.u32(at);
    this.check(at + 4, 4 * n);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const slot = at + 4 + 4 * i;
      out.push(slot + this.u32(slot));
    }
    return out;
  }
}

function intType(f: Flat, table: number): { bitWidth: number; signed: boolean } {
  if (table === 0) notSure();
  const width = f.field(table, 0);
  const sign = f.field(table, 1);
  const bitWidth = width ? f.i32(width) : 0;
  if (![8, 16, 32, 64].includes(bitWidth)) notSure();
  return { bitWidth, signed: sign ? f.u8(sign) !== 0 : false };
}

function readField(f: Flat, table: number, depth: number): HintField {
  if (depth > MAX_DEPTH) notSure();
  const nameAt = f.target(table, 0);
  const name = nameAt ? f.string(nameAt) : "";
  const kind = f.field(table, 2);
  const id = kind ? f.u8(kind) : 0;
  const typeTable = f.target(table, 3);
  const childrenAt = f.target(table, 5);
  const children = childrenAt ? f.tables(childrenAt).map((c) => readField(f, c, depth + 1)) : [];
  const type: HintType = { id, children };
  if (id === HintId.Int) Object.assign(type, intType(f, typeTable));
  else if (id === HintId.FloatingPoint) {
    if (typeTable === 0) notSure();
    const p = f.field(typeTable, 0);
    type.precision = p ? f.i16(p) : 0;
    if (type.precision < 0 || type.precision > 2) notSure();
  } else if (id === HintId.FixedSizeList) {
    if (typeTable === 0) notSure();
    const s = f.field(typeTable, 0);
    type.listSize = s ? f.i32(s) : 0;
    if (type.listSize < 0) notSure();
  } else if (!PLAIN_TYPES.has(id)) {
    // Dates, times, decimals, unions, maps, views...: the derivation does not go there.
    notSure();
  }
  const lists = id === HintId.List || id === HintId.LargeList || id === HintId.FixedSizeList;
  if (lists && children.length !== 1) notSure();
  const dictionary = f.target(table, 4);
  if (dictionary) type.index = intType(f, f.target(dictionary, 1));
  return { name, type };
}

/** Strict base64 (what Rust's standard engine accepts: padded, canonical), else undefined. */
function decodeBase64(text: string): Uint8Array | undefined {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

/**
 * The top-level fields of an embedded Arrow schema, or undefined when this reader is not sure
 * what arrow-rs makes of it (it may be corrupt, or use types not told apart here).
 */
export function readArrowHint(encoded: string): HintField[] | undefined {
  const bytes = decodeBase64(encoded);
  if (!bytes) return undefined;
  // The IPC encapsulation: 0xFFFFFFFF and a length, then the Message flatbuffer.
  const message = bytes.length > 8 && bytes[0] === 255 && bytes[1] === 255 && bytes[2] === 255 && bytes[3] === 255 ? bytes.subarray(8) : bytes;
  try {
    const f = new Flat(message);
    const root = f.u32(0);
    const headerType = f.field(root, 1);
    if (!headerType || f.u8(headerType) !== 1) return undefined;
    const schema = f.target(root, 2);
    if (schema === 0) return undefined;
    const fields = f.target(schema, 1);
    return fields ? f.tables(fields).map((t) => readField(f, t, 0)) : [];
  } catch (error) {
    if (error instanceof NotSure || error instanceof TypeError) return undefined;
    throw error;
  }
}
