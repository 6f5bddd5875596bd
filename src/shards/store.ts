import { randomUUID } from "node:crypto";
import { readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import type { GroupPlan, TaskHeader } from "../stages/index.js";
import { shardName } from "./assign.js";
import type { ShardId, TaskRange } from "./assign.js";

/**
 * A shard's directory `<output.dir>/shards/<i>-of-<n>/` holds:
 * - `<split>/bucket-<k>.bin` per split and non-empty bucket: the shard's rows as the shuffle's first
 *   pass spilled them (a single run spills the same rows to the same bucket files);
 * - `headers.json`: every task's counters and train statistics, in task order;
 * - `shard.json` (this manifest): what the shard is, what it was made from and the byte count of
 *   each bucket. It is written last, and the directory is renamed into place only when complete.
 */
export interface ShardManifest {
  format: 2;
  sxflowVersion: string;
  /** The resolved configuration, as stored in the SALT files' `config` attribute. */
  config: string;
  shard: ShardId;
  tasks: TaskRange & { total: number };
  /** Shuffle buckets of the whole run; 0 when the run does not shuffle (one bucket in task order). */
  buckets: number;
  rowBytes: number;
  groups: GroupPlan[];
  /** Per split (train, val, test): rows, and bytes of each bucket in `<split>/`. */
  splits: { rows: number; bucketBytes: number[] }[];
  eventsRead: number;
  eventsPassed: number;
  workers: number;
  seconds: number;
  host: string;
}

export const MANIFEST = "shard.json";
export const HEADERS = "headers.json";

export function shardsDir(outputDir: string): string {
  return path.join(outputDir, "shards");
}

export function shardDir(outputDir: string, id: ShardId): string {
  return path.join(shardsDir(outputDir), shardName(id));
}

/** The directory of a split's bucket files in a shard's directory (`bucketFile` names them). */
export function splitDir(dir: string, split: string): string {
  return path.join(dir, split);
}

/** The numbers JSON cannot hold (NaN, infinities, -0), as the tagged strings the headers keep them as. */
const SPECIAL: Record<string, number> = { "#NaN": NaN, "#Inf": Infinity, "#-Inf": -Infinity, "#-0": -0 };

function tagOf(value: number): string | undefined {
  if (Number.isNaN(value)) return "#NaN";
  if (value === Infinity) return "#Inf";
  if (value === -Infinity) return "#-Inf";
  if (Object.is(value, -0)) return "#-0";
  return undefined;
}

/** Whether any number in `value` (objects and arrays, any depth) is one JSON cannot hold. */
function holdsSpecial(value: unknown): boolean {
  if (typeof value === "number") return tagOf(value) !== undefined;
  if (typeof value !== "object" || value === null) return false;
  for (const v of Array.isArray(value) ? (value as unknown[]) : Object.values(value)) if (holdsSpecial(v)) return true;
  return false;
}

/** Puts the numbers back in place of their tags, in place (objects and arrays, any depth). */
function untag(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  if (Array.isArray(value)) {
    // Indexed: `for in` over the histograms' long arrays of numbers enumerates string keys.
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v === "string" && v in SPECIAL) value[i] = SPECIAL[v];
      else if (typeof v === "object") untag(v);
    }
    return;
  }
  const o = value as Record<string, unknown>;
  for (const k in o) {
    const v = o[k];
    if (typeof v === "string" && v in SPECIAL) o[k] = SPECIAL[v];
    else untag(v);
  }
}

/**
 * JSON of task headers with the numbers JSON cannot hold (NaN, infinities, -0) kept as tagged
 * strings: the merge must fold exactly the statistics the shard computed. A replacer function only
 * when one is there: called for every value (hundreds of thousands in a shard's histograms), it
 * costs 3-4 times the plain JSON.stringify.
 */
export function encodeHeaders(headers: readonly TaskHeader[]): string {
  if (!holdsSpecial(headers)) return JSON.stringify(headers);
  return JSON.stringify(headers, (_key, value: unknown) => (typeof value === "number" ? (tagOf(value) ?? value) : value));
}

/**
 * The headers of encodeHeaders. Parsed plainly, then the tags put back by one walk: JSON.parse
 * with a reviver took 10 times as long (0.35-0.45 s of CPU for a shard of 1e7 events at 10.7 %).
 */
export function decodeHeaders(text: string): TaskHeader[] {
  const headers = JSON.parse(text) as TaskHeader[];
  // Every tag is a string starting with "#": none in the text, nothing to walk.
  if (text.includes('"#')) untag(headers);
  return headers;
}

/** Temporary directories of unfinished attempts at a shard start with this. */
function tmpPrefix(id: ShardId): string {
  return `.tmp-${shardName(id)}-`;
}

/** A fresh temporary directory for an attempt at shard `id`; earlier attempts' leftovers are removed. */
export async function attemptDir(outputDir: string, id: ShardId): Promise<string> {
  const parent = shardsDir(outputDir);
  const stale = (await readdir(parent).catch(() => [] as string[])).filter((n) => n.startsWith(tmpPrefix(id)));
  await Promise.all(stale.map((n) => rm(path.join(parent, n), { recursive: true, force: true })));
  return path.join(parent, `${tmpPrefix(id)}${randomUUID()}`);
}

/** Renames a complete attempt into place, replacing an earlier complete run of the same shard. */
export async function commitShard(tmp: string, outputDir: string, id: ShardId): Promise<string> {
  const final = shardDir(outputDir, id);
  const old = `${tmp}.replaced`;
  const replaced = await rename(final, old).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
  await rename(tmp, final);
  if (replaced) await rm(old, { recursive: true, force: true });
  return final;
}
