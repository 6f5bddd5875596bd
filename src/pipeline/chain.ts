import { readStep } from "../sources/read-step.js";
import type { ReadSpec, TaskSpec } from "../sources/read-step.js";
import { cutStep, labelStep, normaliseStep, padStep, rowsStep, splitStep, stageError, statisticsStep } from "../stages/index.js";
import type { CutSpec, EventBatch, LabelSpec, NormaliseSpec, PadSpec, RowsSpec, SplitStepSpec, StatisticsSpec, Step } from "../stages/index.js";

/**
 * A stage as plain data: what the `parallel` stage sends to its workers (functions cannot cross
 * threads), and what every stage factory is built from.
 */
export type StageSpec =
  | ({ stage: "read" } & ReadSpec)
  | ({ stage: "cut" } & CutSpec)
  | ({ stage: "split" } & SplitStepSpec)
  | ({ stage: "pad" } & PadSpec)
  | ({ stage: "label" } & LabelSpec)
  | ({ stage: "statistics" } & StatisticsSpec)
  | ({ stage: "normalise" } & NormaliseSpec)
  | ({ stage: "rows" } & RowsSpec);

export type StageName = StageSpec["stage"];

function stepOf(spec: Exclude<StageSpec, { stage: "read" }>): Step {
  switch (spec.stage) {
    case "cut":
      return cutStep(spec);
    case "split":
      return splitStep(spec);
    case "pad":
      return padStep(spec);
    case "label":
      return labelStep(spec);
    case "statistics":
      return statisticsStep(spec);
    case "normalise":
      return normaliseStep(spec);
    case "rows":
      return rowsStep(spec);
  }
}

/** One stage's function; a failure names the stage and the events' file, tree and entries. */
export function compileStage(spec: Exclude<StageSpec, { stage: "read" }>): Step {
  const step = stepOf(spec);
  const name = spec.stage;
  return (eb) => {
    try {
      return step(eb);
    } catch (err) {
      throw stageError(name, eb.where, err);
    }
  };
}

/** A chain's input: a TaskSpec when it starts with a read stage, else an EventBatch. */
export type ChainInput = TaskSpec | EventBatch;

/** The stages of a chain, in order, as one function (a read stage may only come first). */
export function compileChain(specs: readonly StageSpec[]): (input: ChainInput) => Promise<EventBatch> {
  const [first, ...rest] = specs;
  const read = first?.stage === "read" ? readStep(first) : undefined;
  const steps = (read ? rest : specs).map((s) => {
    if (s.stage === "read") throw new Error('a chain of stages may start with "read", not have it later');
    return compileStage(s);
  });
  return async (input) => {
    let eb = read ? await read(input as TaskSpec) : (input as EventBatch);
    for (let i = 0; i < steps.length; i++) eb = steps[i]!(eb);
    return eb;
  };
}
