import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { compileCut, cutMask, reviveExpression } from "../../src/index.js";
import type { Batch } from "../../src/batch/types.js";
import { flat, jagged } from "./helpers.js";

const SCHEMA = {
  jet_pt: { kind: "jagged", elementType: "float32" },
  met: { kind: "flat", elementType: "float32" },
  unused: { kind: "flat", elementType: "int32" },
} as const;

const batch: Batch = {
  length: 4,
  columns: {
    jet_pt: jagged([[30, 40], [], [50], [10, 60, 70]], Float32Array),
    met: flat([1, 2, 3, 4], Float32Array),
  },
};

describe("a compiled expression crosses thread boundaries", () => {
  const cut = compileCut("(num(jet_pt[jet_pt > hard]) >= 2) | (met > 3.5)", SCHEMA, { aliases: { hard: "25" } });

  it("the serialised form holds only what the expression needs and survives JSON and structured clone", () => {
    const s = cut.serialise();
    expect(Object.keys(s.schema).sort()).toEqual(["jet_pt", "met"]);
    expect(s.aliases).toEqual({ hard: "25" });
    const viaJson = reviveExpression(JSON.parse(JSON.stringify(s)));
    const viaClone = reviveExpression(structuredClone(s));
    const want = Array.from(cutMask(batch, cut));
    expect(want).toEqual([1, 0, 0, 1]);
    expect(Array.from(cutMask(batch, viaJson))).toEqual(want);
    expect(Array.from(cutMask(batch, viaClone))).toEqual(want);
    expect(structuredClone(cut.plan)).toEqual(cut.plan);
  });

  it("a worker thread rebuilds the cut and selects the same events", async () => {
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url));
    try {
      const result = new Promise<Uint8Array>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      worker.postMessage({ cut: cut.serialise(), batch });
      expect(Array.from(await result)).toEqual([1, 0, 0, 1]);
    } finally {
      await worker.terminate();
    }
  });
});
