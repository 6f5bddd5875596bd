import type { Column } from "../batch/types.js";
import { decodeChunk } from "./chunk-decoder.js";
import { codecInit } from "./codecs.js";
import type { FileSlices } from "./file-slices.js";
import { chunkSupported, planLeaf, topLevelFields, type LeafPlan } from "./leaf-plan.js";
import type { ChunkMeta, FileMeta } from "./metadata.js";
import { NeedsFallback, PageError } from "./pages.js";
import type { ParquetBranch } from "./schema.js";

/**
 * The reader's own decoding route: for each row group, which requested columns sxflow decodes
 * itself (decided from the footer), and their rows decoded into sxflow columns. What it does not
 * take (or gives back on finding nulls, before anything of the row group was output) goes to
 * parquet-wasm.
 */
export class OwnColumns {
  private readonly plans = new Map<string, LeafPlan | undefined>();
  /** Column chunks decoded here, and those given back to parquet-wasm on finding nulls. */
  readonly counts = { own: 0, givenBack: 0 };
  private readonly fields;

  constructor(
    private readonly path: string,
    private readonly meta: FileMeta,
    private readonly slices: FileSlices,
    private readonly branches: ReadonlyMap<string, ParquetBranch>,
  ) {
    this.fields = topLevelFields(meta.schema);
  }

  private plan(name: string): LeafPlan | undefined {
    if (!this.plans.has(name)) {
      const branch = this.branches.get(name);
      this.plans.set(name, branch ? planLeaf(this.meta.schema, this.fields, branch) : undefined);
    }
    return this.plans.get(name);
  }

  /** The columns of `names` the own decoder reads in row group `group`, with their chunks. */
  chunks(group: number, names: readonly string[]): Map<string, { plan: LeafPlan; chunk: ChunkMeta }> {
    const out = new Map<string, { plan: LeafPlan; chunk: ChunkMeta }>();
    const rg = this.meta.rowGroups[group];
    if (!rg) return out;
    for (const name of names) {
      const plan = this.plan(name);
      if (!plan) continue;
      const chunk = rg.chunks.get(plan.path);
      if (chunkSupported(plan, chunk)) out.set(name, { plan, chunk });
    }
    return out;
  }

  /**
   * Rows [lo, hi) of row group `group` of the columns `chunks` chose; a column that turns out to
   * need parquet-wasm (nulls) is left out of the result.
   */
  async decode(group: number, lo: number, hi: number, chunks: Map<string, { plan: LeafPlan; chunk: ChunkMeta }>): Promise<Map<string, Column>> {
    const out = new Map<string, Column>();
    // In file order: the order in which a remote file's read-ahead announced them.
    const inFileOrder = [...chunks].sort((a, b) => a[1].chunk.offset - b[1].chunk.offset);
    for (const [name, { plan, chunk }] of inFileOrder) {
      await codecInit(chunk.codec);
      const bytes = await this.slices.read(chunk.offset, chunk.offset + chunk.compressedSize);
      try {
        out.set(name, decodeChunk(bytes, plan, chunk, lo, hi));
        this.counts.own++;
      } catch (error) {
        if (error instanceof NeedsFallback) {
          this.counts.givenBack++;
          continue;
        }
        throw this.error(group, name, error);
      }
    }
    return out;
  }

  private error(group: number, column: string, error: unknown): Error {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof PageError)) return new Error(`${this.path}: cannot decode row group ${group}, column "${column}": ${message}`);
    // The wording of the CRC check that ran before parquet-wasm decoded (checked-slices.ts).
    if (message.startsWith("page CRC mismatch")) return new Error(`${this.path}: row group ${group}, column "${column}", page ${error.page}: ${message}`);
    return new Error(`${this.path}: cannot decode row group ${group}, column "${column}", page ${error.page}: ${message}`);
  }
}

/** Rows [a, b) of a column the own decoder made, with buffers of their own (batches are transferred between threads). */
export function ownedPiece(column: Column, a: number, b: number): Column {
  if (column.kind === "flat") {
    const out: Column = { kind: "flat", values: column.values.slice(a, b) };
    if (column.elementType) out.elementType = column.elementType;
    return out;
  }
  if (column.kind !== "jagged" || !ArrayBuffer.isView(column.values)) throw new Error("ownedPiece: not a column of the own decoder");
  const first = column.offsets[a]!;
  const offsets = new Int32Array(b - a + 1);
  for (let i = 0; i <= b - a; i++) offsets[i] = column.offsets[a + i]! - first;
  const out: Column = { kind: "jagged", offsets, values: column.values.slice(first, column.offsets[b]!) };
  if (column.elementType) out.elementType = column.elementType;
  return out;
}
