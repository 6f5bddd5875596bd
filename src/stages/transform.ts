import { Transform } from "node:stream";

/**
 * Wraps a `batch -> batch` function (sync or async) as an object-mode Transform, so stages
 * compose with `stream.pipeline` and get back-pressure from Node streams. Returning undefined
 * drops the batch (e.g. when a cut keeps no events). A thrown error fails the pipeline, prefixed
 * with the stage name.
 */
export function batchTransform<In, Out>(
  name: string,
  fn: (batch: In) => Out | undefined | Promise<Out | undefined>,
  options: { highWaterMark?: number } = {},
): Transform {
  return new Transform({
    objectMode: true,
    highWaterMark: options.highWaterMark ?? 2,
    transform(chunk: In, _encoding, callback) {
      let result: Out | undefined | Promise<Out | undefined>;
      try {
        result = fn(chunk);
      } catch (err) {
        callback(wrap(name, err));
        return;
      }
      Promise.resolve(result).then(
        (out) => callback(null, out ?? undefined),
        (err: unknown) => callback(wrap(name, err)),
      );
    },
  });
}

function wrap(name: string, err: unknown): Error {
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`stage "${name}": ${message}`, { cause: err });
}
