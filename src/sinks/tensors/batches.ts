import { open } from "node:fs/promises";
import { openSaltRows } from "./h5-rows.js";
import { loadNormDict } from "./norm.js";
import type { TensorOptions } from "./options.js";
import { epochWindows } from "./order.js";
import { batchOut, decodeBatch, neededGroups, tensorPlan } from "./plan.js";
import type { TensorPlan } from "./plan.js";
import type { RowSource } from "./rows.js";
import type { TensorBatch } from "./types.js";

/** Rows read and permuted together when shuffling (rounded up to whole batches). */
const WINDOW_ROWS = 65536;
/**
 * Bytes read at once in file order (rounded to whole batches, at least one): small enough that
 * the records are still in the CPU cache when the kernel converts them.
 */
const READ_BYTES = 1 << 20;

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Whether a file is HDF5 (the signature sits at 0 or, after a user block, at 512, 1024, ...). */
export async function isHdf5(file: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(file, "r");
  } catch (err) {
    throw new Error(`openTensors: cannot open "${file}": ${(err as Error).message}`);
  }
  try {
    const head = Buffer.alloc(8);
    const { size } = await fh.stat();
    for (let at = 0; at + 8 <= size && at <= 1 << 20; at = at === 0 ? 512 : at * 2) {
      await fh.read(head, 0, 8, at);
      if (head.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await fh.close();
  }
}

/** Batches of one row source, epoch after epoch. */
export async function* batches(src: RowSource, o: TensorOptions, plan: TensorPlan): AsyncGenerator<TensorBatch> {
  const wanted = neededGroups(plan);
  const rowBytes = src.groups.filter((g) => wanted.includes(g.name)).reduce((n, g) => n + g.recordSize * g.slots, 0);
  const windowRows = o.seed === undefined ? o.batchSize * Math.max(1, Math.floor(READ_BYTES / (o.batchSize * rowBytes))) : o.batchSize * Math.ceil(WINDOW_ROWS / o.batchSize);
  // With reuse, batch i is decoded into set i mod (prefetch + 1): prefetch asks for the batch
  // `prefetch` ahead only when the consumer asks for the next one, so the consumer's batch stays
  // untouched until its next call of next().
  const ring = o.reuse ? Array.from({ length: o.prefetch + 1 }, () => batchOut(plan, o.batchSize)) : [];
  let n = 0;
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (const w of epochWindows(src.rows, windowRows, src.blockRows, o.seed, epoch)) {
      o.signal?.throwIfAborted();
      const blocks = src.read(w.ranges, wanted);
      for (let from = 0; from < w.rows; from += o.batchSize) {
        const size = Math.min(o.batchSize, w.rows - from);
        if (size < o.batchSize && o.dropLast) break;
        yield decodeBatch(plan, blocks, size, w.order, from, o.reuse ? ring[n++ % ring.length]! : batchOut(plan, size), epoch);
        o.signal?.throwIfAborted();
      }
    }
  }
}

/** Batches of a SALT HDF5 file. */
export async function* fromSaltFile(file: string, o: TensorOptions): AsyncGenerator<TensorBatch> {
  if (o.normalize !== undefined) {
    throw new TypeError(`openTensors: "${file}" is an HDF5 file: normalize applies to a configuration; pass normDict (e.g. the run's norm_dict.yaml) to normalise`);
  }
  const norm = o.normDict === undefined ? undefined : await loadNormDict(o.normDict);
  const src = await openSaltRows(file);
  try {
    const plan = tensorPlan(src.groups, { where: file, labelField: "flavour_label", groups: o.groups, fields: o.fields, norm: norm?.dict, normWhere: norm?.where });
    yield* batches(src, o, plan);
  } finally {
    src.close();
  }
}

