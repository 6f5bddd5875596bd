import type { Column, ElementType, FlatColumn, JaggedColumn, NumericArray } from "../batch/core.js";
import { reviveExpression } from "../expr/index.js";
import type { CompiledExpression } from "../expr/index.js";
import { fieldColumn } from "./event-batch.js";
import type { TaskHeader } from "./event-batch.js";
import { toHalf } from "./half.js";
import { multiplicityCounts } from "./histogram.js";
import { objectColumn, padGlobal, padGroup, selectedObjects } from "./pad.js";
import type { GroupPlan } from "./record.js";
import type { Step } from "./step.js";

/**
 * The pad stage: evaluates every group's field expressions and adds one column per field,
 * `<group>/<field>`, holding the values as the output stores them (binary16 bits in a uint16 column
 * for half-precision fields): one value per event for the global group, `max` slots per event
 * (`shape: [max]`, objects selected, sorted, left-packed and padded) for object groups, with the
 * slots' validity in `<group>/valid`. Label fields are the label stage's.
 */
export interface PadSpec {
  groups: GroupPlan[];
  /** Counts each object group's multiplicity (objects kept by `select`) into `header.histograms`, for the report page. */
  histograms?: boolean;
}

interface CompiledGroup {
  plan: GroupPlan;
  /** Per record field; undefined for the label and valid fields. */
  exprs: (CompiledExpression | undefined)[];
  select?: CompiledExpression;
  sort?: CompiledExpression;
}

function stored(gp: GroupPlan, name: string, values: NumericArray, h5: string): NumericArray {
  return h5 === "float16" ? toHalf(gp.name, name, values as Float32Array) : values;
}

/**
 * A field that is a branch as it is: the batch's own column, in its own type, unless the branch is
 * boolean (the evaluator maps its bytes to 0/1) or its shape is not the plain one the plan reads
 * (the evaluator then explains the mismatch). The evaluator would turn 64-bit integers into
 * float64, which the pad stage turns back into BigInts, slowly and inexactly above 2^53.
 */
function rawBranch(e: CompiledExpression, columns: Record<string, Column>): Column | undefined {
  const plan = e.plan;
  if (plan.op !== "branch" || plan.dtype === "bool" || plan.shape) return undefined;
  const column = columns[plan.name];
  if (!column) return undefined;
  const plain = plan.level === "event" ? column.kind === "flat" && !column.shape : column.kind === "jagged" && ArrayBuffer.isView(column.values);
  return plain ? column : undefined;
}

function padOne(g: CompiledGroup, eb: { batch: { length: number; columns: Record<string, Column> }; header: TaskHeader }, out: Record<string, Column>, histograms: boolean): void {
  const gp = g.plan;
  const batch = eb.batch;
  const n = batch.length;
  const evaluated: Record<string, Column> = {};
  const sources: Record<string, string> = {};
  const casts: Record<string, ElementType> = {};
  for (let k = 0; k < gp.fields.length; k++) {
    const f = gp.fields[k]!;
    const e = g.exprs[k];
    if (!e) continue;
    evaluated[f.name] = rawBranch(e, batch.columns) ?? e.evaluate(batch);
    sources[f.name] = f.source!;
    casts[f.name] = f.value;
  }
  if (gp.global) {
    const fields = padGlobal({ name: gp.name, fields: evaluated, sources, casts }).fields;
    for (const f of gp.fields) {
      if (f.role !== "expr") continue;
      out[fieldColumn(gp.name, f.name)] = { kind: "flat", values: stored(gp, f.name, fields[f.name]!, f.h5), elementType: f.storage };
    }
    return;
  }
  const jagged: Record<string, JaggedColumn> = {};
  for (const [name, column] of Object.entries(evaluated)) jagged[name] = objectColumn(gp.name, `field "${name}" (${sources[name]})`, column, n);
  const select = g.select && objectColumn(gp.name, `the selection ${JSON.stringify(g.select.source)}`, g.select.evaluate(batch), n);
  const sortBy = g.sort && objectColumn(gp.name, `the sort key ${JSON.stringify(g.sort.source)}`, g.sort.evaluate(batch), n);
  const padded = padGroup({ name: gp.name, maxObjects: gp.max, fields: jagged, sources, select, sortBy, padding: gp.padding, casts });
  eb.header.objects[gp.name] = (eb.header.objects[gp.name] ?? 0) + selectedObjects(padded);
  eb.header.truncated[gp.name] = (eb.header.truncated[gp.name] ?? 0) + padded.truncated;
  if (histograms) {
    // After padGroup, which checked that the selection has one value per object.
    eb.header.histograms.multiplicity[gp.name] = select ? multiplicityCounts(select.offsets, select.values as NumericArray) : multiplicityCounts(Object.values(jagged)[0]!.offsets);
  }
  const shape = [gp.max];
  for (const f of gp.fields) {
    if (f.role === "label") continue;
    const values = f.role === "valid" ? padded.valid : stored(gp, f.name, padded.fields[f.name]!, f.h5);
    const column: FlatColumn = { kind: "flat", values, shape, elementType: f.storage };
    out[fieldColumn(gp.name, f.name)] = column;
  }
}

export function padStep(spec: PadSpec): Step {
  const groups: CompiledGroup[] = spec.groups.map((g) => ({
    plan: g,
    exprs: g.fields.map((f) => (f.expr ? reviveExpression(f.expr) : undefined)),
    select: g.select && reviveExpression(g.select),
    sort: g.sort && reviveExpression(g.sort),
  }));
  const histograms = spec.histograms === true;
  return (eb) => {
    const columns: Record<string, Column> = { ...eb.batch.columns };
    // Plain loops, not forEach callbacks: V8 recompiled per-task closures over and over.
    for (let gi = 0; gi < groups.length; gi++) padOne(groups[gi]!, eb, columns, histograms);
    eb.batch = { length: eb.batch.length, columns };
    return eb;
  };
}
