import type { RunConfig } from "../../config/index.js";
import type { NormDict } from "../../stages/index.js";

/** One input group of a tensor batch. */
export interface TensorInput {
  /** Row-major values: `[size, F]` for the global group, `[size, max, F]` for object groups. */
  data: Float32Array;
  shape: number[];
  /** The group's fields in the order of the last dimension (never `valid` or `flavour_label`). */
  fields: string[];
  /** `[size, max]` slot validity (0/1), object groups only. */
  valid?: Uint8Array;
}

/** One batch of events as tensors. */
export interface TensorBatch {
  size: number;
  /** The pass over the data this batch belongs to: 0 to epochs - 1. */
  epoch: number;
  /** `flavour_label` of every event. */
  labels: Int32Array;
  inputs: Record<string, TensorInput>;
}

export interface OpenTensorsOptions {
  /** Split to read from a configuration (default "train"). */
  split?: "train" | "val" | "test";
  /** Events per batch (default 1000). */
  batchSize?: number;
  /** With an HDF5 source: SALT norm dict (path of norm_dict.yaml or the object) to normalise with. */
  normDict?: string | NormDict;
  /** With a configuration: normalise with the train split's statistics (default true). */
  normalize?: boolean;
  /** `false` (default: file order) or `{ seed }`: a new seeded order in every epoch. */
  shuffle?: false | { seed: number };
  /** Passes over the data (default 1). */
  epochs?: number;
  /** Groups to yield (default: all), in this order. */
  groups?: string[];
  /** Per group, the fields to yield in this order (default: all but `valid` and `flavour_label`). */
  fields?: Record<string, string[]>;
  /** Leave out the last batch of an epoch when it is smaller than batchSize. */
  dropLast?: boolean;
  /** Batches prepared ahead of the consumer (default 2). */
  prefetch?: number;
  /**
   * Decode every batch into the same few arrays (prefetch + 1 sets) instead of new ones: a batch's
   * arrays are then valid only until the next call of `next()` (copy them to keep them; note that
   * `tf.tensor(data)` keeps the array itself). Spares allocating, and collecting, every batch.
   */
  reuse?: boolean;
  signal?: AbortSignal;
}

/** What openTensors accepts as its source: a SALT HDF5 file or a run configuration (path or object). */
export type TensorSource = string | RunConfig | Record<string, unknown>;
