import type { FlatColumn, NumericArray } from "../batch/core.js";
import { fieldColumn, SPLIT_COLUMN } from "./event-batch.js";
import type { RecordLayout } from "./record.js";
import { packRowsBySplit } from "./rows.js";
import { NO_SPLIT } from "./split.js";
import type { Step } from "./step.js";

/**
 * The rows stage: packs every output field column into rows of the record layout, split by split
 * (`rows`, with `header.splitRows` rows of each), counting the events no split takes; the batch's
 * columns are dropped, the rows replace them. What the shuffle and the sinks take.
 */
export interface RowsSpec {
  layout: RecordLayout;
}

function countSplits(splits: Uint8Array, splitRows: number[]): number {
  let unsplit = 0;
  for (let i = 0; i < splits.length; i++) {
    const s = splits[i]!;
    if (s === NO_SPLIT) unsplit++;
    else splitRows[s]!++;
  }
  return unsplit;
}

export function rowsStep(spec: RowsSpec): Step {
  const { groups, rowBytes } = spec.layout;
  const names = groups.map((g) => g.fields.map((f) => fieldColumn(g.name, f.name)));
  return (eb) => {
    const get = (name: string): NumericArray => {
      const c = eb.batch.columns[name];
      if (!c || c.kind !== "flat") throw new Error(`column "${name}" is missing (the split, pad and label stages come first)`);
      return (c as FlatColumn).values;
    };
    const splits = get(SPLIT_COLUMN) as Uint8Array;
    eb.header.splitRows = eb.header.splitRows.map(() => 0);
    eb.header.unsplit = countSplits(splits, eb.header.splitRows);
    const columns = names.map((fields) => fields.map(get));
    eb.rows = packRowsBySplit(groups, rowBytes, columns, splits, eb.header.splitRows);
    eb.batch = { length: eb.batch.length, columns: {} };
    return eb;
  };
}
