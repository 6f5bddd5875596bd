import { describe, expect, it } from "vitest";
import { train } from "../../examples/train-tfjs.js";

describe("examples/train-tfjs.ts", () => {
  it("trains a ttbar vs W+jets classifier on openTensors batches that beats always answering the majority class", async () => {
    const seen: number[] = [];
    const result = await train({ epochs: 2, seed: 1, onEpoch: (e) => seen.push(e.epoch) });
    expect(seen).toEqual([1, 2]);
    expect(result.trainEvents).toBeGreaterThan(5000);
    expect(result.valEvents).toBeGreaterThan(500);
    for (const e of result.epochs) expect(Number.isFinite(e.loss)).toBe(true);
    // The loss falls and the classifier is far better than the majority answer (about 50 %):
    // fixed seeds and the deterministic CPU backend make the figures the same on every run.
    expect(result.epochs[1]!.loss).toBeLessThan(result.epochs[0]!.loss);
    expect(result.epochs[1]!.valAccuracy).toBeGreaterThan(result.majorityAccuracy + 0.15);
  }, 300_000);
});
