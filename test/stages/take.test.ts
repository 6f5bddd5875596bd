import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { padGlobal, padGroup } from "../../src/stages/pad.js";
import { assignSplits, hashSplit, parseSplitCondition } from "../../src/stages/split.js";
import { takeEvents } from "../../src/stages/take.js";

describe("takeEvents", () => {
  it("keeps whole events of padded and global groups for one split", () => {
    const jet = padGroup({
      name: "jet",
      maxObjects: 2,
      fields: { pt: { kind: "jagged", offsets: Int32Array.from([0, 1, 3, 3, 6]), values: Float32Array.from([1, 2, 3, 4, 5, 6]) } },
    });
    const event = padGlobal({ name: "event", fields: { n: { kind: "flat", values: BigInt64Array.from([10n, 20n, 30n, 40n]) } } });
    const splits = Uint8Array.from([2, 0, 1, 0]);
    const train = takeEvents(jet, splits, 0);
    expect(train.length).toBe(2);
    expect(Array.from(train.fields.pt as Float32Array)).toEqual([2, 3, 4, 5]);
    expect(Array.from(train.valid)).toEqual([1, 1, 1, 1]);
    expect(train.truncated).toBe(0);
    expect(Array.from(takeEvents(event, splits, 0).fields.n as BigInt64Array)).toEqual([20n, 40n]);
    expect(Array.from(takeEvents(jet, splits, 1).valid)).toEqual([0, 0]);
    expect(() => takeEvents(jet, new Uint8Array(3), 0)).toThrow(/3 entries for group "jet" of 4 events/);
  });
});

describe("assignSplits", () => {
  it("dispatches to the hash or the rule split", () => {
    const batch: Batch = {
      length: 4,
      columns: { eventNumber: { kind: "flat", values: BigUint64Array.from([7n, 8n, 9n, 10n]) }, runNumber: { kind: "flat", values: new Uint32Array(4) } },
    };
    const rules = [[parseSplitCondition(["eventNumber", "%10<=", 7])], [parseSplitCondition(["eventNumber", "%10==", 8])], [parseSplitCondition(["eventNumber", "%10==", 9])]];
    expect(Array.from(assignSplits(batch, { kind: "rules", rules }))).toEqual([0, 1, 2, 0]);
    const keys = ["runNumber", "eventNumber"];
    expect(assignSplits(batch, { kind: "hash", keys, fractions: [0.5, 0.5], seed: 3 })).toEqual(hashSplit(batch, keys, [0.5, 0.5], 3));
  });
});
