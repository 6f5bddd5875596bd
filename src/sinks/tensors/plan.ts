import { didYouMean } from "../../config/index.js";
import type { NormDict } from "../../stages/index.js";
import { decodeGroup, decodeLabels, groupOut } from "./decode.js";
import type { GroupLayout, GroupOut, RecordFieldInfo, RowBlock } from "./decode.js";
import { normOf } from "./norm.js";
import type { StoredGroup } from "./rows.js";
import type { TensorBatch } from "./types.js";

/** What to make of a row source: the groups to yield and where the labels are. */
export interface TensorPlan {
  groups: GroupLayout[];
  labels: { group: string; field: RecordFieldInfo };
}

export interface PlanChoices {
  /** Source named in errors. */
  where: string;
  labelField: string;
  groups?: string[];
  fields?: Record<string, string[]>;
  norm?: NormDict;
  /** Where the norm dict came from, for its errors. */
  normWhere?: string;
}

function unknown(where: string, what: string, name: string, known: string[]): Error {
  const near = didYouMean(name, known);
  return new Error(`${where}: no ${what} "${name}"${near ? `; did you mean "${near}"?` : ""} (available: ${known.join(", ")})`);
}

/** Checks the selection against the stored groups and builds each group's layout. */
export function tensorPlan(stored: StoredGroup[], c: PlanChoices): TensorPlan {
  const byName = new Map(stored.map((g) => [g.name, g]));
  const labelGroup = stored.find((g) => g.global && g.fields.some((f) => f.name === c.labelField));
  if (!labelGroup) throw new Error(`${c.where}: no (N,) dataset has a "${c.labelField}" field, so there are no labels to read`);
  const names = c.groups ?? stored.map((g) => g.name);
  for (const n of names) if (!byName.has(n)) throw unknown(c.where, "group", n, [...byName.keys()]);
  for (const n of Object.keys(c.fields ?? {})) {
    if (!names.includes(n)) throw new Error(`${c.where}: fields are selected for group "${n}", which is not among the groups read (${names.join(", ")})`);
  }
  const groups = names.map((n): GroupLayout => {
    const g = byName.get(n)!;
    const where = `${c.where}: group "${n}"`;
    const own = g.fields.filter((f) => f.name !== "valid" && f.name !== c.labelField);
    const chosen = c.fields?.[n]?.map((name) => {
      const f = own.find((x) => x.name === name);
      if (!f) throw unknown(where, "field", name, own.map((x) => x.name));
      return f;
    }) ?? own;
    if (chosen.length === 0) throw new Error(`${where}: no fields to read besides valid and ${c.labelField}`);
    const valid = g.global ? undefined : g.fields.find((f) => f.name === "valid");
    if (valid && valid.type !== "bool" && valid.type !== "uint8" && valid.type !== "int8") {
      throw new Error(`${where}: field "valid" is ${valid.type}, expected bool`);
    }
    return {
      name: n,
      global: g.global,
      slots: g.slots,
      recordSize: g.recordSize,
      validOffset: valid ? valid.offset : -1,
      fields: chosen.map((field) => ({ field, norm: normOf(c.norm, c.normWhere ?? c.where, n, field.name) })),
    };
  });
  const label = labelGroup.fields.find((f) => f.name === c.labelField)!;
  if (!/int|bool/.test(label.type)) throw new Error(`${c.where}: group "${labelGroup.name}": field "${c.labelField}" is ${label.type}, expected an integer class index`);
  return { groups, labels: { group: labelGroup.name, field: label } };
}

/** The arrays one batch is decoded into. */
export interface BatchOut {
  groups: GroupOut[];
  labels: Int32Array;
  /** Scratch: the row offsets of one group. */
  starts: Int32Array;
}

/** Arrays for a batch of up to `rows` rows. */
export function batchOut(plan: TensorPlan, rows: number): BatchOut {
  return { groups: plan.groups.map((g) => groupOut(g, rows)), labels: new Int32Array(rows), starts: new Int32Array(rows) };
}

/** One batch: rows `order[from..from+size)` (or `from..from+size`) of the blocks, into `out`. */
export function decodeBatch(plan: TensorPlan, blocks: Record<string, RowBlock>, size: number, order: Uint32Array | undefined, from: number, out: BatchOut, epoch: number): TensorBatch {
  const inputs: TensorBatch["inputs"] = {};
  plan.groups.forEach((g, i) => (inputs[g.name] = decodeGroup(g, blocks[g.name]!, size, order, from, out.groups[i]!, out.starts)));
  const labels = decodeLabels(plan.labels.field, blocks[plan.labels.group]!, size, order, from, out.labels, out.starts);
  return { size, epoch, labels, inputs };
}

/** Groups whose records a batch needs (the yielded ones and the labels' group). */
export function neededGroups(plan: TensorPlan): string[] {
  return [...new Set([...plan.groups.map((g) => g.name), plan.labels.group])];
}
