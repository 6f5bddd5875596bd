/**
 * The parts of a Parquet footer (parquet.thrift's FileMetaData) that sxflow's own column-chunk
 * decoder needs, from footer.ts's single read: the schema tree and, per row group, where each
 * leaf column's chunk lies and how it is stored.
 */
import type { Footer, FooterChunk, SchemaElement } from "./footer.js";

export type { SchemaElement };

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

function chunkMeta(c: FooterChunk): ChunkMeta | undefined {
  const { path, type, codec, numValues, compressedSize, dataPageOffset: data, dictionaryPageOffset: dict, encodings } = c;
  // A chunk in another file (file_path) is not read by the own decoder.
  if (c.filePath || !c.hasMeta) return undefined;
  if (!path || type === undefined || codec === undefined || numValues === undefined) return undefined;
  if (compressedSize === undefined || data === undefined || !encodings) return undefined;
  const offset = dict !== undefined && dict > 0 && dict < data ? dict : data;
  return { path: path.join("."), type, codec, encodings, numValues, offset, compressedSize, nullCount: c.nullCount };
}

/** The footer's schema and row groups as the own decoder uses them. */
export function fileMeta(footer: Footer): FileMeta {
  const rowGroups: RowGroupMeta[] = footer.rowGroups.map((g) => {
    const chunks = new Map<string, ChunkMeta>();
    for (const c of g.columns ?? []) {
      const meta = chunkMeta(c);
      if (meta) chunks.set(meta.path, meta);
    }
    return { chunks };
  });
  return { schema: footer.schema, rowGroups };
}
