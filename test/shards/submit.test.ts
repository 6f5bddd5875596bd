import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadRunConfig } from "../../src/config/index.js";
import { submit } from "../../src/shards/index.js";
import type { JobSpec } from "../../src/shards/index.js";
import { MALLOC_TUNABLES } from "../../src/shards/submit/job.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import { REPO_ROOT } from "../shared-data.js";
import { expectSameOutputs, icConfig, singleRun } from "./helpers.js";

const dir = tempDir("submit");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sxflow from source, as the jobs of these tests run it. */
const SXFLOW = [process.execPath, path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(REPO_ROOT, "src/cli/main.ts")];

/** A run configuration file of the IC example with absolute input paths, and its single-run outputs. */
async function prepare(name: string): Promise<{ spec: JobSpec; single: string }> {
  const work = path.join(dir, name);
  const example = await icConfig(work);
  mkdirSync(work, { recursive: true });
  const file = writeConfig(work, {
    ...parse(readFileSync(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8")),
    samples: example.samples.map((s) => ({ name: s.name, label: s.label, files: s.files.map((f) => f.path) })),
    batchSize: 700,
    shuffle: { enabled: true, seed: 42, buckets: 5 },
    output: { dir: example.output.dir, name: example.output.name, compression: "none" },
  });
  // The configuration's path is part of the outputs (the report names it): the single run reads the same file.
  const config = await loadRunConfig(file);
  const single = await singleRun(config, work);
  return { spec: { configPath: file, config, shards: 3, sxflow: SXFLOW, cpus: 1, mem: "2G" }, single };
}

/** Runs a command line as a job would, with the environment the engine gives it. */
function runJob(words: string[], env: Record<string, string> = {}): void {
  execFileSync(words[0]!, words.slice(1), { env: { ...process.env, ...env }, stdio: "pipe" });
}

/** Splits HTCondor's quoted argument syntax: "a 'b c' d" -> [a, b c, d]. */
function condorWords(value: string): string[] {
  const inner = value.trim().replace(/^"|"$/g, "").replace(/""/g, '"');
  const words: string[] = [];
  const re = /'((?:[^']|'')*)'|(\S+)/g;
  for (let m = re.exec(inner); m; m = re.exec(inner)) words.push(m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!);
  return words;
}

/** HTCondor's environment value ("NAME=value NAME2=value2", in double quotes) as variables. */
function condorEnvironment(value: string): Record<string, string> {
  return Object.fromEntries(condorWords(value).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]));
}

function submitFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Za-z_+.]+)\s*=\s*(.*)$/.exec(line);
    if (m) out[m[1]!.toLowerCase()] = m[2]!;
    else if (/^\s*queue\b/.test(line)) out.queue = line.trim();
  }
  return out;
}

// Each test starts four sxflow processes under tsx: minutes on a busy machine.
describe("sxflow submit job files", { timeout: 300_000 }, () => {
  it("Slurm: the array script run per SLURM_ARRAY_TASK_ID and the merge script give the single run's bytes", async () => {
    const { spec, single } = await prepare("slurm");
    const r = await submit({ ...spec, time: "0:30:00", partition: "debug" }, "slurm", { dryRun: true, resume: false });
    const [shards, merge] = r.files.map((f) => readFileSync(f!, "utf8"));
    expect(shards).toMatch(/^#!\/bin\/bash\n/);
    for (const d of ["--partition=debug", "--time=0:30:00", "--mem=2G", "--cpus-per-task=1", "--job-name=sxflow-ic-ttbar-wjets"]) expect(shards).toContain(`#SBATCH ${d}\n`);
    expect(shards).toContain(`--shard "$SLURM_ARRAY_TASK_ID/3"`);
    expect(merge).toContain(` merge ${spec.configPath} --shards 3 `);
    expect(r.message).toMatch(/sbatch --array=0-2 .*shards\.sbatch && sbatch --dependency=afterok:<array job> .*merge\.sbatch/);
    execFileSync("bash", ["-n", r.files[0]!]);
    // glibc's malloc settings go first in the jobs' GLIBC_TUNABLES, the submitter's own after them (glibc keeps the last).
    for (const script of [shards!, merge!]) {
      const exports = script.split("\n").filter((l) => l.startsWith("export "));
      expect(exports).toHaveLength(1);
      const seen = (env: Record<string, string>) => execFileSync("bash", ["-c", `set -euo pipefail; ${exports[0]}; printf %s "$GLIBC_TUNABLES"`], { env: { PATH: process.env.PATH!, ...env }, encoding: "utf8" });
      expect(seen({})).toBe(MALLOC_TUNABLES);
      expect(seen({ GLIBC_TUNABLES: "glibc.malloc.arena_max=4" })).toBe(`${MALLOC_TUNABLES}:glibc.malloc.arena_max=4`);
    }
    for (const i of [1, 0, 2]) runJob(["bash", r.files[0]!], { SLURM_ARRAY_TASK_ID: String(i) });
    runJob(["bash", r.files[1]!]);
    expectSameOutputs(single, spec.config.output.dir);
  });

  it("HTCondor: the submit description's jobs (queue 3) and the DAG's merge node give the single run's bytes", async () => {
    const { spec, single } = await prepare("condor");
    const r = await submit(spec, "condor", { dryRun: true, resume: false });
    const [shardsSub, mergeSub, dag] = r.files.map((f) => readFileSync(f!, "utf8"));
    const s = submitFields(shardsSub!);
    expect(s.universe).toBe("vanilla");
    expect(s.queue).toBe("queue 3");
    expect(s.request_cpus).toBe("1");
    expect(s.request_memory).toBe("2G");
    expect(s.should_transfer_files).toBe("NO");
    expect(s.environment).toBe(`"GLIBC_TUNABLES=${MALLOC_TUNABLES}"`);
    const env = condorEnvironment(s.environment!);
    // DAG: both nodes, the merge the child of the shards, and nothing after it.
    const lines = dag!.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines).toEqual(["JOB shards shards.sub", "RETRY shards 1", "JOB merge merge.sub", "PARENT shards CHILD merge"]);
    for (let p = 0; p < 2; p++) runJob([s.executable!, ...condorWords(s.arguments!).map((w) => w.replace("$(Process)", String(p)))], env);

    // Resumed with shard 2 missing: a description queueing it alone, the DAG unchanged.
    const resumed = await submit(spec, "condor", { dryRun: true, resume: true });
    expect(resumed.shards).toEqual([2]);
    const r2 = submitFields(readFileSync(resumed.files[0]!, "utf8"));
    expect(r2.queue).toBe("queue shard in (2)");
    runJob([r2.executable!, ...condorWords(r2.arguments!).map((w) => w.replace("$(shard)", "2"))], condorEnvironment(r2.environment!));
    // With every shard done, only the merge is left to run.
    const mergeOnly = await submit(spec, "condor", { dryRun: true, resume: true });
    expect(mergeOnly.shards).toEqual([]);
    expect(readFileSync(mergeOnly.files[2]!, "utf8").split("\n").filter((l) => l && !l.startsWith("#"))).toEqual(["JOB merge merge.sub"]);
    const m = submitFields(mergeSub!);
    expect(m.queue).toBe("queue");
    runJob([m.executable!, ...condorWords(m.arguments!)], condorEnvironment(m.environment!));
    expectSameOutputs(single, spec.config.output.dir);
    expect((await submit(spec, "condor", { dryRun: true, resume: true })).message).toMatch(/nothing to resume: every shard is done and the outputs exist/);
  });

  it("Kubernetes: the Indexed Job's command per JOB_COMPLETION_INDEX and the merge Job give the single run's bytes", async () => {
    const { spec, single } = await prepare("k8s");
    const r = await submit({ ...spec, image: "registry.example/sxflow:1", pvc: "analysis", mount: "/data", mem: "2Gi" }, "k8s", { dryRun: true, resume: false });
    const job = parse(readFileSync(r.files[0]!, "utf8"));
    expect(job).toMatchObject({ apiVersion: "batch/v1", kind: "Job", spec: { completionMode: "Indexed", completions: 3, parallelism: 3 } });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.volumes).toEqual([{ name: "data", persistentVolumeClaim: { claimName: "analysis" } }]);
    const container = pod.containers[0];
    expect(container).toMatchObject({ image: "registry.example/sxflow:1", resources: { requests: { cpu: "1", memory: "2Gi" } }, volumeMounts: [{ name: "data", mountPath: "/data" }] });
    expect(container.command.slice(0, 2)).toEqual(["sh", "-c"]);
    expect(container.env).toEqual([{ name: "GLIBC_TUNABLES", value: MALLOC_TUNABLES }]);
    const env = (c: { env: { name: string; value: string }[] }) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    for (const i of [2, 0]) runJob(container.command, { ...env(container), JOB_COMPLETION_INDEX: String(i) });
    // Resumed with shard 1 missing: one completion, whose index 0 picks shard 1 from the list.
    const resumed = parse(readFileSync((await submit({ ...spec, image: "i" }, "k8s", { dryRun: true, resume: true })).files[0]!, "utf8"));
    expect(resumed.spec).toMatchObject({ completionMode: "Indexed", completions: 1, parallelism: 1 });
    runJob(resumed.spec.template.spec.containers[0].command, { ...env(resumed.spec.template.spec.containers[0]), JOB_COMPLETION_INDEX: "0" });

    const merge = parse(readFileSync(r.files[1]!, "utf8"));
    expect(merge.kind).toBe("Job");
    const init = merge.spec.template.spec.initContainers[0];
    // The wait ends once the three shard directories exist (they do now).
    runJob(init.command);
    expect(merge.spec.template.spec.containers[0].env).toEqual(container.env);
    runJob(merge.spec.template.spec.containers[0].command, env(merge.spec.template.spec.containers[0]));
    expectSameOutputs(single, spec.config.output.dir);
  });
});
