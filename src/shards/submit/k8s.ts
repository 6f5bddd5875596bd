import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { VERSION } from "../../version.js";
import { jobName, jobsDir, MALLOC_TUNABLES, mergeArgs, shardArgs, shQuote } from "./job.js";
import type { JobSpec } from "./job.js";

const run = promisify(execFile);

function podSpec(spec: JobSpec, container: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const mounts = spec.pvc ? { volumeMounts: [{ name: "data", mountPath: spec.mount ?? "/data" }] } : {};
  const resources = { requests: { cpu: String(spec.cpus), ...(spec.mem ? { memory: spec.mem } : {}) } };
  return {
    restartPolicy: "Never",
    ...extra,
    containers: [{ ...container, image: spec.image ?? `sxflow:${VERSION}`, env: [{ name: "GLIBC_TUNABLES", value: MALLOC_TUNABLES }], resources, ...mounts }],
    ...(spec.pvc ? { volumes: [{ name: "data", persistentVolumeClaim: { claimName: spec.pvc } }] } : {}),
  };
}

/**
 * An Indexed Job with one completion per shard (the shard number from JOB_COMPLETION_INDEX, or
 * for a resubmission from a list of the missing ones), and a merge Job that first waits until
 * every shard directory exists: Kubernetes has no dependencies between Jobs.
 */
export function k8sManifests(spec: JobSpec, shards: number[]): { shards: string; merge: string } {
  const name = jobName(spec.config);
  const all = shards.length === spec.shards && shards.every((s, i) => s === i);
  const shardDir = path.join(spec.config.output.dir, "shards");
  // The shell turns the completion index into the shard number, through the list when resubmitting.
  const pick = all ? `shard=$JOB_COMPLETION_INDEX` : `set -- ${shards.join(" ")}; shift "$JOB_COMPLETION_INDEX"; shard=$1`;
  const shardWord = `$shard/${spec.shards}`;
  const shardCommand = `${pick}; exec ${shardArgs(spec, "$shard").map((w) => (w === shardWord ? `"${w}"` : shQuote(w))).join(" ")}`;
  const shardJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${name}-shards`, labels: { app: "sxflow", run: name } },
    spec: {
      completionMode: "Indexed",
      completions: shards.length,
      parallelism: shards.length,
      backoffLimit: 2 * shards.length,
      template: { metadata: { labels: { app: "sxflow", run: name } }, spec: podSpec(spec, { name: "shard", command: ["sh", "-c", shardCommand] }) },
    },
  };
  const wait = `until [ "$(ls -d ${shQuote(shardDir)}/*-of-${spec.shards} 2>/dev/null | wc -l)" -ge ${spec.shards} ]; do sleep 10; done`;
  const mergeJob = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${name}-merge`, labels: { app: "sxflow", run: name } },
    spec: {
      backoffLimit: 2,
      template: {
        metadata: { labels: { app: "sxflow", run: name } },
        spec: podSpec(spec, { name: "merge", command: mergeArgs(spec) }, {
          initContainers: [{ name: "wait-for-shards", image: spec.image ?? `sxflow:${VERSION}`, command: ["sh", "-c", wait], ...(spec.pvc ? { volumeMounts: [{ name: "data", mountPath: spec.mount ?? "/data" }] } : {}) }],
        }),
      },
    },
  };
  return { shards: stringify(shardJob), merge: stringify(mergeJob) };
}

/** Writes the manifests; without --dry-run applies them with kubectl. */
export async function submitK8s(spec: JobSpec, shards: number[], dryRun: boolean): Promise<{ files: string[]; output?: string }> {
  const dir = jobsDir(spec.config);
  const m = k8sManifests(spec, shards);
  const files = [path.join(dir, "shards-job.yaml"), path.join(dir, "merge-job.yaml")];
  await writeFile(files[0]!, m.shards);
  await writeFile(files[1]!, m.merge);
  if (dryRun) return { files };
  let output = "";
  for (const f of shards.length > 0 ? files : files.slice(1)) output += (await run("kubectl", ["apply", "-f", f])).stdout;
  return { files, output: output.trim() };
}
