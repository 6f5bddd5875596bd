import type { Batch } from "../batch/core.js";
import { emptyHistogramPartials } from "./histogram.js";
import type { HistogramPartials } from "./histogram.js";
import { SPLIT_NAMES } from "./split.js";
import type { StatsPartials } from "./stats.js";

/**
 * What flows between the stream stages: a Batch of events with what the stages learnt about it.
 * The batch gains columns as it goes (`split`, then `<group>/<field>` per output field); the
 * header carries the counters the run's report adds up; `rows` holds the packed output rows once
 * the rows stage has run (the batch's columns are then dropped).
 */
export interface EventBatch {
  batch: Batch;
  header: TaskHeader;
  /** Where the events come from, for messages: file, tree and entry range. */
  where: string;
  /** Rows of split 0, then 1, then 2 (`header.splitRows` of each), in the record layout. */
  rows?: Uint8Array;
}

/** The counters of one batch of events (one task of a run). */
export interface TaskHeader {
  /** Position in the run's order of batches. */
  index: number;
  sample: number;
  eventsRead: number;
  /** Events passing each cut alone, and all cuts up to and including it. */
  cutPass: number[];
  cutCumulative: number[];
  /** Rows per split (train, val, test), stored one split after the other in the buffer. */
  splitRows: number[];
  /** Events that match no split rule and are dropped. */
  unsplit: number;
  /** Per object group: objects kept by `select` and lost to truncation. */
  objects: Record<string, number>;
  truncated: Record<string, number>;
  /** Statistics of the train rows. */
  stats: StatsPartials;
  /** Histograms of the same entries as `stats`, and the multiplicity of every object group (all rows); empty unless the pad and statistics specs ask for them. */
  histograms: HistogramPartials;
}

/** A header with every counter at zero. */
export function emptyHeader(index: number, sample: number, eventsRead: number): TaskHeader {
  return { index, sample, eventsRead, cutPass: [], cutCumulative: [], splitRows: SPLIT_NAMES.map(() => 0), unsplit: 0, objects: {}, truncated: {}, stats: {}, histograms: emptyHistogramPartials() };
}

/** The column the split stage adds: each event's split index (NO_SPLIT for none). */
export const SPLIT_COLUMN = "split";

/** The column of one output field: `<group>/<field>` (`<group>/valid` for the slot validity). */
export function fieldColumn(group: string, field: string): string {
  return `${group}/${field}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A stage's failure, naming the stage and the events: `<file> (tree, entries): stage "pad": ...`. */
export function stageError(stage: string, where: string, err: unknown): Error {
  return new Error(`${where}: stage "${stage}": ${message(err)}`, { cause: err });
}
