import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findConfigFile, loadConfig, parseConfig, selectEndpoint } from "../../src/servicex/index.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-cfg-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const GOOD = `api_endpoints:
  - name: uc-af
    endpoint: https://servicex.af.uchicago.edu/
    token: eyJhbGciOi.refresh.token
    codegen: uproot
  - name: local-server
    endpoint: http://localhost:5000
default-endpoint: local-server
cache_path: /tmp/sx_\${USER}
`;

describe("servicex.yaml", () => {
  it("reads endpoints, the default, cache_path expansion and ignores legacy keys", () => {
    const c = parseConfig(GOOD, "servicex.yaml", { USER: "alice" });
    expect(c.endpoints).toEqual([
      { name: "uc-af", endpoint: "https://servicex.af.uchicago.edu", token: "eyJhbGciOi.refresh.token" },
      { name: "local-server", endpoint: "http://localhost:5000" },
    ]);
    expect(selectEndpoint(c).name).toBe("local-server");
    expect(selectEndpoint(c, "uc-af").token).toBe("eyJhbGciOi.refresh.token");
    expect(c.cachePath).toBe(path.join(os.tmpdir(), "sx_alice"));
    expect(() => selectEndpoint(c, "nope")).toThrow(/endpoint "nope" is not defined in servicex.yaml; known: uc-af, local-server/);
  });

  it("rejects malformed files with the file and the key at fault", () => {
    expect(() => parseConfig("api_endpoints: [", "/x/servicex.yaml")).toThrow(/\/x\/servicex.yaml: not valid YAML/);
    expect(() => parseConfig("api_endpoints: []\n", "s.yaml")).toThrow(/s.yaml: invalid ServiceX configuration:\n {2}api_endpoints: needs at least one entry/);
    expect(() => parseConfig("api_endpoints:\n  - name: a\n    endpoint: ftp://x\n", "s.yaml")).toThrow(/api_endpoints.0.endpoint: must be an http\(s\) URL or "local"/);
    expect(() => parseConfig("api_endpoints:\n  - endpoint: http://x\n", "s.yaml")).toThrow(/api_endpoints.0.name/);
    expect(() => parseConfig("api_endpoints:\n  - {name: a, endpoint: http://x}\ndefault-endpoint: b\n", "s.yaml")).toThrow(
      /default-endpoint "b" is not one of api_endpoints \(a\)/,
    );
  });

  it("is found as the Python client finds it: explicit path, then upwards from cwd, then home", () => {
    const home = path.join(dir, "home");
    const project = path.join(dir, "project");
    const deep = path.join(project, "a", "b");
    mkdirSync(deep, { recursive: true });
    mkdirSync(home);
    expect(findConfigFile({ cwd: deep, home })).toBeUndefined();
    writeFileSync(path.join(home, "servicex.yaml"), GOOD);
    expect(findConfigFile({ cwd: deep, home })).toBe(path.join(home, "servicex.yaml"));
    writeFileSync(path.join(project, "servicex.yaml"), GOOD);
    expect(findConfigFile({ cwd: deep, home })).toBe(path.join(project, "servicex.yaml"));
    writeFileSync(path.join(project, ".servicex"), GOOD);
    expect(findConfigFile({ cwd: deep, home })).toBe(path.join(project, ".servicex"));
    expect(findConfigFile({ cwd: deep, home, configPath: "../../servicex.yaml" })).toBe(path.join(project, "servicex.yaml"));
    expect(() => findConfigFile({ cwd: deep, configPath: "missing.yaml" })).toThrow(/configuration file .*missing.yaml does not exist/);
  });

  it("falls back to the local backend when no file exists anywhere", () => {
    const c = loadConfig({ cwd: dir, home: dir });
    expect(c.file).toBeUndefined();
    expect(selectEndpoint(c).endpoint).toBe("local");
  });
});
