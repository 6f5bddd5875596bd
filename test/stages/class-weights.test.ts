import { describe, expect, it } from "vitest";
import { classWeights, countClasses } from "../../src/stages/class-weights.js";

describe("class weights", () => {
  it("counts valid labels per class index", () => {
    const counts = new Float64Array(3);
    countClasses(counts, Int32Array.from([0, 2, 2, 1, 2]), "event.flavour_label");
    countClasses(counts, Int32Array.from([1, 0, -1]), "el.truth", Uint8Array.from([1, 1, 0]));
    expect(Array.from(counts)).toEqual([2, 2, 3]);
    expect(() => countClasses(counts, Int32Array.from([0, 3]), "event.flavour_label")).toThrow(
      /event.flavour_label: label 3 at entry 1 is not a class index 0..2/,
    );
  });

  it("applies UPP's formula, indexed by class", () => {
    // N = 1000: N/n = [1.25, 20, 5]; / min 1.25 = [1, 16, 4].
    expect(classWeights([800, 50, 200])).toEqual([1, 16, 4]);
    // N = 7: N/n = [7/6, 7] -> [1, 6]; N = 27: [27/20, 27/7] -> [1, 2.857142...] -> 2.86.
    expect(classWeights([6, 1])).toEqual([1, 6]);
    expect(classWeights([20, 7])).toEqual([1, 2.86]);
    expect(classWeights([3, 1], { method: "raw" })).toEqual([4 / 3, 4]);
  });

  it("errors on or zeroes empty classes, keeping later indices in place", () => {
    expect(() => classWeights([10, 0, 5], { classNames: ["ttbar", "wjets", "zjets"] })).toThrow(/class 1 \(wjets\)/);
    expect(classWeights([10, 0, 5], { empty: "zero" })).toEqual([1, 0, 2]);
  });
});
