import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { classDictYaml, normDictYaml, pyyamlFloat, writeClassDict, writeNormDict } from "../../src/sinks/salt-dicts.js";
import { SYSTEM_PYTHON } from "../shared-data.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-dicts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads YAML with PyYAML's safe_load, the loader SALT uses, and returns it as JSON. */
function pyyamlLoad(file: string): unknown {
  const script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", script, file], { encoding: "utf8" }));
}

describe("SALT side files", () => {
  const norm = {
    event: { met: { mean: 61234.5, std: 48211.9 }, met_phi: { mean: 0.0021, std: 1.8139 } },
    jet: { pt: { mean: 58410.2, std: 41877.3 }, eta: { mean: 3e-7, std: 1 }, btag: { mean: 0.184, std: 1.5e21 } },
  };

  it("writes norm_dict.yaml that PyYAML reads back as floats, in insertion order", async () => {
    const file = path.join(dir, "norm_dict.yaml");
    await writeNormDict(file, norm);
    expect(pyyamlLoad(file)).toEqual(norm);
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
    expect(pyyamlLoad(file)).toEqual({ event: { flavour_label: [1, 6.73] } });
  });

  it("formats every float so PyYAML resolves it as a float", () => {
    const values = [0, 1, -2, 1e-7, 1.5e-10, 1e21, -3.25e100, 123456789.125, 5e-324];
    const text = values.map((v) => pyyamlFloat(v)).join(", ");
    const script = "import json, sys, yaml; v = yaml.safe_load(sys.argv[1]); assert all(type(x) is float for x in v), v; print(json.dumps(v))";
    expect(JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", script, `[${text}]`], { encoding: "utf8" }))).toEqual(values);
    expect(normDictYaml({ a: { b: { mean: 1, std: 2 } } })).toBe("a:\n  b: { mean: 1.0, std: 2.0 }\n");
    expect(classDictYaml({ el: { truth: [] } })).toBe("el:\n  truth: []\n");
  });

  it("leaves no file and no temporary when the directory does not exist", async () => {
    await expect(writeNormDict(path.join(dir, "missing", "norm_dict.yaml"), norm)).rejects.toThrow(/ENOENT/);
    expect(readdirSync(dir).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });
});
