import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { batchTransform } from "../../src/stages/transform.js";

describe("batchTransform", () => {
  it("maps, drops and orders batches through stream.pipeline with bounded buffering", async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const produced: number[] = [];
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < 50; i++) {
          produced.push(i);
          yield i;
        }
      })(),
      { highWaterMark: 1 },
    );
    const slowSink = new Writable({
      objectMode: true,
      highWaterMark: 1,
      write(chunk: number, _enc, cb) {
        seen.push(chunk);
        // Back-pressure: the source can only be a few batches ahead of the sink.
        // Batch `chunk` came from source item chunk / 2: count how far the source has run ahead.
        maxInFlight = Math.max(maxInFlight, produced.length - (chunk / 2 + 1));
        setTimeout(cb, 1);
      },
    });
    await pipeline(
      source,
      batchTransform("double", async (x: number) => {
        inFlight++;
        await new Promise((r) => setTimeout(r, 0));
        inFlight--;
        return x * 2;
      }),
      batchTransform("drop-odd-quarters", (x: number) => (x % 4 === 0 ? x : undefined)),
      slowSink,
    );
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i * 4));
    expect(inFlight).toBe(0);
    expect(maxInFlight).toBeLessThan(12);
  });

  it("fails the pipeline with the stage name", async () => {
    await expect(
      pipeline(
        Readable.from([1, 2, 3]),
        batchTransform("pad", (x: number) => {
          if (x === 2) throw new Error('group "jet": bad offsets');
          return x;
        }),
        new Writable({ objectMode: true, write: (_c, _e, cb) => cb() }),
      ),
    ).rejects.toThrow('stage "pad": group "jet": bad offsets');
  });
});
