import { columnLength, concatColumns, maskIndex, sliceColumn, takeColumn } from "./column.js";
import type { Batch, Column } from "./types.js";

function mapColumns(batch: Batch, f: (c: Column) => Column): Record<string, Column> {
  const columns: Record<string, Column> = {};
  for (const [name, column] of Object.entries(batch.columns)) columns[name] = f(column);
  return columns;
}

/** Events [start, stop) of a batch. */
export function sliceBatch(batch: Batch, start: number, stop: number): Batch {
  if (start < 0 || stop > batch.length || start > stop) {
    throw new RangeError(`sliceBatch: range [${start}, ${stop}) outside a batch of ${batch.length} events`);
  }
  return { length: stop - start, columns: mapColumns(batch, (c) => sliceColumn(c, start, stop)) };
}

/** Concatenates batches that have the same columns. */
export function concatBatches(batches: Batch[]): Batch {
  const first = batches[0];
  if (!first) return { length: 0, columns: {} };
  if (batches.length === 1) return first;
  const names = Object.keys(first.columns);
  const columns: Record<string, Column> = {};
  for (const name of names) {
    columns[name] = concatColumns(
      batches.map((b, i) => {
        const c = b.columns[name];
        if (!c) throw new Error(`concatBatches: batch ${i} has no column "${name}"`);
        return c;
      }),
    );
  }
  let length = 0;
  for (const b of batches) length += b.length;
  return { length, columns };
}

/** Keeps the events whose mask byte is non-zero, keeping flat and jagged columns consistent. */
export function filterBatch(batch: Batch, mask: Uint8Array): Batch {
  if (mask.length !== batch.length) {
    throw new RangeError(`filterBatch: mask of ${mask.length} entries for a batch of ${batch.length} events`);
  }
  const index = maskIndex(mask);
  return { length: index.length, columns: mapColumns(batch, (c) => takeColumn(c, index)) };
}

/** Checks that every column holds `batch.length` events and that offsets are monotone. */
export function validateBatch(batch: Batch): void {
  for (const [name, column] of Object.entries(batch.columns)) {
    const n = columnLength(column);
    if (n !== batch.length) {
      throw new Error(`column "${name}" holds ${n} events, batch has ${batch.length}`);
    }
  }
}
