// interop: h5py
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { classWeights } from "../../src/stages/class-weights.js";
import { SYSTEM_PYTHON } from "../shared-data.js";

describe("class weights against numpy", () => {
  it("rounds exactly as UPP's numpy code does", () => {
    const cases = [[9, 8], [8, 11], [3, 5, 7], [1, 1000003], [40, 7, 13, 99], [123457, 89, 6000], [17, 400]];
    const script =
      "import json, sys, numpy as np\n" +
      "out = []\n" +
      "for n in json.loads(sys.argv[1]):\n" +
      "    n = np.array(n); N = n.sum(); w = N / n\n" +
      "    out.append([float(x) for x in np.round(w / w.min(), 2)])\n" +
      "print(json.dumps(out))";
    const expected = JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", script, JSON.stringify(cases)], { encoding: "utf8" }));
    expect(cases.map((c) => classWeights(c))).toEqual(expected);
  });
});
