/**
 * A Parquet footer (parquet.thrift's FileMetaData) read once, in one pass over its bytes, into
 * the plain records the reader uses: the schema, each row group's rows and column chunks, and the
 * key-value metadata. The compact protocol is decoded field by field for the structs the reader
 * knows, and every other field is skipped without building anything: a 41-column file of 16 row
 * groups has hundreds of column chunks, each with a dozen fields. Field ids are parquet.thrift's.
 *
 * Corrupt bytes fail as the generic reader (thrift.ts) fails on them, at the same byte and with
 * the same words. A footer that decodes but departs from what parquet.thrift requires (a required
 * field absent, a field of another wire type, a value beyond 2^53) is read as far as it goes and
 * marked `odd`: the reader then leaves its schema to parquet-wasm, which says what is wrong.
 */
import { BINARY, BOOL_FALSE, BOOL_TRUE, BYTE, DOUBLE, I16, I32, I64, LIST, MAP, SET, STRUCT, zigzag } from "./thrift.js";

/** One element of the flattened schema (SchemaElement). */
export interface SchemaElement {
  name: string;
  /** Physical type (Type enum) of a leaf; undefined for a group. */
  type: number | undefined;
  typeLength: number | undefined;
  /** REQUIRED 0, OPTIONAL 1, REPEATED 2 (undefined for the root). */
  repetition: number | undefined;
  /** num_children as stored (undefined when absent). */
  numChildren: number | undefined;
  /** num_children, 0 when absent. */
  children: number;
  convertedType: number | undefined;
  /** The LogicalType union's member id (3 LIST, 10 INTEGER, ...), if any. */
  logical: number | undefined;
  /** Of an INTEGER logical type. */
  bitWidth?: number;
  signed?: boolean;
}

/** One column chunk of a row group (ColumnChunk + ColumnMetaData); fields absent from the footer are undefined. */
export interface FooterChunk {
  /** path_in_schema, undefined when absent. */
  path: string[] | undefined;
  filePath: boolean;
  type: number | undefined;
  codec: number | undefined;
  encodings: number[] | undefined;
  numValues: number | undefined;
  uncompressedSize: number | undefined;
  compressedSize: number | undefined;
  dataPageOffset: number | undefined;
  dictionaryPageOffset: number | undefined;
  /** statistics.null_count, min_value and max_value (views of the footer's bytes). */
  nullCount: number | undefined;
  minValue: Uint8Array | undefined;
  maxValue: Uint8Array | undefined;
  /** ColumnChunk.meta_data was present. */
  hasMeta: boolean;
}

/** Bytes of one PLAIN value of a physical type, the least a min/max statistic may hold (0: any). */
const STAT_BYTES = [1, 4, 8, 12, 4, 8, 0, 0];
/** Encoding enum values parquet.thrift defines (1 is unused). */
const ENCODINGS: ReadonlySet<number> = new Set([0, 2, 3, 4, 5, 6, 7, 8, 9]);

export interface FooterRowGroup {
  /** undefined when absent. */
  numRows: number | undefined;
  columns: FooterChunk[] | undefined;
}

export interface Footer {
  schema: SchemaElement[];
  rowGroups: FooterRowGroup[];
  /** key_value_metadata in order (value undefined when absent). */
  keyValues: { key: string; value: string | undefined }[];
  /** How many column_orders the footer lists (parquet-rs wants one per leaf), if any. */
  columnOrders: number | undefined;
  /** Why the footer is not as parquet.thrift requires (undefined when it is). */
  odd: string | undefined;
}

/**
 * What parquet-rs reads each field id of a struct as, by wire type: i an integer (varint), y a
 * byte, o a boolean, b binary, l a list, s a struct, - a field it skips. A field of another wire
 * type fails in parquet-rs (a Dremio file's list where bloom_filter_length is), so it makes the
 * footer odd here.
 */
const FIELDS = {
  file: "-ilillblsb",
  schema: "-iiibiiiiis",
  rowGroup: "-liiliii",
  chunk: "-bisiiiisb",
  meta: "-illiiiiliiisliiss",
  statistics: "-bbiibbooi",
  keyValue: "-bb",
} as const;
type Fields = (typeof FIELDS)[keyof typeof FIELDS];

/** The category of a wire type, as FIELDS writes it. */
const CATEGORY = "-ooyiiidbllms";

/** As thrift.ts: nesting deeper than any Parquet footer fails instead of recursing away. */
const MAX_DEPTH = 32;
const SAFE = 2 ** 53;

const utf8 = new TextDecoder();

/** A compact-protocol cursor with thrift.ts's bounds checks and messages. */
class Cursor {
  at = 0;
  /** Why the footer departs from parquet.thrift, first found. */
  odd: string | undefined;

  constructor(
    readonly bytes: Uint8Array,
    private readonly where: string,
  ) {}

  fail(what: string): never {
    throw new Error(`${this.where}: corrupt footer (${what} at byte ${this.at} of ${this.bytes.length})`);
  }

  truncated(): never {
    throw new Error(`${this.where}: corrupt footer (unexpected end at byte ${this.at} of ${this.bytes.length})`);
  }

  note(why: string): void {
    this.odd ??= why;
  }

  byte(): number {
    if (this.at >= this.bytes.length) this.truncated();
    return this.bytes[this.at++]!;
  }

  /** A zigzag varint of at most 32 bits (i16, i32, field ids). */
  int(): number {
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

  /** An unsigned varint of at most 64 bits, as a number (noted as odd beyond 2^53). */
  varint(): number {
    let shift = 0;
    let out = 0;
    for (;;) {
      const b = this.byte();
      out += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) this.fail("varint too long");
    }
    if (out >= SAFE) this.note("an integer beyond 2^53");
    return out;
  }

  long(): number {
    const v = this.varint();
    return zigzag(v);
  }

  size(): number {
    const n = this.varint();
    if (n > this.bytes.length - this.at) this.truncated();
    return n;
  }

  binary(): Uint8Array {
    const n = this.size();
    const v = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  string(): string {
    return utf8.decode(this.binary());
  }

  /** Skips a value of wire type `type` (as thrift.ts's value() reads it). */
  skip(type: number, depth: number): void {
    switch (type) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return;
      case BYTE:
        this.byte();
        return;
      case I16:
      case I32:
        this.int();
        return;
      case I64:
        this.varint();
        return;
      case DOUBLE:
        if (this.at + 8 > this.bytes.length) this.truncated();
        this.at += 8;
        return;
      case BINARY:
        this.binary();
        return;
      case LIST:
      case SET:
        this.list(depth + 1, (t, d) => this.skip(t, d));
        return;
      case MAP: {
        const n = this.size();
        if (n === 0) return;
        const types = this.byte();
        for (let i = 0; i < n; i++) {
          this.skip(types >> 4, depth + 1);
          this.skip(types & 15, depth + 1);
        }
        return;
      }
      case STRUCT:
        this.struct(depth + 1, () => false);
        return;
      default:
        this.fail(`unknown field type ${type}`);
    }
  }

  /** A list's elements, each read by `element` (booleans are one byte each, as thrift.ts reads them). */
  list(depth: number, element: (type: number, depth: number) => void): number {
    const head = this.byte();
    const n = head >> 4 === 15 ? this.size() : head >> 4;
    const type = head & 15;
    for (let i = 0; i < n; i++) {
      if (type === BOOL_TRUE || type === BOOL_FALSE) this.byte();
      else element(type, depth);
    }
    return n;
  }

  /**
   * A struct's fields: `known(id, type)` reads the field and returns true, or returns false to
   * have it skipped.
   */
  struct(depth: number, known: (id: number, type: number, depth: number) => boolean, fields?: Fields): void {
    if (depth > MAX_DEPTH) this.fail("nesting too deep");
    let id = 0;
    for (;;) {
      const head = this.byte();
      if (head === 0) return;
      const delta = head >> 4;
      id = delta === 0 ? this.int() : id + delta;
      const type = head & 15;
      const expected = fields?.[id];
      if (expected !== undefined && expected !== "-" && expected !== " " && expected !== CATEGORY[type]) this.note(`field ${id} of wire type ${type}`);
      if (!known(id, type, depth)) this.skip(type, depth);
    }
  }

  /** An integer field's value (i16/i32/i64), or undefined (noted) for another wire type. */
  integer(type: number, depth: number, what: string): number | undefined {
    if (type === I16 || type === I32) return this.int();
    if (type === BYTE) return (this.byte() << 24) >> 24;
    if (type === I64) return this.long();
    this.note(`${what} of wire type ${type}`);
    this.skip(type, depth);
    return undefined;
  }

  /** A binary field's bytes, or undefined (noted) for another wire type. */
  bytesOf(type: number, depth: number, what: string): Uint8Array | undefined {
    if (type === BINARY) return this.binary();
    this.note(`${what} of wire type ${type}`);
    this.skip(type, depth);
    return undefined;
  }

  isList(type: number, depth: number, what: string): boolean {
    if (type === LIST || type === SET) return true;
    this.note(`${what} of wire type ${type}`);
    this.skip(type, depth);
    return false;
  }

  isStruct(type: number, depth: number, what: string): boolean {
    if (type === STRUCT) return true;
    this.note(`${what} of wire type ${type}`);
    this.skip(type, depth);
    return false;
  }
}

function schemaElement(c: Cursor, depth: number): SchemaElement {
  const e: SchemaElement = {
    name: "",
    type: undefined,
    typeLength: undefined,
    repetition: undefined,
    numChildren: undefined,
    children: 0,
    convertedType: undefined,
    logical: undefined,
  };
  let named = false;
  c.struct(depth, (id, type, d) => {
    switch (id) {
      case 1:
        e.type = c.integer(type, d, "a schema element's type");
        return true;
      case 2:
        e.typeLength = c.integer(type, d, "type_length");
        return true;
      case 3:
        e.repetition = c.integer(type, d, "repetition_type");
        return true;
      case 4: {
        const name = c.bytesOf(type, d, "a schema element's name");
        if (name) {
          e.name = utf8.decode(name);
          named = true;
        }
        return true;
      }
      case 5:
        e.numChildren = c.integer(type, d, "num_children");
        e.children = e.numChildren ?? 0;
        return true;
      case 6:
        e.convertedType = c.integer(type, d, "converted_type");
        return true;
      case 10:
        if (c.isStruct(type, d, "logicalType")) logicalType(c, d + 1, e);
        return true;
      default:
        return false;
    }
  }, FIELDS.schema);
  if (!named) c.note("a schema element without a name");
  return e;
}

/** The LogicalType union: its member, and an INTEGER's width and sign. */
function logicalType(c: Cursor, depth: number, e: SchemaElement): void {
  c.struct(depth, (id, type, d) => {
    e.logical = id;
    if (id !== 10 || !c.isStruct(type, d, "an INTEGER logical type")) return false;
    c.struct(d + 1, (fid, ftype, fd) => {
      if (fid === 1) e.bitWidth = c.integer(ftype, fd, "bitWidth");
      else if (fid === 2 && (ftype === BOOL_TRUE || ftype === BOOL_FALSE)) e.signed = ftype === BOOL_TRUE;
      else return false;
      return true;
    });
    return true;
  });
}

function statistics(c: Cursor, depth: number, chunk: FooterChunk): void {
  let oldMin: Uint8Array | undefined;
  let oldMax: Uint8Array | undefined;
  c.struct(depth, (id, type, d) => {
    if (id === 1) oldMax = c.bytesOf(type, d, "max");
    else if (id === 2) oldMin = c.bytesOf(type, d, "min");
    else if (id === 3) chunk.nullCount = c.integer(type, d, "null_count");
    else if (id === 5) chunk.maxValue = c.bytesOf(type, d, "max_value");
    else if (id === 6) chunk.minValue = c.bytesOf(type, d, "min_value");
    else return false;
    return true;
  }, FIELDS.statistics);
  if (chunk.nullCount !== undefined && chunk.nullCount < 0) c.note("a negative null count");
  // What parquet-rs checks of the statistics it decodes (the deprecated fields when the others are absent).
  const old = chunk.minValue === undefined && chunk.maxValue === undefined;
  const least = STAT_BYTES[chunk.type ?? 6] ?? 0;
  for (const v of old ? [oldMin, oldMax] : [chunk.minValue, chunk.maxValue]) if (v && v.length < least) c.note("a statistic shorter than its type");
}

function columnMeta(c: Cursor, depth: number, chunk: FooterChunk): void {
  c.struct(depth, (id, type, d) => {
    switch (id) {
      case 1:
        chunk.type = c.integer(type, d, "a column chunk's type");
        return true;
      case 2:
        if (c.isList(type, d, "encodings")) {
          const encodings: number[] = [];
          c.list(d + 1, (t, ld) => {
            encodings.push(c.integer(t, ld, "an encoding") ?? -1);
          });
          chunk.encodings = encodings;
        }
        return true;
      case 3:
        if (c.isList(type, d, "path_in_schema")) {
          const path: string[] = [];
          c.list(d + 1, (t, ld) => {
            const v = c.bytesOf(t, ld, "a path element");
            path.push(v ? utf8.decode(v) : "");
          });
          chunk.path = path;
        }
        return true;
      case 4:
        chunk.codec = c.integer(type, d, "codec");
        return true;
      case 5:
        chunk.numValues = c.integer(type, d, "num_values");
        return true;
      case 6:
        chunk.uncompressedSize = c.integer(type, d, "total_uncompressed_size");
        return true;
      case 7:
        chunk.compressedSize = c.integer(type, d, "total_compressed_size");
        return true;
      case 9:
        chunk.dataPageOffset = c.integer(type, d, "data_page_offset");
        return true;
      case 11:
        chunk.dictionaryPageOffset = c.integer(type, d, "dictionary_page_offset");
        return true;
      case 12:
        if (c.isStruct(type, d, "statistics")) statistics(c, d + 1, chunk);
        return true;
      default:
        return false;
    }
  }, FIELDS.meta);
  // path_in_schema is not checked: parquet-rs ignores it.
  const required = chunk.type !== undefined && chunk.encodings && chunk.codec !== undefined && chunk.numValues !== undefined;
  if (!required || chunk.uncompressedSize === undefined || chunk.compressedSize === undefined || chunk.dataPageOffset === undefined) {
    c.note("column metadata without a required field");
  }
  if (chunk.type !== undefined && !(chunk.type >= 0 && chunk.type <= 7)) c.note(`physical type ${chunk.type}`);
  if (chunk.codec !== undefined && !(chunk.codec >= 0 && chunk.codec <= 7)) c.note(`codec ${chunk.codec}`);
  for (const e of chunk.encodings ?? []) if (!ENCODINGS.has(e)) c.note(`encoding ${e}`);
}

function emptyChunk(): FooterChunk {
  return {
    path: undefined,
    filePath: false,
    type: undefined,
    codec: undefined,
    encodings: undefined,
    numValues: undefined,
    uncompressedSize: undefined,
    compressedSize: undefined,
    dataPageOffset: undefined,
    dictionaryPageOffset: undefined,
    nullCount: undefined,
    minValue: undefined,
    maxValue: undefined,
    hasMeta: false,
  };
}

function columnChunk(c: Cursor, depth: number): FooterChunk {
  const chunk = emptyChunk();
  let hasFileOffset = false;
  c.struct(depth, (id, type, d) => {
    if (id === 1) {
      chunk.filePath = true;
      return false;
    }
    if (id === 2) {
      hasFileOffset = c.integer(type, d, "file_offset") !== undefined;
      return true;
    }
    if (id !== 3) return false;
    if (c.isStruct(type, d, "meta_data")) {
      chunk.hasMeta = true;
      columnMeta(c, d + 1, chunk);
    }
    return true;
  }, FIELDS.chunk);
  if (!chunk.hasMeta || !hasFileOffset) c.note("a column chunk without metadata or file offset");
  return chunk;
}

function rowGroup(c: Cursor, depth: number): FooterRowGroup {
  const group: FooterRowGroup = { numRows: undefined, columns: undefined };
  let hasBytes = false;
  c.struct(depth, (id, type, d) => {
    if (id === 2) {
      hasBytes = c.integer(type, d, "total_byte_size") !== undefined;
      return true;
    }
    if (id === 3) {
      group.numRows = c.integer(type, d, "a row group's num_rows");
      return true;
    }
    if (id !== 1 || !c.isList(type, d, "columns")) return id === 1;
    const columns: FooterChunk[] = [];
    c.list(d + 1, (t, ld) => {
      // A placeholder keeps the others' indices.
      columns.push(c.isStruct(t, ld, "a column chunk") ? columnChunk(c, ld + 1) : emptyChunk());
    });
    group.columns = columns;
    return true;
  }, FIELDS.rowGroup);
  if (group.numRows === undefined || group.columns === undefined || !hasBytes) c.note("a row group without a required field");
  return group;
}

function keyValue(c: Cursor, depth: number): { key: string; value: string | undefined } | undefined {
  let key: string | undefined;
  let value: string | undefined;
  c.struct(depth, (id, type, d) => {
    if (id === 1) {
      const k = c.bytesOf(type, d, "a metadata key");
      if (k) key = utf8.decode(k);
    } else if (id === 2) {
      const v = c.bytesOf(type, d, "a metadata value");
      if (v) value = utf8.decode(v);
    } else return false;
    return true;
  }, FIELDS.keyValue);
  if (key === undefined) {
    c.note("a metadata entry without a key");
    return undefined;
  }
  return { key, value };
}

/** Reads a footer's bytes; throws (naming `where`) on bytes that are not a Thrift struct. */
export function readFooter(bytes: Uint8Array, where: string): Footer {
  const c = new Cursor(bytes, where);
  const footer: Footer = { schema: [], rowGroups: [], keyValues: [], columnOrders: undefined, odd: undefined };
  let hasVersion = false;
  let hasRows = false;
  let hasSchema = false;
  let hasGroups = false;
  c.struct(0, (id, type, d) => {
    switch (id) {
      case 1:
        hasVersion = c.integer(type, d, "version") !== undefined;
        return true;
      case 2:
        if (c.isList(type, d, "schema")) {
          hasSchema = true;
          c.list(d + 1, (t, ld) => {
            if (c.isStruct(t, ld, "a schema element")) footer.schema.push(schemaElement(c, ld + 1));
          });
        }
        return true;
      case 3:
        hasRows = c.integer(type, d, "num_rows") !== undefined;
        return true;
      case 4:
        if (c.isList(type, d, "row_groups")) {
          hasGroups = true;
          c.list(d + 1, (t, ld) => {
            footer.rowGroups.push(c.isStruct(t, ld, "a row group") ? rowGroup(c, ld + 1) : { numRows: undefined, columns: undefined });
          });
        }
        return true;
      case 7:
        if (c.isList(type, d, "column_orders")) footer.columnOrders = c.list(d + 1, (t, ld) => c.skip(t, ld));
        return true;
      case 5:
        if (c.isList(type, d, "key_value_metadata")) {
          c.list(d + 1, (t, ld) => {
            if (!c.isStruct(t, ld, "a metadata entry")) return;
            const kv = keyValue(c, ld + 1);
            if (kv) footer.keyValues.push(kv);
          });
        }
        return true;
      default:
        return false;
    }
  }, FIELDS.file);
  if (!hasVersion || !hasSchema || !hasRows || !hasGroups) c.note("file metadata without a required field");
  footer.odd = c.odd;
  return footer;
}
