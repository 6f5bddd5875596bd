import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTopcpSample } from "../../fixtures/generate-topcp.js";
import { OutputDir } from "../../src/output-dir/index.js";
import { runPipeline } from "../../src/pipeline/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { tempDir, writeConfig } from "./helpers.js";

const dir = tempDir("output-dir");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPLITS = ["train", "val", "test"];
const OUTPUTS = [...SPLITS.map((s) => `x_${s}.h5`), "norm_dict.yaml", "class_dict.yaml", "x_report.json", "x_histograms.json", "x_report.html", "salt_config.yaml"];

let ttbar: string;
let wjets: string;
beforeAll(async () => {
  // Large enough (a few seconds of work) for a signal to arrive in the middle of a run.
  ttbar = await writeTopcpSample({ sample: "ttbar", events: 150_000, seed: 5, out: path.join(dir, "data"), rowGroupSize: 10_000 });
  wjets = await writeTopcpSample({ sample: "wjets", events: 150_000, seed: 6, out: path.join(dir, "data"), rowGroupSize: 10_000 });
}, 300_000);

let counter = 0;
function config(out: string, extra: Record<string, unknown> = {}): string {
  return writeConfig(dir, {
    tree: "reco",
    samples: [
      { name: "ttbar", label: 0, files: [ttbar] },
      { name: "wjets", label: 1, files: [wjets] },
    ],
    objects: {
      event: { global: true, fields: { met: "met_met_NOSYS" } },
      jet: { max: 6, fields: { pt: "jet_pt_NOSYS", eta: "jet_eta" } },
    },
    split: { fractions: { train: 0.8, val: 0.1, test: 0.1 } },
    batchSize: 5000,
    output: { dir: out, name: "x", compression: "gzip" },
    ...extra,
  }, `c${++counter}.yaml`);
}

function snapshot(out: string): Record<string, Buffer> {
  return Object.fromEntries(OUTPUTS.map((f) => [f, readFileSync(path.join(out, f))]));
}

function allEntries(d: string): string[] {
  return existsSync(d) ? readdirSync(d, { recursive: true, encoding: "utf8" }) : [];
}

function startRun(configFile: string): { child: ChildProcess; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), "run", configFile, "--quiet", "--workers", "1"], { cwd: REPO_ROOT });
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((resolve) => child.on("close", (code) => resolve({ code, stderr })));
  return { child, done };
}

/** Resolves once a temporary HDF5 file of the run exists somewhere under `out` (mid-run). */
async function midRun(out: string, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(() => (finished = true));
  while (!allEntries(out).some((e) => e.endsWith(".tmp"))) {
    if (finished) throw new Error("the run ended before it could be interrupted");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The pid of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim());
}

describe("the output set is committed as a whole", () => {
  it("keeps the previous outputs whole when one output's name is blocked", { timeout: 300_000 }, async () => {
    const out = path.join(dir, "blocked");
    await runPipeline(config(out), { workers: 0 });
    const before = snapshot(out);
    // The test split's final name becomes a directory holding someone's file.
    rmSync(path.join(out, "x_test.h5"));
    mkdirSync(path.join(out, "x_test.h5"));
    writeFileSync(path.join(out, "x_test.h5", "keep.txt"), "mine");
    await expect(runPipeline(config(out, { shuffle: { seed: 99 } }), { workers: 0 })).rejects.toThrow(/x_test\.h5.* is not a file/);
    for (const f of OUTPUTS.filter((o) => o !== "x_test.h5")) expect(readFileSync(path.join(out, f)).equals(before[f]!), f).toBe(true);
    expect(readFileSync(path.join(out, "x_test.h5", "keep.txt"), "utf8")).toBe("mine");
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
  });

  it("finishes the commit of a run killed in the middle of it, and says so", { timeout: 300_000 }, async () => {
    const out = path.join(dir, "journal");
    const next = path.join(dir, "journal-next");
    await runPipeline(config(out), { workers: 0 });
    await runPipeline(config(next, { shuffle: { seed: 7 } }), { workers: 0 });
    const after = snapshot(next);
    // What a run killed after moving in three of its outputs leaves: its journal, the rest of the
    // new set in its staging directory, and the previous outputs it had moved aside.
    const pid = deadPid();
    const staging = path.join(out, `.sxflow-run-${pid}`);
    const backup = path.join(out, `.sxflow-old-${pid}`);
    mkdirSync(staging);
    mkdirSync(backup);
    for (const [i, f] of OUTPUTS.entries()) {
      cpSync(path.join(out, f), path.join(backup, f));
      cpSync(path.join(next, f), i < 3 ? path.join(out, f) : path.join(staging, f));
    }
    writeFileSync(path.join(out, ".sxflow-commit.json"), JSON.stringify({ pid, staging: path.basename(staging), backup: path.basename(backup), files: OUTPUTS }));
    const notices: string[] = [];
    const held = await OutputDir.open(out, (m) => notices.push(m));
    await held.close();
    expect(notices.join("\n")).toMatch(new RegExp(`finished committing the outputs of an interrupted run \\(pid ${pid}\\)`));
    for (const f of OUTPUTS) expect(readFileSync(path.join(out, f)).equals(after[f]!), f).toBe(true);
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
  });
});

describe("signals and killed runs", () => {
  it.each([["SIGTERM", 143], ["SIGHUP", 129]] as const)("%s stops a run like Ctrl-C: no temporaries, the previous outputs kept", { timeout: 300_000 }, async (signal, code) => {
    const out = path.join(dir, `signal-${signal}`);
    await runPipeline(config(out), { workers: 0 });
    const before = snapshot(out);
    const run = startRun(config(out, { shuffle: { seed: 3 } }));
    await midRun(out, run.done);
    run.child.kill(signal);
    const res = await run.done;
    expect(res.stderr).toMatch(new RegExp(`${signal}.*no output written`));
    expect(res.code).toBe(code);
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
    for (const f of OUTPUTS) expect(readFileSync(path.join(out, f)).equals(before[f]!), f).toBe(true);
  });

  it("after SIGKILL, the next run removes the dead run's temporaries and says so", { timeout: 300_000 }, async () => {
    const out = path.join(dir, "killed");
    const run = startRun(config(out));
    await midRun(out, run.done);
    run.child.kill("SIGKILL");
    await run.done;
    const left = readdirSync(out);
    expect(left.length).toBeGreaterThan(0);
    const notices: string[] = [];
    await runPipeline(config(out), { workers: 0, notice: (m) => notices.push(m) });
    expect(notices.join("\n")).toMatch(new RegExp(`removed \\d+ temporar.* of runs that were killed \\(pid ${run.child.pid}\\)`));
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
  });
});

describe("one run per output directory", () => {
  it("a second run into the same directory refuses while the first holds it, naming its pid", { timeout: 300_000 }, async () => {
    const out = path.join(dir, "locked");
    const first = startRun(config(out));
    while (!existsSync(path.join(out, ".sxflow.lock"))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await expect(runPipeline(config(out), { workers: 0 })).rejects.toThrow(
      new RegExp(`output directory ".*locked" is in use by another sxflow run \\(pid ${first.child.pid}`),
    );
    const res = await first.done;
    expect(res.code, res.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
  });

  it("takes over the lock of a dead run, saying so", { timeout: 300_000 }, async () => {
    const out = path.join(dir, "stale-lock");
    mkdirSync(out);
    const pid = deadPid();
    writeFileSync(path.join(out, ".sxflow.lock"), JSON.stringify({ pid, host: (await import("node:os")).hostname(), started: "then" }));
    const notices: string[] = [];
    await runPipeline(config(out), { workers: 0, notice: (m) => notices.push(m) });
    expect(notices.join("\n")).toMatch(new RegExp(`removed the lock of a run that is no longer running \\(pid ${pid}\\)`));
    expect(readdirSync(out).sort()).toEqual(OUTPUTS.slice().sort());
  });
});

describe("unusable output directories fail at once", () => {
  it("a directory under /proc", { timeout: 60_000 }, async () => {
    await expect(runPipeline(config("/proc/sxflow-test/out"), { workers: 0 })).rejects.toThrow(/output directory "\/proc\/sxflow-test\/out": cannot create "\/proc\/sxflow-test"/);
  });

  it("a path through a file", { timeout: 60_000 }, async () => {
    const file = path.join(dir, "a-file");
    writeFileSync(file, "x");
    await expect(runPipeline(config(path.join(file, "out")), { workers: 0 })).rejects.toThrow(/output directory ".*a-file\/out": ".*a-file" is not a directory/);
  });
});
