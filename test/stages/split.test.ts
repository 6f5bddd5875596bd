import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch/index.js";
import { assignSplits, checkSplitRules, hashSplit, hashUniform, NO_SPLIT, parseSplitCondition, ruleSplit } from "../../src/stages/split.js";

const M64 = (1n << 64n) - 1n;

/** splitmix64 with the key folded in, in BigInt, as the reference for the 32-bit-limb version. */
function referenceUniform(keys: bigint[], seed: bigint): number {
  let z = seed & M64;
  for (const k of keys) {
    z = ((z + 0x9e3779b97f4a7c15n) & M64) ^ (k & M64);
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
    z = z ^ (z >> 31n);
  }
  return Number(z >> 11n) / 2 ** 53;
}

function syntheticEvents(n: number, firstEvent = 0n): Batch {
  const runNumber = new Uint32Array(n);
  const eventNumber = new BigUint64Array(n);
  for (let i = 0; i < n; i++) {
    runNumber[i] = 410470 + (i % 7);
    eventNumber[i] = firstEvent + BigInt(i) * 7919n;
  }
  return {
    length: n,
    columns: { runNumber: { kind: "flat", values: runNumber }, eventNumber: { kind: "flat", values: eventNumber } },
  };
}

describe("hashSplit", () => {
  it("computes splitmix64 exactly with 32-bit limbs", () => {
    const ev = BigUint64Array.from([0n, 1n, 0xffffffffffffffffn, 0x123456789abcdef0n, 1n << 63n]);
    const run = Int32Array.from([0, -1, 2147483647, 7, 410470]);
    const batch: Batch = { length: 5, columns: { run: { kind: "flat", values: run }, ev: { kind: "flat", values: ev } } };
    const u = hashUniform(batch, ["run", "ev"], 42);
    for (let i = 0; i < 5; i++) {
      expect(u[i]).toBe(referenceUniform([BigInt(run[i]!), ev[i]!], 42n));
    }
  });

  it("equals the BigInt reference for any 64-bit keys, signed 32-bit keys and seeds up to 2^53", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.bigInt({ min: 0n, max: M64 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })), { minLength: 1, maxLength: 20 }),
        fc.oneof(fc.nat(), fc.maxSafeNat()),
        (rows, seed) => {
          const a = BigUint64Array.from(rows, (r) => r[0]);
          const b = Int32Array.from(rows, (r) => r[1]);
          const c = BigInt64Array.from(rows, (r) => r[2]);
          const batch: Batch = { length: rows.length, columns: { a: { kind: "flat", values: a }, b: { kind: "flat", values: b }, c: { kind: "flat", values: c } } };
          const u = hashUniform(batch, ["a", "b", "c"], seed);
          rows.forEach((r, i) => expect(u[i]).toBe(referenceUniform([r[0], BigInt(r[1]), r[2]], BigInt(seed))));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is deterministic per event, independent of batching and key storage type", () => {
    const all = syntheticEvents(1000);
    const whole = hashSplit(all, ["runNumber", "eventNumber"], [0.7, 0.1, 0.2]);
    const ev = all.columns.eventNumber!.values as BigUint64Array;
    const run = all.columns.runNumber!.values as Uint32Array;
    const asFloat: Batch = {
      length: 500,
      columns: {
        runNumber: { kind: "flat", values: Float64Array.from(run.subarray(500), Number) },
        eventNumber: { kind: "flat", values: BigInt64Array.from(ev.subarray(500)) },
      },
    };
    expect(hashSplit(asFloat, ["runNumber", "eventNumber"], [0.7, 0.1, 0.2])).toEqual(whole.subarray(500));
    expect(hashSplit(all, ["runNumber", "eventNumber"], [0.7, 0.1, 0.2], 1)).not.toEqual(whole);
  });

  it("gives the configured fractions on 1e5 events within statistical tolerance", () => {
    const n = 100_000;
    const s = hashSplit(syntheticEvents(n, 1_000_000_000_000n), ["runNumber", "eventNumber"], [0.7, 0.1, 0.2]);
    const counts = [0, 0, 0];
    for (const x of s) counts[x]!++;
    [0.7, 0.1, 0.2].forEach((f, i) => {
      const sigma = Math.sqrt(n * f * (1 - f));
      expect(Math.abs(counts[i]! - n * f)).toBeLessThan(5 * sigma);
    });
  });

  it("names a missing key and rejects bad fractions", () => {
    const batch = syntheticEvents(3);
    expect(() => hashSplit(batch, ["runNumber", "eventNumbr"], [1])).toThrow(/split key "eventNumbr" is not a column/);
    expect(() => hashSplit(batch, ["eventNumber"], [0.5, 0.4])).toThrow(/sum to 0.9/);
    const fractional: Batch = { length: 1, columns: { e: { kind: "flat", values: Float64Array.from([1.5]) } } };
    expect(() => hashSplit(fractional, ["e"], [1])).toThrow(/non-integer value 1.5/);
  });
});

describe("ruleSplit", () => {
  const rules = [
    [parseSplitCondition(["eventNumber", "%10<=", 7])],
    [parseSplitCondition(["eventNumber", "%10==", 8])],
    [parseSplitCondition(["eventNumber", "%10==", 9])],
  ];

  it("applies UPP modulo cuts exactly on 64-bit and 32-bit keys", () => {
    const big = BigUint64Array.from([0n, 8n, 9n, 17n, 0xffffffffffffffffn, 1n << 63n, 12345678901234567899n]);
    const out = ruleSplit({ length: big.length, columns: { eventNumber: { kind: "flat", values: big } } }, rules);
    const expected = Array.from(big, (v) => {
      const r = Number(v % 10n);
      return r <= 7 ? 0 : r === 8 ? 1 : 2;
    });
    expect(Array.from(out)).toEqual(expected);
    const signed = BigInt64Array.from([-1n, -12n, 18n]);
    const out2 = ruleSplit({ length: 3, columns: { eventNumber: { kind: "flat", values: signed } } }, rules);
    expect(Array.from(out2)).toEqual([2, 1, 1]);
    const small = Int32Array.from([3, 28, 39]);
    const out3 = ruleSplit({ length: 3, columns: { eventNumber: { kind: "flat", values: small } } }, rules);
    expect(Array.from(out3)).toEqual([0, 1, 2]);
  });

  it("leaves events matched by no rule as NO_SPLIT and reports overlaps statically", () => {
    const partial = [[parseSplitCondition(["eventNumber", "%4==", 0])], [parseSplitCondition(["eventNumber", "%2==", 1])]];
    const out = ruleSplit({ length: 4, columns: { eventNumber: { kind: "flat", values: Int32Array.from([0, 1, 2, 3]) } } }, partial);
    expect(Array.from(out)).toEqual([0, 1, NO_SPLIT, 1]);
    expect(checkSplitRules(partial)).toEqual({ field: "eventNumber", modulus: 4, overlapping: [], uncovered: [2] });
    expect(checkSplitRules(rules)).toEqual({ field: "eventNumber", modulus: 10, overlapping: [], uncovered: [] });
    const overlapping = [[parseSplitCondition(["eventNumber", "%10<=", 8])], [parseSplitCondition(["eventNumber", "%10>=", 8])]];
    expect(checkSplitRules(overlapping)?.overlapping).toEqual([8]);
  });

  it("rejects operators UPP does not have", () => {
    expect(() => parseSplitCondition(["eventNumber", "%10<", 3])).toThrow(/modulo supports only/);
    expect(() => parseSplitCondition(["eventNumber", "%1==", 0])).toThrow(/outside 2..100/);
    expect(() => parseSplitCondition(["eventNumber", "=~", 0])).toThrow(/unknown operator/);
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
