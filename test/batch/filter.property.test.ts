import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { filterColumn } from "../../src/batch/index.js";
import type { Column, JaggedColumn } from "../../src/batch/index.js";

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

  it("keeps the masked events of lists of lists and of fixed-size columns", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.array(fc.array(fc.integer({ min: -99, max: 99 }), { maxLength: 3 }), { maxLength: 3 }), fc.boolean()), { maxLength: 30 }),
        fc.nat(3),
        (events, lead) => {
          // Outer offsets start at `lead` inner lists, inner offsets at 2 * lead values: sliced origins at both levels.
          const outer = new Int32Array(events.length + 1);
          outer[0] = lead;
          events.forEach(([ls], i) => (outer[i + 1] = outer[i]! + ls.length));
          const innerLists = [...Array<number[]>(lead).fill([7]), ...events.flatMap(([ls]) => ls)];
          const inner = new Int32Array(innerLists.length + 1);
          inner[0] = 2 * lead;
          innerLists.forEach((l, j) => (inner[j + 1] = inner[j]! + l.length));
          const values = new Int16Array(inner[innerLists.length]!);
          innerLists.forEach((l, j) => values.set(l, inner[j]!));
          const column: JaggedColumn = { kind: "jagged", offsets: outer, values: { kind: "jagged", offsets: inner, values } };
          const mask = Uint8Array.from(events, ([, keep]) => (keep ? 1 : 0));
          const out = filterColumn(column, mask) as JaggedColumn;
          const got = lists2(out);
          expect(got).toEqual(events.filter(([, keep]) => keep).map(([ls]) => ls));

          const fixed: Column = { kind: "flat", values: Float64Array.from({ length: 2 * events.length }, (_, i) => i), shape: [2] };
          const kept = filterColumn(fixed, mask);
          const want = events.flatMap(([, keep], i) => (keep ? [2 * i, 2 * i + 1] : []));
          expect(Array.from(kept.values as Float64Array)).toEqual(want);
          expect(kept.kind === "flat" && kept.shape).toEqual([2]);
        },
      ),
    );
  });

  it("copies the kept values bit for bit for every element type, from views at any offset", () => {
    const types = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
    fc.assert(
      fc.property(
        fc.constantFrom(...types),
        fc.array(fc.tuple(fc.nat(3), fc.boolean()), { maxLength: 30 }),
        fc.nat(4),
        fc.uint8Array({ minLength: 8 * 130, maxLength: 8 * 130 }),
        fc.integer({ min: 1, max: 3 }),
        (Type, events, lead, bytes, width) => {
          // Random bytes: NaNs with payloads included. The view starts `lead` elements into its buffer.
          const all = new Type(bytes.buffer, 0, 130);
          const total = events.reduce((n, [len]) => n + len, 0);
          const values = all.subarray(lead, lead + total);
          const offsets = new Int32Array(events.length + 1);
          events.forEach(([len], i) => (offsets[i + 1] = offsets[i]! + len));
          const mask = Uint8Array.from(events, ([, keep]) => (keep ? 1 : 0));
          const size = Type.BYTES_PER_ELEMENT;
          const bytesOf = (a: ArrayBufferView, from: number, to: number) => Array.from(new Uint8Array(a.buffer, a.byteOffset + from * size, (to - from) * size));

          const jagged = filterColumn({ kind: "jagged", offsets, values }, mask) as JaggedColumn;
          const kept = events.flatMap(([, keep], i) => (keep ? bytesOf(values, offsets[i]!, offsets[i + 1]!) : []));
          expect(jagged.values).toBeInstanceOf(Type);
          expect(bytesOf(jagged.values as ArrayBufferView & { length: number }, 0, (jagged.values as { length: number }).length)).toEqual(kept);

          const fixed = all.subarray(lead, lead + width * events.length);
          const flat = filterColumn({ kind: "flat", values: fixed, shape: [width] }, mask);
          const want = events.flatMap(([, keep], i) => (keep ? bytesOf(fixed, i * width, (i + 1) * width) : []));
          expect(flat.values).toBeInstanceOf(Type);
          expect(bytesOf(flat.values as ArrayBufferView, 0, (flat.values as { length: number }).length)).toEqual(want);
        },
      ),
    );
  });
});

/** Events of a list-of-lists column as nested plain arrays. */
function lists2(c: JaggedColumn): number[][][] {
  const inner = c.values as JaggedColumn;
  const v = inner.values as Int16Array;
  return Array.from({ length: c.offsets.length - 1 }, (_, i) =>
    Array.from({ length: c.offsets[i + 1]! - c.offsets[i]! }, (_, k) => {
      const j = c.offsets[i]! + k;
      return Array.from(v.subarray(inner.offsets[j]!, inner.offsets[j + 1]!));
    }),
  );
}
