import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/dispatch.js";
import { REPO_ROOT } from "../shared-data.js";
import { type Env, setup } from "./helpers.js";

let env: Env;
afterEach(async () => {
  await env?.cleanup();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `whenRunning` is called once the child has started talking to the server. */
function sxflow(args: string[], cwd: string, whenRunning?: (child: ReturnType<typeof spawn>) => void): Promise<Run> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(REPO_ROOT, "src/cli/main.ts"), ...args], {
    cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  if (whenRunning) {
    const poll = setInterval(() => {
      if (env.server.requests.size > 0 && env.server.log.length > 4) {
        clearInterval(poll);
        whenRunning(child);
      }
    }, 10);
    child.on("exit", () => clearInterval(poll));
  }
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

/** Runs a CLI command in this process, capturing stdout. */
async function inProcess(args: string[]): Promise<{ code: number; stdout: string }> {
  let stdout = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    return { code: await runCli(args), stdout };
  } finally {
    spy.mockRestore();
  }
}

const FAST = ["--poll-interval", "0.01"];

const SPEC = `General:
  OutputFormat: root-ttree
Sample:
  - Name: hzz
    Dataset: !Rucio user.test:user.test.ttbar.v1
    NFiles: 2
    Query: !UprootRaw '[{"treename": "events", "filter_name": ["Muon_Px"]}]'
`;

describe("sxflow deliver / sxflow cache", () => {
  it("delivers a YAML spec (config found from the working directory), then lists and clears the cache", async () => {
    env = await setup();
    writeFileSync(path.join(env.dir, "spec.yaml"), SPEC);
    const r = await sxflow(["deliver", "spec.yaml", ...FAST], env.dir);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^hzz: 2 files\n {2}\S+jagged_array\.root\n {2}\S+uproot-HZZ\.root\n$/);
    const list = await inProcess(["cache", "list", "--config", env.configPath]);
    expect(list.stdout).toMatch(/^[0-9a-f]{12} {2}COMPLETE {3}hzz {2}[0-9a-f-]{36} {2}2 files/);
    expect((await inProcess(["cache", "delete", "nothing-like-this", "--config", env.configPath])).code).toBe(1);
    const clear = await inProcess(["cache", "clear", "--config", env.configPath]);
    expect(clear.stdout).toMatch(/^deleted .* hzz /);
    expect((await inProcess(["cache", "list", "--cache-dir", env.cacheDir])).stdout).toMatch(/is empty/);
  });

  it("reports a failing sample on stderr with exit code 1", async () => {
    env = await setup();
    writeFileSync(path.join(env.dir, "spec.yaml"), SPEC.replace("user.test.ttbar.v1", "nonexistent"));
    const r = await sxflow(["deliver", "spec.yaml", "--config", env.configPath, "--no-progress", ...FAST], env.dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('sample "hzz": request');
    expect(r.stderr).toContain("bad dataset: Dataset does not exist: rucio://user.test:nonexistent?files=2");
  });

  it("cancels the request on the server on Ctrl-C", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:stuck", { inputs: ["root://x//a.root"], stuck: true });
    writeFileSync(path.join(env.dir, "spec.yaml"), SPEC.replace("user.test.ttbar.v1", "stuck"));
    const r = await sxflow(["deliver", "spec.yaml", ...FAST], env.dir, (child) => child.kill("SIGINT"));
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: canceling requests/);
    expect(r.stderr).toMatch(/aborted; request [0-9a-f-]+ canceled on http/);
    expect([...env.server.requests.values()][0].status).toBe("Canceled");
  });
});
