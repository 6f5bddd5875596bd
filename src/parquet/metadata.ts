import { field, num, ThriftReader, type ThriftStruct, type ThriftValue } from "./thrift.js";

/**
 * The parts of a Parquet footer (parquet.thrift's FileMetaData) that sxflow's own column-chunk
 * decoder needs: the schema tree and, per row group, where each leaf column's chunk lies and how
 * it is stored. Field ids are parquet.thrift's.
 */

/** One element of the flattened schema (SchemaElement). */
export interface SchemaElement {
  name: string;
  /** Physical type (Type enum) of a leaf; undefined for a group. */
  type: number | undefined;
  /** REQUIRED 0, OPTIONAL 1, REPEATED 2 (undefined for the root). */
  repetition: number | undefined;
  children: number;
  convertedType: number | undefined;
  /** The LogicalType union's member id (3 LIST, 10 INTEGER, ...), if any. */
  logical: number | undefined;
  /** Of an INTEGER logical type. */
  bitWidth?: number;
  signed?: boolean;
}

/** One column chunk of a row group (ColumnChunk + ColumnMetaData). */
export interface ChunkMeta {
  /** path_in_schema joined with "." (the leaf's dotted path). */
  path: string;
  type: number;
  codec: number;
  encodings: number[];
  /** Values (levels) in the chunk, nulls and list entries included. */
  numValues: number;
  /** Where the chunk's first page starts (its dictionary page, if any). */
  offset: number;
  compressedSize: number;
  /** statistics.null_count when the writer stored it. */
  nullCount: number | undefined;
}

export interface RowGroupMeta {
  /** Chunks by leaf path. */
  chunks: Map<string, ChunkMeta>;
}

export interface FileMeta {
  schema: SchemaElement[];
  rowGroups: RowGroupMeta[];
}

// Enum values of parquet.thrift used elsewhere.
export const Type = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;
export const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;
export const Encoding = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, BIT_PACKED: 4, RLE_DICTIONARY: 8 } as const;

const decoder = new TextDecoder();

function text(v: ThriftValue | undefined): string {
  return v instanceof Uint8Array ? decoder.decode(v) : "";
}

function schemaElement(s: ThriftValue): SchemaElement {
  const logical = field(s, 10);
  let member: number | undefined;
  const out: SchemaElement = {
    name: text(field(s, 4)),
    type: num(field(s, 1)),
    repetition: num(field(s, 3)),
    children: num(field(s, 5)) ?? 0,
    convertedType: num(field(s, 6)),
    logical: undefined,
  };
  if (logical instanceof Map) {
    for (const id of (logical as ThriftStruct).keys()) member = id;
    out.logical = member;
    if (member === 10) {
      const int = logical.get(10);
      out.bitWidth = num(field(int, 1));
      out.signed = field(int, 2) === true;
    }
  }
  return out;
}

function chunkMeta(chunk: ThriftValue): ChunkMeta | undefined {
  const m = field(chunk, 3);
  const path = field(m, 3);
  const type = num(field(m, 1));
  const codec = num(field(m, 4));
  const numValues = num(field(m, 5));
  const compressedSize = num(field(m, 7));
  const data = num(field(m, 9));
  const dict = num(field(m, 11));
  const encodings = field(m, 2);
  // A chunk in another file (file_path) is not read by the own decoder.
  if (field(chunk, 1) !== undefined) return undefined;
  if (!Array.isArray(path) || type === undefined || codec === undefined || numValues === undefined) return undefined;
  if (compressedSize === undefined || data === undefined || !Array.isArray(encodings)) return undefined;
  const offset = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return {
    path: path.map(text).join("."),
    type,
    codec,
    encodings: encodings.map((e) => num(e) ?? -1),
    numValues,
    offset,
    compressedSize,
    nullCount: num(field(field(m, 12), 3)),
  };
}

/** The footer's schema and row groups; throws (naming `where`) on a footer that is not Thrift. */
export function readFileMeta(footer: Uint8Array, where: string): FileMeta {
  const root = new ThriftReader(footer, where).struct();
  const elements = field(root, 2);
  const groups = field(root, 4);
  const schema = Array.isArray(elements) ? elements.map(schemaElement) : [];
  const rowGroups: RowGroupMeta[] = [];
  for (const g of Array.isArray(groups) ? groups : []) {
    const chunks = new Map<string, ChunkMeta>();
    const columns = field(g, 1);
    for (const c of Array.isArray(columns) ? columns : []) {
      const meta = chunkMeta(c);
      if (meta) chunks.set(meta.path, meta);
    }
    rowGroups.push({ chunks });
  }
  return { schema, rowGroups };
}
