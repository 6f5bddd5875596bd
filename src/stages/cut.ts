import { filterBatch } from "../batch/core.js";
import type { Batch } from "../batch/core.js";
import { cutMask, reviveExpression } from "../expr/index.js";
import type { CompiledExpression, SerialisedExpression } from "../expr/index.js";
import type { TaskHeader } from "./event-batch.js";
import type { Step } from "./step.js";

/** The cut stage: events passing every cut go on; the cut flow is counted in the header. */
export interface CutSpec {
  cuts: SerialisedExpression[];
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

function applyCuts(cuts: readonly CompiledExpression[], batch: Batch, header: TaskHeader): Batch {
  const pass = new Uint8Array(batch.length).fill(1);
  for (const cut of cuts) {
    const m = cutMask(batch, cut);
    header.cutPass.push(count(m));
    header.cutCumulative.push(andInto(pass, m));
  }
  return header.cutCumulative[header.cutCumulative.length - 1] === batch.length ? batch : filterBatch(batch, pass);
}

export function cutStep(spec: CutSpec): Step {
  const cuts = spec.cuts.map(reviveExpression);
  return (eb) => {
    if (cuts.length > 0) eb.batch = applyCuts(cuts, eb.batch, eb.header);
    return eb;
  };
}
