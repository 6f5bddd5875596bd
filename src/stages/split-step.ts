import { SPLIT_COLUMN } from "./event-batch.js";
import { assignSplits } from "./split.js";
import type { SplitSpec } from "./split.js";
import type { Step } from "./step.js";

/** The split stage: adds the column `split`, each event's split index (NO_SPLIT when no rule matches). */
export interface SplitStepSpec {
  split: SplitSpec;
}

export function splitStep(spec: SplitStepSpec): Step {
  return (eb) => {
    const values = assignSplits(eb.batch, spec.split);
    eb.batch = { length: eb.batch.length, columns: { ...eb.batch.columns, [SPLIT_COLUMN]: { kind: "flat", values, elementType: "uint8" } } };
    return eb;
  };
}
