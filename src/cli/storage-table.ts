/** One row of `sxflow inspect`'s table: a ROOT branch or a Parquet column and how it is stored. */
export interface StoredColumn {
  name: string;
  type: string;
  kind: string;
  supported: boolean;
  codec: string;
  /** Baskets (ROOT) or column chunks (Parquet). */
  pieces: number;
  compressedBytes: number;
  uncompressedBytes: number;
  compressionRatio: number | null;
}

/** The aligned table of `sxflow inspect`; `what` names the first column and the pieces ("baskets", "chunks"). */
export function storageTable(what: [string, string], columns: readonly StoredColumn[]): string {
  const rows = [[what[0], "type", "kind", "codec", what[1], "compressed", "uncompressed", "ratio"]];
  for (const c of columns) {
    rows.push([
      c.name,
      c.supported ? c.type : `${c.type} (unsupported)`,
      c.kind,
      c.codec,
      String(c.pieces),
      String(c.compressedBytes),
      String(c.uncompressedBytes),
      c.compressionRatio === null ? "-" : c.compressionRatio.toFixed(2),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  // Counts and sizes right-aligned.
  return rows.map((r) => r.map((c, i) => (i >= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}
