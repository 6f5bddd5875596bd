import { mkdirSync } from "node:fs";
import type { RunConfig } from "../config/index.js";
import type { AttrValue } from "../hdf5/write.js";
import type { RecordLayout } from "../stages/record.js";
import { SPLIT_NAMES } from "../stages/split.js";
import { SaltWriter } from "./salt-hdf5.js";
import type { WorkerPool } from "../pool/worker-pool.js";
import type { WorkerHandlers } from "../worker.js";

/**
 * The seam where a run's rows leave the pipeline: one destination per split (train, val, test).
 * `runPipeline` hands every row of split s to `append(s, rows)` in output order (after the shuffle
 * when the run shuffles), awaiting each call (back-pressure), then `close` once with what the
 * run learnt; `abort` drops everything instead. The SALT HDF5 files are the default destination;
 * `RunPipelineOptions.sink` puts another one in their place (Arrow IPC files, tensors in memory).
 */
export interface SplitSink {
  /** Whole rows of `layout.rowBytes` bytes each, laid out as `layout` says (stages/record.ts). */
  append(split: number, rows: Uint8Array): Promise<void>;
  /** All rows are in: outputs appear now (complete, under their final names), or the call fails. */
  close(summary: RunSummary): Promise<void>;
  /** Nothing appears; temporary files are removed. */
  abort(): Promise<void>;
}

/** What a sink may record about the run when it closes. */
export interface RunSummary {
  /** Rows appended per split. */
  rows: readonly number[];
  /** Events per split and class (index of `config.classes`). */
  classCounts: readonly (readonly number[])[];
}

/** What a sink is created with. */
export interface SinkContext {
  config: RunConfig;
  layout: RecordLayout;
  /** Threads the sink may use (for compression); 0 means the calling thread only. */
  threads: number;
  /**
   * The run's worker threads, which the sink may use instead of starting `threads` of its own
   * (the SALT sink compresses its chunks there).
   */
  pool?: WorkerPool<WorkerHandlers>;
  /** Metadata every output records: the tool version and the resolved configuration. */
  attrs: Record<string, AttrValue>;
}

export type SinkFactory = (context: SinkContext) => SplitSink;

/** The SALT sink, which also takes rows group by group. */
export interface SaltSplitSink extends SplitSink {
  /**
   * Whole rows as `append` takes them, given group by group: `groups[g]` holds the records of
   * `layout.groups[g]` of all `rows` rows, one row after the other. The shuffle's second pass
   * gives rows so (each group is then copied into its chunks in one piece, not row by row).
   */
  appendGroups(split: number, groups: readonly Uint8Array[], rows: number): Promise<void>;
}

/** The default sink: `<name>_<split>.h5` in SALT's layout, one compound dataset per group. */
export const saltSink = ({ config, layout, threads, pool, attrs }: SinkContext): SaltSplitSink => {
  mkdirSync(config.output.dir, { recursive: true });
  const writer = new SaltWriter(layout, {
    dir: config.output.dir,
    name: config.output.name,
    compression: config.output.compression,
    level: config.output.level,
    encoderThreads: threads,
    ...(pool ? { pool } : {}),
    attrs,
  });
  return {
    append: (split, rows) => writer.append(split, rows),
    appendGroups: (split, groups, rows) => writer.appendGroups(split, groups, rows),
    async close(summary) {
      writer.setDatasetAttr(config.globalGroup, config.labelField, config.classes);
      SPLIT_NAMES.forEach((split, s) => {
        writer.setFileAttr(split, "num_events", summary.rows[s]!);
        writer.setFileAttr(split, "class_counts", JSON.stringify(Object.fromEntries(config.classes.map((c, k) => [c, summary.classCounts[s]![k]!]))));
      });
      await writer.close();
    },
    abort: () => writer.abort(),
  };
};
