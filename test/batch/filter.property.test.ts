import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterColumn } from "../../src/batch/index.js";
import type { JaggedColumn } from "../../src/batch/index.js";

/** Events as plain arrays, read through the offsets (which need not start at 0). */
function lists(c: JaggedColumn): number[][] {
  const v = c.values as Float32Array;
  return Array.from({ length: c.offsets.length - 1 }, (_, i) => Array.from(v.subarray(c.offsets[i]!, c.offsets[i + 1]!)));
}

describe("filterColumn on jagged columns", () => {
  it("keeps exactly the masked events' lists, whatever the offsets' origin", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.float({ noNaN: true }), { maxLength: 4 }), fc.boolean()), { maxLength: 40 }),
        fc.nat(5),
        (events, lead) => {
          // `lead` unused values before the first list, as in a column sliced out of a larger one.
          const offsets = new Int32Array(events.length + 1);
          offsets[0] = lead;
          events.forEach(([l], i) => (offsets[i + 1] = offsets[i]! + l.length));
          const values = new Float32Array(offsets[events.length]!);
          events.forEach(([l], i) => values.set(l, offsets[i]!));
          const mask = Uint8Array.from(events, ([, keep]) => (keep ? 1 : 0));
          const out = filterColumn({ kind: "jagged", offsets, values }, mask) as JaggedColumn;
          const want = events.filter(([, keep]) => keep).map(([l]) => Array.from(Float32Array.from(l)));
          expect(out.offsets[0]).toBe(0);
          expect(lists(out)).toEqual(want);
          expect((out.values as Float32Array).length).toBe(want.reduce((n, l) => n + l.length, 0));
        },
      ),
    );
  });
});
