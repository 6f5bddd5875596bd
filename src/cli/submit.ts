import path from "node:path";
import { parseCommandArgs } from "./args.js";
import { loadRunConfig } from "../config/index.js";
import { submit, submitStatus } from "../shards/index.js";
import type { Engine, JobSpec } from "../shards/index.js";

const HELP = `Usage: sxflow submit <config.yaml> --shards N (--slurm | --condor | --k8s) [options]

Runs a configuration as N shards on a batch system, then merges them into the outputs of a single
"sxflow run" (byte for byte). Job files and logs go to output.dir/shards/jobs/; the configuration,
its inputs and output.dir must be on a file system every job sees (see docs/scale-out.md).

Engines:
  --slurm          a job array (one task per shard) and a merge job with --dependency=afterok
  --condor         an HTCondor submit description (queue N) and a DAG that ends with the merge
  --k8s            a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) and a merge Job

Options:
  --shards N       number of shards; each costs 2-3 s of CPU beyond its events, so give each
                   5e7 events or more (submit notes smaller ones)
  --cpus N         CPUs (worker threads) per job (default 1)
  --mem M          memory per job (Slurm: 4G, HTCondor: 4G, Kubernetes: 4Gi)
  --time T         Slurm time limit (e.g. 2:00:00)
  --partition P    Slurm partition
  --image I        Kubernetes container image with sxflow on its PATH (default sxflow:<version>)
  --pvc NAME       Kubernetes PersistentVolumeClaim holding the data, mounted at --mount (default /data)
  --mount PATH
  --sxflow CMD     how jobs start sxflow (default: this node and this sxflow; Kubernetes: sxflow)
  --dry-run        write the job files, submit nothing
  --status         show which shards are done, queued or missing, and whether the run was merged
  --resume         submit again only the shards that are missing (failed or cancelled) and the merge
`;

function positive(name: string, text: string | undefined, fallback?: number): number | undefined {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

export async function run(args: string[]): Promise<number> {
  const parsed = parseCommandArgs("submit", HELP, args, {
    shards: { type: "string" },
    slurm: { type: "boolean" },
    condor: { type: "boolean" },
    k8s: { type: "boolean" },
    cpus: { type: "string" },
    mem: { type: "string" },
    time: { type: "string" },
    partition: { type: "string" },
    image: { type: "string" },
    pvc: { type: "string" },
    mount: { type: "string" },
    sxflow: { type: "string" },
    "dry-run": { type: "boolean" },
    status: { type: "boolean" },
    resume: { type: "boolean" },
  });
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  const usage = (message: string) => {
    process.stderr.write(`sxflow submit: ${message}\n\n${HELP}`);
    return 2;
  };
  if (parsed.positionals.length !== 1) return usage("expected one configuration file");
  const engines = (["slurm", "condor", "k8s"] as const).filter((e) => v[e] === true);
  if (engines.length !== 1) return usage("choose one engine: --slurm, --condor or --k8s");
  const engine: Engine = engines[0]!;
  let shards: number;
  let cpus: number;
  try {
    shards = positive("shards", v.shards)!;
    cpus = positive("cpus", v.cpus, 1)!;
  } catch (err) {
    return usage((err as Error).message);
  }
  if (shards === undefined) return usage("--shards N is required");
  try {
    const configPath = path.resolve(parsed.positionals[0]!);
    const config = await loadRunConfig(configPath);
    // This very sxflow (node, its loader flags and entry script), unless the jobs run it another way.
    const here = [process.execPath, ...process.execArgv, process.argv[1]!];
    const sxflow = v.sxflow !== undefined ? v.sxflow.split(" ").filter(Boolean) : engine === "k8s" ? ["sxflow"] : here;
    const spec: JobSpec = { configPath, config, shards, sxflow, cpus, mem: v.mem, time: v.time, partition: v.partition, image: v.image, pvc: v.pvc, mount: v.mount };
    if (v.status) {
      process.stdout.write(await submitStatus(spec, engine));
      return 0;
    }
    const r = await submit(spec, engine, { dryRun: v["dry-run"] === true, resume: v.resume === true });
    for (const f of r.files) process.stdout.write(`wrote ${f}\n`);
    process.stdout.write(`${r.message}\n`);
    if (r.notice) process.stderr.write(`sxflow submit: note: ${r.notice}\n`);
    return 0;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    // A missing sbatch/condor_submit_dag/kubectl: say so, and how to get the files alone.
    const message = e.code === "ENOENT" && e.path ? `${e.path} not found: is the engine's client installed here? (--dry-run writes the job files only)` : e.message;
    process.stderr.write(`sxflow submit: ${message}${e.stderr ? `\n${e.stderr.trim()}` : ""}\n`);
    return 1;
  }
}
