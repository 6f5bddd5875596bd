import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createWorkerPool, orderedMap } from "../../src/pool/index.js";
import { zstdModule } from "../../src/wasm/zstd-module.js";
import type { SquareHandlers } from "./square-worker.js";

const MODULE = new URL("./square-worker.ts", import.meta.url);

describe("orderedMap", () => {
  it("yields results in task order whatever the completion order", async () => {
    const delays = [30, 1, 20, 2, 10, 0];
    const out: number[] = [];
    for await (const r of orderedMap(delays, (d, i) => new Promise<number>((ok) => setTimeout(() => ok(i), d)), { concurrency: 3 })) {
      out.push(r);
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("keeps at most `concurrency` tasks in flight and pulls lazily", async () => {
    let active = 0;
    let peak = 0;
    const run = async (x: number) => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((ok) => setTimeout(ok, 2));
      active--;
      return x;
    };
    const gen = orderedMap(Array.from({ length: 20 }, (_, i) => i), run, { concurrency: 4 });
    let sum = 0;
    for await (const r of gen) sum += r;
    expect(sum).toBe(190);
    expect(peak).toBe(4);
  });

  it("propagates the first failure in order", async () => {
    const run = async (x: number) => {
      if (x === 2) throw new Error("task 2 broke");
      return x;
    };
    const seen: number[] = [];
    await expect(async () => {
      for await (const r of orderedMap([0, 1, 2, 3], run, { concurrency: 2 })) seen.push(r);
    }).rejects.toThrow("task 2 broke");
    expect(seen).toEqual([0, 1]);
  });
});

describe("worker pool", () => {
  for (const workers of [0, 2]) {
    it(`runs the tasks of the handler table with transferred buffers (${workers} workers)`, async () => {
      const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers });
      try {
        const values = Float64Array.of(1, 2, 3);
        const r = await pool.run("square", { values, delayMs: 0 }, workers ? [values.buffer] : undefined);
        expect([...r.values]).toEqual([1, 4, 9]);
        if (workers) expect(values.byteLength).toBe(0); // transferred, not copied
        await expect(pool.run("fail", { message: "bad input in task" })).rejects.toThrow("bad input in task");
        // A task the table does not have does not compile; called anyway, it fails.
        // @ts-expect-error -- "nope" is not a key of the handler table
        await expect(pool.run("nope", {})).rejects.toThrow('no task "nope"');
      } finally {
        await pool.close();
      }
    });
  }

  it("runs the warm-up handler on every thread as it starts, before the thread's first task; not on the calling thread", async () => {
    for (const warm of ["warm", undefined] as const) {
      const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 2, ...(warm ? { warm } : {}) });
      try {
        const seen = await Promise.all([0, 1].map(() => pool.run("warmth", { delayMs: 200 })));
        expect(new Set(seen.map((r) => r.thread)).size).toBe(2);
        expect(seen.map((r) => r.warmed)).toEqual(warm ? [true, true] : [false, false]);
      } finally {
        await pool.close();
      }
    }
    const inThread = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 0, warm: "warm" });
    expect((await inThread.run("warmth", { delayMs: 0 })).warmed).toBe(false);
    await inThread.close();
  });

  it("gives every thread what `shared` holds: zstd's module arrives compiled and decodes there", async () => {
    // The package's own encoder, to make a frame.
    const zstd = createRequire(import.meta.url)("@foxglove/wasm-zstd") as { compress(src: Uint8Array, level?: number): Uint8Array; isLoaded: Promise<void> };
    await zstd.isLoaded;
    const data = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251 & (i % 3 === 0 ? 0xff : 0x0f));
    const frame = new Uint8Array(zstd.compress(data, 3));
    for (const shared of [{ zstd: zstdModule() }, undefined]) {
      const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 2, shared });
      try {
        const seen = await Promise.all([0, 1].map(() => pool.run("sharedZstd", { frame, size: data.length })));
        for (const r of seen) {
          expect(r.received).toBe(shared !== undefined);
          expect(r.adopted).toBe(shared !== undefined);
          expect(Buffer.from(r.bytes).equals(Buffer.from(data))).toBe(true);
        }
      } finally {
        await pool.close();
      }
    }
  });

  it("closes once however often it is asked, after which tasks are refused", async () => {
    const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 1 });
    expect([...(await pool.run("square", { values: Float64Array.of(2), delayMs: 0 })).values]).toEqual([4]);
    await Promise.all([pool.close(), pool.close()]);
    await pool.close();
    await expect(pool.run("square", { values: Float64Array.of(2), delayMs: 0 })).rejects.toThrow('task "square" after the pool was closed');
  });

  it("close() lets the tasks in flight finish before it ends the threads", async () => {
    const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 2 });
    // Started and not awaited, as the sibling tasks of a failed stage are when a run is released.
    const running = [3, 4, 5].map((v) => pool.run("square", { values: Float64Array.of(v), delayMs: 150 }));
    await pool.close();
    const results = await Promise.allSettled(running);
    expect(results.map((r) => (r.status === "fulfilled" ? [...r.value.values] : String(r.reason)))).toEqual([[9], [16], [25]]);
  });

  it("an aborted signal rejects a running task at once, and the pool still closes cleanly", async () => {
    const pool = await createWorkerPool<SquareHandlers>({ module: MODULE, workers: 2 });
    try {
      const controller = new AbortController();
      const running = pool.run("square", { values: Float64Array.of(3), delayMs: 400 }, undefined, controller.signal);
      setTimeout(() => controller.abort(new Error("stopped by the test")), 20);
      await expect(running).rejects.toThrow("stopped by the test");
      await expect(pool.run("square", { values: Float64Array.of(2), delayMs: 0 }, undefined, controller.signal)).rejects.toThrow(
        "stopped by the test",
      );
    } finally {
      await pool.close();
    }
  });
});
