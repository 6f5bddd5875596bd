// interop: slurm
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadRunConfig } from "../../src/config/index.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import { REPO_ROOT } from "../shared-data.js";
import { expectSameOutputs, icConfig, singleRun } from "./helpers.js";

/**
 * Live Slurm: the cluster .ci/run starts with .ci/slurm-local.sh (SLURM_CONF names it). sxflow
 * submits 3 shards of the IC example and the merge; the result must equal a single run's bytes,
 * also after a shard task is killed with scancel and the run is resumed.
 */
const HAVE_SLURM = process.env.SLURM_CONF !== undefined && spawnSync("sinfo", ["-h"]).status === 0;

const dir = tempDir("slurm");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLI = [path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(REPO_ROOT, "src/cli/main.ts")];

function sxflow(...args: string[]): string {
  return execFileSync(process.execPath, [...CLI, ...args], { encoding: "utf8" });
}

/** Both outputs of a command that succeeds. */
function sxflowOutputs(...args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

/** Job id -> state of the jobs (array tasks one by one) still in the queue. */
function queue(ids: string[]): Map<string, string> {
  const r = spawnSync("squeue", ["-h", "-r", "-j", ids.join(","), "-o", "%i %T"], { encoding: "utf8" });
  return new Map(r.stdout.split("\n").filter(Boolean).map((l) => l.trim().split(/\s+/) as [string, string]));
}

async function until(what: string, test: () => boolean, seconds = 240): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function jobState(id: string): string {
  return /JobState=(\S+)/.exec(execFileSync("scontrol", ["show", "job", id], { encoding: "utf8" }))![1]!;
}

function jobIds(output: string): { array: string; merge: string } {
  return { array: /: job (\d+)\n/.exec(output)![1]!, merge: /merge: job (\d+)/.exec(output)![1]! };
}

describe.skipIf(!HAVE_SLURM)("sxflow submit --slurm on a live cluster", { timeout: 600_000 }, () => {
  it("runs 3 shards and the merge, and resumes a cancelled shard, both ending byte-identical to a single run", async () => {
    const work = path.join(dir, "ic");
    mkdirSync(work, { recursive: true });
    const example = await icConfig(work);
    const file = writeConfig(work, {
      ...parse(readFileSync(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8")),
      samples: example.samples.map((s) => ({ name: s.name, label: s.label, files: s.files.map((f) => f.path) })),
      batchSize: 700,
      shuffle: { enabled: true, seed: 42, buckets: 5 },
      output: { dir: example.output.dir, name: example.output.name, compression: "gzip" },
    });
    const config = await loadRunConfig(file);
    const single = await singleRun(config, work);

    const submitted = sxflowOutputs("submit", file, "--shards", "3", "--slurm", "--time", "0:20:00");
    // The example's events make shards far below the advised size: submit says so, and submits.
    expect(submitted.stderr).toMatch(/note: [\d,]+ events in 3 shards is [\d,]+ events per shard; .*one "sxflow run" costs the least CPU/);
    const first = jobIds(submitted.stdout);
    await until("the merge job", () => queue([first.merge]).size === 0);
    expect(jobState(first.merge)).toBe("COMPLETED");
    expectSameOutputs(single, config.output.dir);

    // Again from nothing; shard 0 is cancelled in the middle of its work. A shard of the example
    // lasts well under a second once started, too short to catch from squeue, so the jobs run
    // sxflow through a wrapper that lets shard 0 run in slices of a few milliseconds, stopped
    // (SIGSTOP) between them, until it has begun writing (its attempt directory exists): it is
    // then left stopped, and says so, for scancel to end it. The wrapper runs node itself (tsx as
    // a loader, not tsx's command, whose child process a stop would miss).
    rmSync(config.output.dir, { recursive: true, force: true });
    const stopped = path.join(work, "shard-0-stopped");
    const missed = path.join(work, "shard-0-missed");
    const wrapper = path.join(work, "stop-shard-0.sh");
    writeFileSync(
      wrapper,
      [
        'case " $* " in *" --shard 0/3 "*) ;; *) exec "$@" ;; esac',
        '"$@" &',
        "pid=$!",
        "while kill -STOP $pid 2>/dev/null; do",
        // An ended child stays a zombie, which signals reach, until the shell waits for it.
        '  read -r _ _ state _ < /proc/$pid/stat; [ "$state" = Z ] && break',
        `  if ls -d ${path.join(config.output.dir, "shards")}/.tmp-0-of-3-* >/dev/null 2>&1; then touch ${stopped}; wait $pid; exit 1; fi`,
        "  kill -CONT $pid",
        "  sleep 0.005",
        "done",
        `touch ${missed}`,
        "exit 1",
        "",
      ].join("\n"),
    );
    const node = [process.execPath, "--import", pathToFileURL(path.join(REPO_ROOT, "node_modules/tsx/dist/loader.mjs")).href, path.join(REPO_ROOT, "src/cli/main.ts")];
    const second = jobIds(sxflow("submit", file, "--shards", "3", "--slurm", "--sxflow", ["sh", wrapper, ...node].join(" ")));
    await until("shard 0 to be stopped while it writes", () => existsSync(stopped) || existsSync(missed));
    expect(existsSync(missed), "shard 0 ended before its wrapper could stop it").toBe(false);
    execFileSync("scancel", [`${second.array}_0`]);
    await until("the other shards", () => [...queue([second.array]).keys()].length === 0);
    expect(existsSync(path.join(config.output.dir, "shards", "0-of-3"))).toBe(false);
    expect(queue([second.merge]).get(second.merge)).toBe("PENDING");
    expect(sxflow("submit", file, "--shards", "3", "--slurm", "--status")).toMatch(/2 of 3 shards done \(1-2\)\n {2}shard 0: missing/);

    const resumed = sxflow("submit", file, "--shards", "3", "--slurm", "--resume");
    expect(resumed).toMatch(/shards 0: job \d+/);
    const third = jobIds(resumed);
    await until("the resumed merge job", () => queue([third.merge]).size === 0);
    expect(jobState(third.merge)).toBe("COMPLETED");
    expect(jobState(second.merge)).toBe("CANCELLED");
    expectSameOutputs(single, config.output.dir);
    expect(sxflow("submit", file, "--shards", "3", "--slurm", "--status")).toMatch(/3 of 3 shards done \(0-2\)\nmerged: the outputs exist/);
    expect(sxflow("submit", file, "--shards", "3", "--slurm", "--resume")).toMatch(/nothing to resume: every shard is done and the outputs exist/);
  });
});
