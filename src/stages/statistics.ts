import type { FlatColumn, NumericArray } from "../batch/core.js";
import { fieldColumn, SPLIT_COLUMN } from "./event-batch.js";
import type { EventBatch } from "./event-batch.js";
import { halfToFloat } from "./half.js";
import { fieldHistogramAt, maskedPositions } from "./histogram.js";
import type { FieldHistogram } from "./histogram.js";
import type { GroupPlan } from "./record.js";
import { batchStats } from "./stats.js";
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

/** Which of the `n * max` slots count for statistics: valid slots (all of them without a valid flag) of train events. */
function trainMask(splits: Uint8Array, valid: Uint8Array | undefined, max: number): Uint8Array {
  const mask = new Uint8Array(splits.length * max);
  for (let i = 0; i < splits.length; i++) {
    if (splits[i] !== 0) continue;
    for (let j = 0, k = i * max; j < max; j++, k++) mask[k] = valid ? valid[k]! : 1;
  }
  return mask;
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
      const mask = trainMask(splits, g.global ? undefined : (column(eb, fieldColumn(g.name, "valid")) as Uint8Array), g.max);
      const positions = withHistograms ? maskedPositions(mask) : undefined;
      const stats: Record<string, FieldStats> = {};
      const histograms: Record<string, FieldHistogram> = {};
      for (const f of fields) {
        const stored = column(eb, fieldColumn(g.name, f.name));
        const values = f.h5 === "float16" ? halfToFloat(stored as Uint16Array) : stored;
        stats[f.name] = batchStats(values, mask);
        if (positions) histograms[f.name] = fieldHistogramAt(values, positions);
      }
      out[g.name] = stats;
      if (withHistograms) eb.header.histograms.fields[g.name] = histograms;
    }
    eb.header.stats = out;
    return eb;
  };
}
