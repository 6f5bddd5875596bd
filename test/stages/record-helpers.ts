/** Test side: padded groups as rows of the output record layout, and fields read back out of rows. */
import { allocate } from "../../src/batch/core.js";
import type { NumericArray } from "../../src/batch/core.js";
import { layoutRecords, layoutRow, packRowsBySplit, recordField } from "../../src/stages/index.js";
import type { GlobalGroup, GroupPlan, PaddedGroup, RecordLayout } from "../../src/stages/index.js";

function isPadded(g: GlobalGroup | PaddedGroup): g is PaddedGroup {
  return "maxObjects" in g;
}

/** The record layout of these groups, built with the pipeline's functions: fields in order, `valid` last in object groups. */
export function layoutOf(groups: readonly (GlobalGroup | PaddedGroup)[]): RecordLayout {
  const plans = groups.map((g): GroupPlan => {
    const fields = Object.entries(g.types).map(([name, type]) => recordField(name, "expr", type, false));
    if (isPadded(g)) fields.push(recordField("valid", "valid", "bool", false));
    return { name: g.name, global: !isPadded(g), max: isPadded(g) ? g.maxObjects : 1, padding: "zero", fields, recordBytes: layoutRecords(fields), rowOffset: 0 };
  });
  return { groups: plans, rowBytes: layoutRow(plans) };
}

/** The events of the groups packed into rows by the rows stage's packer, grouped by split (all in split 0 by default). */
export function packGroups(groups: readonly (GlobalGroup | PaddedGroup)[], layout: RecordLayout, splits?: Uint8Array, splitRows?: number[]): Uint8Array {
  const n = groups[0]!.length;
  const columns = groups.map((g) => [...Object.values(g.fields), ...(isPadded(g) ? [g.valid] : [])]);
  return packRowsBySplit(layout.groups, layout.rowBytes, columns, splits ?? new Uint8Array(n), splitRows ?? [n]);
}

/** One field of every slot of every row, read byte by byte at its place in the layout. */
export function fieldOf(rows: Uint8Array, layout: RecordLayout, group: string, field: string): NumericArray {
  const g = layout.groups.find((x) => x.name === group)!;
  const f = g.fields.find((x) => x.name === field)!;
  const n = rows.length / layout.rowBytes;
  const out = allocate(f.storage, n * g.max);
  const bytes = new Uint8Array(out.buffer);
  for (let r = 0, q = 0; r < n; r++) {
    for (let j = 0; j < g.max; j++) {
      const p = r * layout.rowBytes + g.rowOffset + j * g.recordBytes + f.offset;
      for (let b = 0; b < f.size; b++) bytes[q++] = rows[p + b]!;
    }
  }
  return out;
}
