import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { classDictYaml, normDictYaml, writeClassDict, writeNormDict } from "../../src/sinks/salt-dicts.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-dicts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("SALT side files", () => {
  const norm = {
    event: { met: { mean: 61234.5, std: 48211.9 }, met_phi: { mean: 0.0021, std: 1.8139 } },
    jet: { pt: { mean: 58410.2, std: 41877.3 }, eta: { mean: 3e-7, std: 1 }, btag: { mean: 0.184, std: 1.5e21 } },
  };

  // PyYAML, the loader SALT uses, reads these files in salt-dicts.interop.test.ts.
  it("writes norm_dict.yaml in insertion order", async () => {
    const file = path.join(dir, "norm_dict.yaml");
    await writeNormDict(file, norm);
    expect(parse(readFileSync(file, "utf8"))).toEqual(norm);
    const text = readFileSync(file, "utf8");
    expect(text.split("\n").slice(0, 3)).toEqual([
      "event:",
      "  met: { mean: 61234.5, std: 48211.9 }",
      "  met_phi: { mean: 0.0021, std: 1.8139 }",
    ]);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("writes class_dict.yaml as a list indexed by class", async () => {
    const file = path.join(dir, "class_dict.yaml");
    await writeClassDict(file, { event: { flavour_label: [1, 6.73] } });
    expect(readFileSync(file, "utf8")).toBe("event:\n  flavour_label: [ 1.0, 6.73 ]\n");
  });

  it("writes whole numbers with a decimal point", () => {
    expect(normDictYaml({ a: { b: { mean: 1, std: 2 } } })).toBe("a:\n  b: { mean: 1.0, std: 2.0 }\n");
    expect(classDictYaml({ el: { truth: [] } })).toBe("el:\n  truth: []\n");
  });

  it("leaves no file and no temporary when the directory does not exist", async () => {
    await expect(writeNormDict(path.join(dir, "missing", "norm_dict.yaml"), norm)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});
