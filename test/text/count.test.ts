import { describe, expect, it } from "vitest";
import { count } from "../../src/text/count.js";

describe("count", () => {
  it("writes what toLocaleString('en-US') writes, for every length of integer and both signs", () => {
    const values = [0, 7, 42, 999, 1000, 1001, 99_999, 100_000, 2_136_898, 123_456_789, 1e9, Number.MAX_SAFE_INTEGER];
    for (let d = 1; d <= 16; d++) values.push(10 ** d - 1, 10 ** d, 3 * 10 ** (d - 1) + 17);
    for (const v of values) {
      expect(count(v)).toBe(v.toLocaleString("en-US"));
      if (v !== 0) expect(count(-v)).toBe((-v).toLocaleString("en-US"));
    }
  });

  it("leaves numbers that are not safe integers to toLocaleString", () => {
    for (const v of [0.5, 1234.5678, 1e20, Number.NaN, Infinity]) expect(count(v)).toBe(v.toLocaleString("en-US"));
  });
});
