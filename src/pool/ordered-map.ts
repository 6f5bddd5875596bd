export interface OrderedMapOptions {
  /** Tasks in flight at once; the consumer's pace bounds memory beyond that. */
  concurrency: number;
  signal?: AbortSignal;
}

/**
 * Runs `run` over `tasks` with bounded concurrency and yields results in task order.
 * A new task starts only when the consumer takes a result, so a slow consumer (the writer)
 * holds back the producers instead of letting results pile up.
 */
export async function* orderedMap<T, R>(
  tasks: Iterable<T> | AsyncIterable<T>,
  run: (task: T, index: number) => Promise<R>,
  options: OrderedMapOptions,
): AsyncGenerator<R> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const iterator = Symbol.asyncIterator in tasks
    ? (tasks as AsyncIterable<T>)[Symbol.asyncIterator]()
    : (tasks as Iterable<T>)[Symbol.iterator]();
  const inFlight: Promise<R>[] = [];
  let index = 0;
  let exhausted = false;

  const startNext = async (): Promise<void> => {
    if (exhausted) return;
    const next = await iterator.next();
    if (next.done) {
      exhausted = true;
      return;
    }
    const promise = run(next.value, index++);
    // Results are awaited in order; an early failure must not become an unhandled rejection.
    promise.catch(() => undefined);
    inFlight.push(promise);
  };

  try {
    while (inFlight.length < concurrency && !exhausted) await startNext();
    while (inFlight.length > 0) {
      options.signal?.throwIfAborted();
      const result = await inFlight.shift()!;
      await startNext();
      yield result;
    }
  } finally {
    if (!exhausted) await iterator.return?.();
  }
}
