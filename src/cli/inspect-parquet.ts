import { storageTable } from "./storage-table.js";
import { openParquet, TREENAME_COLUMN, type ParquetReader } from "../parquet/index.js";

interface ColumnReport {
  name: string;
  type: string;
  kind: string;
  elementType: string | null;
  supported: boolean;
  unsupportedReason?: string;
  chunks: number;
  compressedBytes: number;
  uncompressedBytes: number;
  compressionRatio: number | null;
  codec: string;
}

interface TreeRows {
  name: string;
  entries: number;
  /** Entry ranges of the row groups holding this tree's rows. */
  clusters: { entryStart: number; entryStop: number }[];
}

interface ParquetReport {
  file: string;
  format: "parquet";
  rows: number;
  rowGroups: number;
  /** Trees named by ServiceX's treename column; empty without one. */
  trees: TreeRows[];
  columns: ColumnReport[];
}

function columns(reader: ParquetReader): ColumnReport[] {
  const storage = reader.columnStorage();
  const out: ColumnReport[] = [];
  const add = (name: string, type: string, kind: string, elementType: string | null, reason?: string): void => {
    const s = storage.get(name);
    const r: ColumnReport = {
      name,
      type,
      kind,
      elementType,
      supported: reason === undefined,
      chunks: s?.chunks ?? 0,
      compressedBytes: s?.compressedBytes ?? 0,
      uncompressedBytes: s?.uncompressedBytes ?? 0,
      compressionRatio: s && s.compressedBytes > 0 ? s.uncompressedBytes / s.compressedBytes : null,
      codec: s?.codecs.join("+") ?? "-",
    };
    if (reason !== undefined) r.unsupportedReason = reason;
    out.push(r);
  };
  for (const b of reader.branches) add(b.name, b.type, b.kind, b.elementType);
  for (const u of reader.unsupported) add(u.name, u.type, "-", null, u.reason);
  return out;
}

async function treeRows(path: string, reader: ParquetReader, only: string | undefined): Promise<TreeRows[]> {
  const names = only !== undefined ? [only] : reader.trees.map((t) => t.name);
  const out: TreeRows[] = [];
  for (const name of names) {
    // Opening with the tree checks the name (with suggestions) and gives its entry ranges.
    const t = await openParquet(path, { tree: name, treeRuns: reader.treeRuns });
    try {
      out.push({ name, entries: t.entries, clusters: t.clusters().map((c) => ({ entryStart: c.start, entryStop: c.stop })) });
    } finally {
      t.close();
    }
  }
  return out;
}

function render(r: ParquetReport): string {
  const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const out = [`${r.file}`, `  Parquet: ${count(r.rows, "row", "rows")} in ${count(r.rowGroups, "row group", "row groups")}`];
  if (r.trees.length === 0) out.push(`  no "${TREENAME_COLUMN}" column: every row is one event of the file's only tree`);
  for (const t of r.trees) {
    out.push(`  tree "${t.name}": ${count(t.entries, "entry", "entries")} in ${count(t.clusters.length, "row group", "row groups")}`);
  }
  out.push("", storageTable(["column", "chunks"], r.columns.map((c) => ({ ...c, pieces: c.chunks }))));
  return `${out.join("\n")}\n`;
}

/**
 * The local inspection of a Parquet file as ServiceX writes it: rows, row groups, the trees of its
 * treename column and every column with its storage. `tree` limits the trees listed.
 */
export async function inspectParquet(path: string, tree: string | undefined, json: boolean): Promise<string> {
  const reader = await openParquet(path);
  try {
    const report: ParquetReport = {
      file: path,
      format: "parquet",
      rows: reader.fileRows,
      rowGroups: reader.rowGroups.length,
      trees: reader.trees.length > 0 || tree !== undefined ? await treeRows(path, reader, tree) : [],
      columns: columns(reader),
    };
    return json ? `${JSON.stringify(report, null, 2)}\n` : render(report);
  } finally {
    reader.close();
  }
}
