import { filterBatch } from "../batch/core.js";
import type { Batch, Column, ElementType, JaggedColumn, NumericArray } from "../batch/core.js";
import { cutMask, reviveExpression } from "../expr/index.js";
import type { CompiledExpression } from "../expr/index.js";
// Not the hdf5 index: that would load h5wasm (its reader) into every worker.
import { float16ToNumber, float32ArrayToFloat16 } from "../hdf5/float16.js";
import type { TreeSource } from "../sources/tree-source.js";
import {
  assignSplits,
  batchStats,
  ENTRY_KEY,
  fieldHistogram,
  multiplicityCounts,
  NO_SPLIT,
  objectColumn,
  packRowsBySplit,
  padGlobal,
  padGroup,
  selectedObjects,
  SPLIT_NAMES,
} from "../stages/index.js";
import type { FieldHistogram, FieldStats, GroupPlan, StatsPartials } from "../stages/index.js";
import type { PipelinePlan, TaskHeader, TaskResult, TaskSpec } from "./types.js";

interface CompiledGroup {
  plan: GroupPlan;
  /** Per record field; undefined for the label and valid fields. */
  exprs: (CompiledExpression | undefined)[];
  select?: CompiledExpression;
  sort?: CompiledExpression;
  /**
   * Indices of the fields with statistics. Found once here: testing `f.stats` in the per-task code
   * met fields of several shapes and deoptimised the task function again and again.
   */
  statsFields: number[];
}

/** A plan with its expressions compiled, built once per worker and run. */
export interface CompiledPlan {
  plan: PipelinePlan;
  cuts: CompiledExpression[];
  groups: CompiledGroup[];
}

export function compilePlan(plan: PipelinePlan): CompiledPlan {
  return {
    plan,
    cuts: plan.cuts.map(reviveExpression),
    groups: plan.groups.map((g) => ({
      plan: g,
      exprs: g.fields.map((f) => (f.expr ? reviveExpression(f.expr) : undefined)),
      select: g.select && reviveExpression(g.select),
      sort: g.sort && reviveExpression(g.sort),
      statsFields: g.fields.flatMap((f, k) => (f.stats ? [k] : [])),
    })),
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

let halfTable: Float32Array | undefined;

/** Binary16 bits -> float32 values, through a 64k-entry table. */
function halfToFloat(bits: Uint16Array): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = float16ToNumber(h);
  }
  const t = halfTable;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
}

/** Binary16 bits of float32 values; a finite value beyond float16's range is an error, not an infinity. */
function toHalf(group: string, field: string, values: Float32Array): Uint16Array {
  const bits = float32ArrayToFloat16(values);
  for (let i = 0; i < bits.length; i++) {
    if ((bits[i]! & 0x7fff) === 0x7c00 && Number.isFinite(values[i]!)) {
      throw new Error(
        `${group}.${field}: value ${values[i]} does not fit in float16 (largest 65504); ` +
          `list "${group}.${field}" in output.fullPrecision or scale it (e.g. to GeV)`,
      );
    }
  }
  return bits;
}

/** Record fields of every group in storage types, plus each group's validity. */
interface PaddedEvents {
  columns: NumericArray[][];
  valid: (Uint8Array | undefined)[];
}

function padAll(cp: CompiledPlan, batch: Batch, label: number, header: TaskHeader, where: string): PaddedEvents {
  const n = batch.length;
  const columns: NumericArray[][] = [];
  const valid: (Uint8Array | undefined)[] = [];
  for (const g of cp.groups) {
    const gp = g.plan;
    const evaluated: Record<string, Column> = {};
    const sources: Record<string, string> = {};
    const casts: Record<string, ElementType> = {};
    for (let k = 0; k < gp.fields.length; k++) {
      const f = gp.fields[k]!;
      const e = g.exprs[k];
      if (!e) continue;
      evaluated[f.name] = e.evaluate(batch);
      sources[f.name] = f.source!;
      casts[f.name] = f.value;
    }
    let fields: Record<string, NumericArray>;
    if (gp.global) {
      fields = padGlobal({ name: gp.name, fields: evaluated, sources, casts }).fields;
      valid.push(undefined);
    } else {
      const jagged: Record<string, JaggedColumn> = {};
      for (const [name, column] of Object.entries(evaluated)) jagged[name] = objectColumn(gp.name, `field "${name}" (${sources[name]})`, column, n);
      const select = g.select && objectColumn(gp.name, `the selection ${JSON.stringify(g.select.source)}`, g.select.evaluate(batch), n);
      const sortBy = g.sort && objectColumn(gp.name, `the sort key ${JSON.stringify(g.sort.source)}`, g.sort.evaluate(batch), n);
      const padded = padGroup({ name: gp.name, maxObjects: gp.max, fields: jagged, sources, select, sortBy, padding: gp.padding, casts });
      header.objects[gp.name]! += selectedObjects(padded);
      header.truncated[gp.name]! += padded.truncated;
      if (cp.plan.histograms) {
        // After padGroup, which checked that the selection has one value per object.
        const counts = select ? multiplicityCounts(select.offsets, select.values as NumericArray) : multiplicityCounts(Object.values(jagged)[0]!.offsets);
        header.histograms.multiplicity[gp.name] = counts;
      }
      fields = padded.fields;
      valid.push(padded.valid);
    }
    const groupValid = valid[valid.length - 1];
    const stored: NumericArray[] = [];
    for (const f of gp.fields) {
      if (f.role === "label") stored.push(new Int32Array(n).fill(label));
      else if (f.role === "valid") stored.push(groupValid!);
      else {
        const v = fields[f.name];
        if (!v) throw new Error(`${where}: group "${gp.name}" lost field "${f.name}"`);
        stored.push(f.h5 === "float16" ? toHalf(gp.name, f.name, v as Float32Array) : v);
      }
    }
    columns.push(stored);
  }
  return { columns, valid };
}

/** Which of the `n * max` slots count for statistics: valid slots (all of them without a valid flag) of train events. */
function trainMask(splits: Uint8Array, valid: Uint8Array | undefined, max: number): Uint8Array {
  const mask = new Uint8Array(splits.length * max);
  for (let i = 0; i < splits.length; i++) {
    if (splits[i] !== 0) continue;
    for (let j = 0, k = i * max; j < max; j++, k++) mask[k] = valid ? valid[k]! : 1;
  }
  return mask;
}

/**
 * Statistics of the train rows: valid slots of object groups, every train event of the global
 * group; with the plan's histograms, the same entries' histograms go into the header.
 */
function trainStats(cp: CompiledPlan, padded: PaddedEvents, splits: Uint8Array, header: TaskHeader): StatsPartials {
  const out: StatsPartials = {};
  // Plain loops, not forEach callbacks: V8 compiled a fresh closure holding the mask loop once per
  // task (measured: ~90 TurboFan compiles in a 10M-event run).
  for (let gi = 0; gi < cp.groups.length; gi++) {
    const g = cp.groups[gi]!;
    const gp = g.plan;
    if (g.statsFields.length === 0) continue;
    const mask = trainMask(splits, padded.valid[gi], gp.max);
    const stats: Record<string, FieldStats> = {};
    const histograms: Record<string, FieldHistogram> = {};
    for (const k of g.statsFields) {
      const f = gp.fields[k]!;
      const stored = padded.columns[gi]![k]!;
      const values = f.h5 === "float16" ? halfToFloat(stored as Uint16Array) : stored;
      stats[f.name] = batchStats(values, mask);
      if (cp.plan.histograms) histograms[f.name] = fieldHistogram(values, mask);
    }
    out[gp.name] = stats;
    if (cp.plan.histograms) header.histograms.fields[gp.name] = histograms;
  }
  return out;
}

// runTask itself holds no loop over events: V8 compiled it on-stack while a first task was in such
// a loop, then threw the code away at the first line after it (no type feedback there yet), once
// per task or so; the loops live in these small functions instead.

function withEntryNumbers(batch: Batch, start: number): Batch {
  const entry = new Float64Array(batch.length);
  for (let i = 0; i < entry.length; i++) entry[i] = start + i;
  return { length: batch.length, columns: { ...batch.columns, [ENTRY_KEY]: { kind: "flat", values: entry } } };
}

/** The events passing every cut; the cut flow goes into the header. */
function applyCuts(cuts: readonly CompiledExpression[], batch: Batch, header: TaskHeader): Batch {
  const pass = new Uint8Array(batch.length).fill(1);
  for (const cut of cuts) {
    const m = cutMask(batch, cut);
    header.cutPass.push(count(m));
    header.cutCumulative.push(andInto(pass, m));
  }
  return header.cutCumulative[header.cutCumulative.length - 1] === batch.length ? batch : filterBatch(batch, pass);
}

function count(mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) n++;
  return n;
}

/** pass &= mask; returns how many still pass. */
function andInto(pass: Uint8Array, mask: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += pass[i]! &= mask[i] !== 0 ? 1 : 0;
  return n;
}

function countSplits(splits: Uint8Array, header: TaskHeader): void {
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i]!;
    if (s === NO_SPLIT) header.unsplit++;
    else header.splitRows[s]!++;
  }
}

/**
 * One task: read the entry range, apply the cuts (counting each), pad every group, assign splits,
 * compute the train statistics and pack the rows split by split.
 */
export async function runTask(cp: CompiledPlan, source: TreeSource, task: TaskSpec): Promise<TaskResult> {
  const { plan } = cp;
  const file = plan.files[task.file]!;
  const where = `${file.path} (tree "${plan.tree}", entries ${task.start}-${task.stop})`;
  const header: TaskHeader = {
    index: task.index,
    sample: file.sample,
    eventsRead: task.stop - task.start,
    cutPass: [],
    cutCumulative: [],
    splitRows: SPLIT_NAMES.map(() => 0),
    unsplit: 0,
    objects: {},
    truncated: {},
    stats: {},
    histograms: { fields: {}, multiplicity: {} },
  };
  for (const g of plan.groups) {
    if (g.global) continue;
    header.objects[g.name] = 0;
    header.truncated[g.name] = 0;
  }
  let batch: Batch;
  try {
    batch = await source.read(plan.branches, task.start, task.stop);
  } catch (err) {
    throw new Error(`${where}: cannot read: ${message(err)}`);
  }
  try {
    if (plan.entryKey) batch = withEntryNumbers(batch, task.start);
    if (cp.cuts.length > 0) batch = applyCuts(cp.cuts, batch, header);
    const splits = assignSplits(batch, plan.split);
    countSplits(splits, header);
    const label = plan.samples[file.sample]!.label;
    const padded = padAll(cp, batch, label, header, where);
    header.stats = trainStats(cp, padded, splits, header);
    const rows = packRowsBySplit(plan.groups, plan.rowBytes, padded.columns, splits, header.splitRows);
    return { header, rows };
  } catch (err) {
    throw new Error(`${where}: ${message(err)}`);
  }
}
