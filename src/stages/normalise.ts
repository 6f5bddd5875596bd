import type { Column, FlatColumn } from "../batch/core.js";
import { fieldColumn } from "./event-batch.js";
import { halfToFloat } from "./half.js";
import type { GroupPlan } from "./record.js";
import type { NormDict } from "./stats.js";
import type { Step } from "./step.js";

/**
 * The normalise stage: every field of the norm dict (SALT's norm_dict.yaml: group -> field ->
 * {mean, std}) becomes float32 `(x - mean) / std`, computed in float64, on valid slots; padded
 * slots are 0. A field of zero spread becomes `x - mean` (0 on the values it was computed from).
 */
export interface NormaliseSpec {
  norm: NormDict;
  /** The output groups, for the stored types (half-precision fields hold binary16 bits). */
  groups: GroupPlan[];
}

function normalise(values: ArrayLike<number>, valid: Uint8Array | undefined, mean: number, std: number): Float32Array {
  const out = new Float32Array(values.length);
  const scale = std > 0 ? 1 / std : 1;
  for (let i = 0; i < out.length; i++) out[i] = !valid || valid[i] ? (values[i]! - mean) * scale : 0;
  return out;
}

export function normaliseStep(spec: NormaliseSpec): Step {
  const jobs: { column: string; valid?: string; half: boolean; mean: number; std: number }[] = [];
  for (const [group, fields] of Object.entries(spec.norm)) {
    const g = spec.groups.find((x) => x.name === group);
    if (!g) throw new Error(`norm dict: no output group "${group}" (groups: ${spec.groups.map((x) => x.name).join(", ")})`);
    for (const [field, { mean, std }] of Object.entries(fields)) {
      const f = g.fields.find((x) => x.name === field && x.role === "expr");
      if (!f) throw new Error(`norm dict: group "${group}" has no field "${field}"`);
      if (f.storage === "int64" || f.storage === "uint64") throw new Error(`norm dict: ${group}.${field} is a 64-bit integer and cannot be normalised as float32`);
      jobs.push({ column: fieldColumn(group, field), valid: g.global ? undefined : fieldColumn(group, "valid"), half: f.h5 === "float16", mean, std });
    }
  }
  return (eb) => {
    const columns: Record<string, Column> = { ...eb.batch.columns };
    for (const job of jobs) {
      const c = columns[job.column] as FlatColumn | undefined;
      if (!c) throw new Error(`column "${job.column}" is missing (the pad stage comes first)`);
      const valid = job.valid ? ((columns[job.valid] as FlatColumn | undefined)?.values as Uint8Array | undefined) : undefined;
      if (job.valid && !valid) throw new Error(`column "${job.valid}" is missing (the pad stage comes first)`);
      const values = job.half ? halfToFloat(c.values as Uint16Array) : (c.values as ArrayLike<number>);
      columns[job.column] = { kind: "flat", values: normalise(values, valid, job.mean, job.std), ...(c.shape ? { shape: c.shape } : {}), elementType: "float32" };
    }
    eb.batch = { length: eb.batch.length, columns };
    return eb;
  };
}
