import { readdir, rm, stat } from "node:fs/promises";
import path from "node:path";
import { processAlive } from "./pid.js";

/** Temporaries sxflow leaves in an output directory, each with the pid of the run that made it. */
const PATTERNS: RegExp[] = [
  /^\.sxflow-run-(\d+)$/, // a run's staging directory (output set, HDF5 temporaries, shuffle buckets)
  /^\..+\.(\d+)-[a-z0-9]+\.tmp$/, // an HDF5 file being written
  /\.tmp-(\d+)-[0-9a-f]+$/, // a YAML or JSON file being written
  /^sxflow-shuffle-(\d+)-/, // shuffle buckets
  /^\.sxflow-old-(\d+)$/, // previous outputs moved aside during a commit
];

/** Shuffle directories of versions before the pid was in their name; the lock proves them stale. */
const LEGACY = /^sxflow-shuffle-[A-Za-z0-9]{6}$/;

async function size(p: string): Promise<number> {
  const s = await stat(p).catch(() => undefined);
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  const entries = await readdir(p).catch(() => []);
  let total = 0;
  for (const e of entries) total += await size(path.join(p, e));
  return total;
}

/**
 * Removes the temporaries that runs killed without a chance to clean up (SIGKILL, a crash, a
 * power cut) left in `dir`: those whose run is no longer alive. Call it holding the directory's
 * lock. Says what it removed through `notice`.
 */
export async function removeStaleTemporaries(dir: string, notice: (message: string) => void): Promise<void> {
  const stale: string[] = [];
  const pids = new Set<number>();
  for (const name of await readdir(dir)) {
    if (LEGACY.test(name)) {
      stale.push(name);
      continue;
    }
    for (const re of PATTERNS) {
      const m = re.exec(name);
      if (!m) continue;
      const pid = Number(m[1]);
      if (pid !== process.pid && !processAlive(pid)) {
        stale.push(name);
        pids.add(pid);
      }
      break;
    }
  }
  if (stale.length === 0) return;
  let bytes = 0;
  for (const name of stale) {
    const p = path.join(dir, name);
    bytes += await size(p);
    await rm(p, { recursive: true, force: true });
  }
  const who = pids.size > 0 ? ` (pid ${[...pids].join(", ")})` : "";
  notice(`removed ${stale.length} temporar${stale.length === 1 ? "y" : "ies"} of runs that were killed${who} from "${dir}": ${stale.join(", ")} (${(bytes / 2 ** 20).toFixed(1)} MiB)`);
}
