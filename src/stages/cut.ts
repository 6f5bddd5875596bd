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

/**
 * pass &= mask, counting the events that pass this cut alone (returned) and those that still pass
 * every cut so far (in `passing`). Branch-free (a cut's mask is random to the branch predictor):
 * (x + 255) >> 8 is 1 for any non-zero byte, 0 for zero; 5x faster than counting and and-ing with
 * branches (5 cuts x 100k events: 107 -> 22 ms of CPU).
 */
function andInto(pass: Uint8Array, mask: Uint8Array): number {
  let alone = 0;
  let cumulative = 0;
  for (let i = 0; i < mask.length; i++) {
    const m = (mask[i]! + 255) >> 8;
    alone += m;
    const p = pass[i]! & m;
    pass[i] = p;
    cumulative += p;
  }
  // A module variable, not an object's property: V8 compiles the loop on the stack during the
  // first call, and a property store after it, never run then, threw that code away (twice).
  passing = cumulative;
  return alone;
}

let passing = 0;

function applyCuts(cuts: readonly CompiledExpression[], batch: Batch, header: TaskHeader): Batch {
  const pass = new Uint8Array(batch.length).fill(1);
  for (const cut of cuts) {
    header.cutPass.push(andInto(pass, cutMask(batch, cut)));
    header.cutCumulative.push(passing);
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
