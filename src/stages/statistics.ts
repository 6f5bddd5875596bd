import type { FlatColumn, NumericArray } from "../batch/core.js";
import { fieldColumn, SPLIT_COLUMN } from "./event-batch.js";
import type { EventBatch } from "./event-batch.js";
import { halfToFloat } from "./half.js";
import { fieldHistogramAt } from "./histogram.js";
import type { FieldHistogram } from "./histogram.js";
import type { GroupPlan } from "./record.js";
import { batchStatsAt } from "./stats.js";
import type { FieldStats, StatsPartials } from "./stats.js";
import type { Step } from "./step.js";

/**
 * The statistics stage: the partial statistics (count, mean, M2) of the train events of a batch,
 * per field with statistics, over valid slots only, into `header.stats`. Merged in batch order
 * (Chan), they are the run's norm dict whatever the number of workers.
 */
export interface StatisticsSpec {
  groups: GroupPlan[];
  /** Also histograms of the same entries into `header.histograms`, for the report page. */
  histograms?: boolean;
}

/** The `n * max` slots that count for statistics, ascending: valid slots (all of them without a valid flag) of train events. */
function trainPositions(splits: Uint8Array, valid: Uint8Array | undefined, max: number): Int32Array {
  return valid ? validTrainSlots(splits, valid, max) : trainSlots(splits, max);
}

function trainSlots(splits: Uint8Array, max: number): Int32Array {
  const out = new Int32Array(countTrain(splits) * max);
  fillTrain(splits, max, out);
  return out;
}

function countTrain(splits: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < splits.length; i++) count += +(splits[i] === 0);
  return count;
}

function fillTrain(splits: Uint8Array, max: number, out: Int32Array): void {
  for (let i = 0, at = 0; i < splits.length; i++) {
    if (splits[i] !== 0) continue;
    for (let k = i * max, end = k + max; k < end; k++) out[at++] = k;
  }
}

function validTrainSlots(splits: Uint8Array, valid: Uint8Array, max: number): Int32Array {
  const count = countValidTrain(splits, valid, max);
  // One spare entry: every slot is written and the cursor moves past the valid ones only, with
  // no branch on validity (which the CPU mispredicts at the end of each event's objects).
  const out = new Int32Array(count + 1);
  fillValidTrain(splits, valid, max, out);
  return out.subarray(0, count);
}

// The loops of trainSlots and validTrainSlots in functions of their own: compiled on the stack
// during the first, one function holding both was thrown away on reaching the second.

function countValidTrain(splits: Uint8Array, valid: Uint8Array, max: number): number {
  let count = 0;
  for (let i = 0; i < splits.length; i++) {
    if (splits[i] !== 0) continue;
    for (let k = i * max, end = k + max; k < end; k++) count += +(valid[k] !== 0);
  }
  return count;
}

function fillValidTrain(splits: Uint8Array, valid: Uint8Array, max: number, out: Int32Array): void {
  for (let i = 0, at = 0; i < splits.length; i++) {
    if (splits[i] !== 0) continue;
    for (let k = i * max, end = k + max; k < end; k++) {
      out[at] = k;
      at += +(valid[k] !== 0);
    }
  }
}

function column(eb: EventBatch, name: string): NumericArray {
  const c = eb.batch.columns[name];
  if (!c || c.kind !== "flat") throw new Error(`column "${name}" is missing (the split and pad stages come first)`);
  return (c as FlatColumn).values;
}

export function statisticsStep(spec: StatisticsSpec): Step {
  // Found once here: testing `f.stats` in the per-batch code met fields of several shapes and
  // deoptimised it again and again.
  const groups = spec.groups.map((g) => ({ g, fields: g.fields.filter((f) => f.stats) })).filter((x) => x.fields.length > 0);
  const withHistograms = spec.histograms === true;
  return (eb) => {
    const splits = column(eb, SPLIT_COLUMN) as Uint8Array;
    const out: StatsPartials = {};
    for (let gi = 0; gi < groups.length; gi++) {
      const { g, fields } = groups[gi]!;
      const positions = trainPositions(splits, g.global ? undefined : (column(eb, fieldColumn(g.name, "valid")) as Uint8Array), g.max);
      const stats: Record<string, FieldStats> = {};
      const histograms: Record<string, FieldHistogram> = {};
      for (const f of fields) {
        const stored = column(eb, fieldColumn(g.name, f.name));
        const values = f.h5 === "float16" ? halfToFloat(stored as Uint16Array) : stored;
        stats[f.name] = batchStatsAt(values, positions);
        if (withHistograms) histograms[f.name] = fieldHistogramAt(values, positions);
      }
      out[g.name] = stats;
      if (withHistograms) eb.header.histograms.fields[g.name] = histograms;
    }
    eb.header.stats = out;
    return eb;
  };
}
