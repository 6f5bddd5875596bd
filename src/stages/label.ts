import { fieldColumn } from "./event-batch.js";
import type { Step } from "./step.js";

/** The label stage: adds `<group>/<field>`, every event's class (int32), the label of its sample. */
export interface LabelSpec {
  group: string;
  field: string;
  /** Label by sample index (the header's `sample`). */
  labels: number[];
}

export function labelStep(spec: LabelSpec): Step {
  const name = fieldColumn(spec.group, spec.field);
  return (eb) => {
    const label = spec.labels[eb.header.sample];
    if (label === undefined) throw new Error(`no label for sample ${eb.header.sample} (${spec.labels.length} labels)`);
    const values = new Int32Array(eb.batch.length).fill(label);
    eb.batch = { length: eb.batch.length, columns: { ...eb.batch.columns, [name]: { kind: "flat", values, elementType: "int32" } } };
    return eb;
  };
}
