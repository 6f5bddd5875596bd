import { permutation, Xoshiro128 } from "../../random/prng.js";

/** A stretch of rows read together: contiguous ranges, and the order to emit them in. */
export interface Window {
  ranges: [number, number][];
  rows: number;
  /** Row order inside the window (indices into the ranges laid end to end); absent: as read. */
  order?: Uint32Array;
}

/** The generator of one epoch's order: a different, reproducible stream per (seed, epoch). */
function epochRng(seed: number, epoch: number): Xoshiro128 {
  return new Xoshiro128((seed ^ Math.imul(epoch + 1, 0x9e3779b9)) >>> 0);
}

/**
 * The windows of one epoch. Without a seed, contiguous windows in file order. With a seed, the
 * file's blocks of `blockRows` rows are taken in a random order, and the rows of each window (a
 * few dozen blocks) are permuted: an exact random permutation would read row by row, this reads
 * whole chunks and still mixes rows from all over the file in every batch.
 */
export function* epochWindows(rows: number, windowRows: number, blockRows: number, seed: number | undefined, epoch: number): Generator<Window> {
  if (seed === undefined) {
    for (let s = 0; s < rows; s += windowRows) {
      const stop = Math.min(rows, s + windowRows);
      yield { ranges: [[s, stop]], rows: stop - s };
    }
    return;
  }
  const rng = epochRng(seed, epoch);
  const blocks = permutation(Math.ceil(rows / blockRows), rng);
  let ranges: [number, number][] = [];
  let filled = 0;
  for (const b of blocks) {
    let start = b * blockRows;
    const stop = Math.min(rows, start + blockRows);
    while (start < stop) {
      const take = Math.min(stop - start, windowRows - filled);
      ranges.push([start, start + take]);
      filled += take;
      start += take;
      if (filled === windowRows) {
        yield { ranges, rows: filled, order: permutation(filled, rng) };
        ranges = [];
        filled = 0;
      }
    }
  }
  if (filled > 0) yield { ranges, rows: filled, order: permutation(filled, rng) };
}

/**
 * Runs `source` up to `depth` items ahead of its consumer. Async generators queue next() calls, so
 * the queue of pending results is the whole mechanism; memory stays at `depth` items.
 */
export async function* prefetch<T>(source: AsyncGenerator<T>, depth: number): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = [];
  const ask = (): void => {
    const next = source.next();
    // Awaited in turn below; until then a failure must not count as unhandled.
    next.catch(() => undefined);
    pending.push(next);
  };
  try {
    for (let i = 0; i < depth; i++) ask();
    for (;;) {
      const item = await pending.shift()!;
      if (item.done) return;
      ask();
      yield item.value;
    }
  } finally {
    // Settle what was asked ahead (errors included) before closing the source.
    await Promise.allSettled(pending);
    await source.return(undefined);
  }
}
