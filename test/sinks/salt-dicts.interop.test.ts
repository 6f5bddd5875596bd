// interop: pyyaml
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { pyyamlFloat, writeClassDict, writeNormDict } from "../../src/sinks/salt-dicts.js";
import { SYSTEM_PYTHON } from "../shared-data.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-dicts-pyyaml-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads YAML with PyYAML's safe_load, the loader SALT uses, and returns it as JSON. */
function pyyamlLoad(file: string): unknown {
  const script = "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))";
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", script, file], { encoding: "utf8" }));
}

describe("SALT side files read by PyYAML", () => {
  it("norm_dict.yaml reads back as floats", async () => {
    const norm = {
      event: { met: { mean: 61234.5, std: 48211.9 }, met_phi: { mean: 0.0021, std: 1.8139 } },
      jet: { pt: { mean: 58410.2, std: 41877.3 }, eta: { mean: 3e-7, std: 1 }, btag: { mean: 0.184, std: 1.5e21 } },
    };
    const file = path.join(dir, "norm_dict.yaml");
    await writeNormDict(file, norm);
    expect(pyyamlLoad(file)).toEqual(norm);
  });

  it("class_dict.yaml reads back as a list indexed by class", async () => {
    const file = path.join(dir, "class_dict.yaml");
    await writeClassDict(file, { event: { flavour_label: [1, 6.73] } });
    expect(pyyamlLoad(file)).toEqual({ event: { flavour_label: [1, 6.73] } });
  });

  it("every float is resolved as a float", () => {
    const values = [0, 1, -2, 1e-7, 1.5e-10, 1e21, -3.25e100, 123456789.125, 5e-324];
    const text = values.map((v) => pyyamlFloat(v)).join(", ");
    const script = "import json, sys, yaml; v = yaml.safe_load(sys.argv[1]); assert all(type(x) is float for x in v), v; print(json.dumps(v))";
    expect(JSON.parse(execFileSync(SYSTEM_PYTHON, ["-c", script, `[${text}]`], { encoding: "utf8" }))).toEqual(values);
  });
});
