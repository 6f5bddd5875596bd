/**
 * The stages as Node streams in object mode: factories over the same step functions that
 * `runPipeline` runs. They compose with `stream.pipeline`, which carries back-pressure and errors
 * (and an AbortSignal) through the whole chain; any Transform of one's own may go between two.
 * docs/streams.md shows them together.
 */
import { randomUUID } from "node:crypto";
import { addAbortSignal, Duplex, Readable, Transform, Writable } from "node:stream";
import type { SinkContext, SplitSink } from "../sinks/index.js";
import { saltSink } from "../sinks/split-sink.js";
import { createWorkerPool, defaultWorkerCount, orderedMap } from "../pool/index.js";
import type { WorkerPool } from "../pool/index.js";
import { BucketShuffler, finalizePartials, mergePartials, SPLIT_NAMES } from "../stages/index.js";
import type { EventBatch, NormDict, RecordLayout, StatsPartials } from "../stages/index.js";
import type { TaskSpec } from "../sources/read-step.js";
import type { WorkerHandlers } from "../worker.js";
import { compileChain, compileStage } from "./chain.js";
import type { ChainInput, StageSpec } from "./chain.js";
import { workerModule } from "../worker-module.js";

export interface StageStreamOptions {
  /** Destroys the stream (and so the pipeline) when aborted. */
  signal?: AbortSignal;
}

function withSignal<S extends Duplex | Writable>(stream: S, options?: StageStreamOptions): S {
  if (options?.signal) addAbortSignal(options.signal, stream);
  return stream;
}

/**
 * Any stage spec as a Transform: `read` takes TaskSpecs and gives EventBatches, the others take
 * and give EventBatches. An error names the stage and the events' file, tree and entries.
 */
export function stageStream(spec: StageSpec, options?: StageStreamOptions): Duplex {
  const run = compileChain([spec]);
  return withSignal(
    new Transform({
      objectMode: true,
      // A batch in, a batch out: one waiting on each side is enough to keep the stage busy.
      highWaterMark: 1,
      transform(input: ChainInput, _encoding, callback) {
        run(input).then(
          (eb) => callback(null, eb),
          (err: unknown) => callback(err as Error),
        );
      },
    }),
    options,
  );
}

/** The TaskSpecs of a run (entry ranges of its files) as a Readable, for a read stage or `parallel`. */
export function taskSource(tasks: Iterable<TaskSpec> | AsyncIterable<TaskSpec>, options?: StageStreamOptions): Readable {
  const stream = Readable.from(tasks, { objectMode: true });
  return options?.signal ? addAbortSignal(options.signal, stream) : stream;
}

/** The statistics stage as a stream: batches pass through; their train statistics are merged in order. */
export interface StatisticsStream extends Duplex {
  /** The merged statistics of every batch so far (Chan's formula, batch order). */
  readonly partials: StatsPartials;
  /** The norm dict of all batches, once the stream has ended (also emitted as "statistics"). */
  readonly normDict: Promise<NormDict>;
}

/**
 * Running statistics: with a spec, computes each batch's train statistics here; without one,
 * merges those already in the headers (a statistics spec run inside `parallel`).
 */
export function statisticsStream(spec?: Extract<StageSpec, { stage: "statistics" }>, options?: StageStreamOptions): StatisticsStream {
  const step = spec ? compileStage(spec) : undefined;
  let partials: StatsPartials = {};
  let settle: { resolve: (d: NormDict) => void; reject: (e: unknown) => void };
  const normDict = new Promise<NormDict>((resolve, reject) => (settle = { resolve, reject }));
  normDict.catch(() => undefined);
  const stream = new Transform({
    objectMode: true,
    highWaterMark: 1,
    transform(eb: EventBatch, _encoding, callback) {
      try {
        const out = step ? step(eb) : eb;
        partials = mergePartials(partials, out.header.stats);
        callback(null, out);
      } catch (err) {
        callback(err as Error);
      }
    },
    flush(callback) {
      try {
        const dict = finalizePartials(partials);
        settle.resolve(dict);
        stream.emit("statistics", dict);
        callback();
      } catch (err) {
        callback(err as Error);
      }
    },
  });
  stream.on("error", (err) => settle.reject(err));
  Object.defineProperties(stream, {
    partials: { get: () => partials },
    normDict: { value: normDict },
  });
  return withSignal(stream as unknown as StatisticsStream, options);
}

export interface ParallelOptions extends StageStreamOptions {
  /** Worker threads of a pool of its own (default: every core); 0 runs the chain on this thread. */
  workers?: number;
  /** A pool to run on instead (the pipeline's own); it is not closed at the end. */
  pool?: WorkerPool<WorkerHandlers>;
  /** Tasks in flight at most (default: twice the workers, at least 2). */
  concurrency?: number;
  /** A result computed elsewhere for this input (e.g. while a ServiceX delivery streamed in), used instead of running the chain. */
  reuse?: (input: ChainInput) => Promise<EventBatch> | undefined;
}

/**
 * Runs a chain of stages (given as specs: functions cannot cross threads) on worker threads, in
 * order: results come out in input order whatever the number of workers, so outputs are
 * byte-identical for any count, and at most `concurrency` inputs are in flight at once.
 */
export function parallel(specs: StageSpec[], options: ParallelOptions = {}): Duplex {
  const chain = randomUUID();
  const { signal } = options;
  // The signal is watched by the generator itself (between tasks, and by the pool for a task in
  // flight): destroying a generator's stream from outside would wait on the task it awaits.
  return Duplex.from(async function* (source: AsyncIterable<ChainInput>) {
      const pool = options.pool ?? (await createWorkerPool<WorkerHandlers>({ module: workerModule(), workers: options.workers ?? defaultWorkerCount() }));
      const task = pool.workers > 0 ? "runChainMoved" : "runChain";
      try {
        const run = (input: ChainInput) => options.reuse?.(input) ?? pool.run(task, { chain, specs, input }, undefined, signal);
        yield* orderedMap(source, run, { concurrency: options.concurrency ?? Math.max(2, pool.workers * 2), signal });
        signal?.throwIfAborted();
      } finally {
        if (!options.pool) await pool.close();
      }
    });
}

/** Whole rows of one split, as the shuffle gives them out. */
export interface SplitRows {
  split: number;
  rows: Uint8Array;
}

export interface ShuffleOptions extends StageStreamOptions {
  layout: RecordLayout;
  /** Buckets per split (bucketsFor() picks a count for a memory budget). */
  buckets: number;
  /** Split s is shuffled with seed + s. */
  seed: number;
  /** Directory of the temporary bucket files (default: the system's). */
  tmpDir?: string;
}

/**
 * The shuffle stage: takes EventBatches with packed rows, spills them into per-split bucket files
 * (memory: one bucket), and once its input has ended gives every split's rows out permuted, as
 * SplitRows (split 0 first). The permutation depends on the seed and the batch order only.
 */
export function shuffleStream(options: ShuffleOptions): Duplex {
  const { layout, signal } = options;
  // The generator watches the signal itself (see parallel).
  return Duplex.from(async function* (source: AsyncIterable<EventBatch>) {
      const shufflers: BucketShuffler[] = [];
      try {
        for (let s = 0; s < SPLIT_NAMES.length; s++) {
          shufflers.push(await BucketShuffler.create({ rowBytes: layout.rowBytes, buckets: options.buckets, seed: options.seed + s, tmpDir: options.tmpDir }));
        }
        for await (const eb of source) {
          signal?.throwIfAborted();
          for (const [s, bytes] of splitBlocks(eb, layout.rowBytes)) await shufflers[s]!.write(bytes, eb.header.index);
        }
        for (let s = 0; s < shufflers.length; s++) {
          for await (const rows of shufflers[s]!.rows()) {
            signal?.throwIfAborted();
            yield { split: s, rows } satisfies SplitRows;
          }
        }
      } finally {
        for (const s of shufflers) await s.close().catch(() => undefined);
      }
    });
}

/** The non-empty blocks of a batch's packed rows, by split. */
export function* splitBlocks(eb: EventBatch, rowBytes: number): Generator<[number, Uint8Array]> {
  if (!eb.rows) throw new Error(`${eb.where}: no packed rows (the rows stage comes before the shuffle and the sinks)`);
  let offset = 0;
  for (let s = 0; s < eb.header.splitRows.length; s++) {
    const bytes = eb.rows.subarray(offset, offset + eb.header.splitRows[s]! * rowBytes);
    offset += bytes.length;
    if (bytes.length > 0) yield [s, bytes];
  }
}

/** Events per split and class, read from the label field of packed rows. */
class ClassCounter {
  readonly rows = SPLIT_NAMES.map(() => 0);
  readonly classCounts: number[][];
  private readonly at: number;

  constructor(
    private readonly layout: RecordLayout,
    classes: number,
  ) {
    this.classCounts = SPLIT_NAMES.map(() => new Array<number>(classes).fill(0));
    const g = layout.groups.find((x) => x.fields.some((f) => f.role === "label"));
    const f = g?.fields.find((x) => x.role === "label");
    this.at = g && f ? g.rowOffset + f.offset : -1;
  }

  add(split: number, rows: Uint8Array): void {
    const n = rows.length / this.layout.rowBytes;
    this.rows[split]! += n;
    if (this.at < 0) return;
    const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
    const counts = this.classCounts[split]!;
    for (let r = 0; r < n; r++) {
      const label = view.getInt32(r * this.layout.rowBytes + this.at, true);
      if (label >= 0 && label < counts.length) counts[label]!++;
    }
  }
}

/**
 * A split sink as a Writable: takes EventBatches with packed rows (unshuffled) or SplitRows (from
 * the shuffle), appends them in order, and closes the sink when the stream finishes (outputs
 * appear then); on an error or an abort the sink is aborted and nothing appears.
 */
export function splitSinkStream(sink: SplitSink, layout: RecordLayout, classes: number, options?: StageStreamOptions): Writable {
  const counter = new ClassCounter(layout, classes);
  const append = async (item: EventBatch | SplitRows): Promise<void> => {
    const blocks = "split" in item ? [[item.split, item.rows] as [number, Uint8Array]] : splitBlocks(item, layout.rowBytes);
    for (const [s, rows] of blocks) {
      counter.add(s, rows);
      await sink.append(s, rows);
    }
  };
  return withSignal(
    new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(item: EventBatch | SplitRows, _encoding, callback) {
        append(item).then(() => callback(), callback);
      },
      final(callback) {
        sink.close({ rows: counter.rows, classCounts: counter.classCounts }).then(() => callback(), callback);
      },
      destroy(err, callback) {
        if (!err) return callback(null);
        sink.abort().then(
          () => callback(err),
          () => callback(err),
        );
      },
    }),
    options,
  );
}

/** The SALT HDF5 sink as a Writable: `<name>_<split>.h5` of the context's configuration. */
export function saltHdf5Stream(context: SinkContext, options?: StageStreamOptions): Writable {
  return splitSinkStream(saltSink(context), context.layout, context.config.classes.length, options);
}
