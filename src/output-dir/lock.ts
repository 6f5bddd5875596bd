import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HOST, processAlive } from "./pid.js";

export const LOCK_NAME = ".sxflow.lock";

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function readLock(file: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as LockInfo;
  } catch {
    return undefined;
  }
}

/**
 * Takes `<dir>/.sxflow.lock` (created exclusively, holding pid, host and start time), so that a
 * second run into the same directory refuses instead of both claiming success. A lock left by a
 * dead process of this machine is taken over, and `notice` says so. Returns the release function.
 * Creating the lock is also the first write into the directory: an unwritable one fails here.
 */
export function acquireLock(dir: string, notice: (message: string) => void): () => void {
  const file = path.join(dir, LOCK_NAME);
  const mine: LockInfo = { pid: process.pid, host: HOST, started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify(mine)}\n`, { flag: "wx" });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "EEXIST" || attempt > 0) {
        throw new Error(`output directory "${dir}" is not writable: cannot create "${file}": ${(err as Error).message}`);
      }
      const other = readLock(file);
      if (other && (other.host !== HOST || processAlive(other.pid))) {
        const where = other.host === HOST ? `pid ${other.pid}` : `pid ${other.pid} on ${other.host}`;
        throw new Error(
          `output directory "${dir}" is in use by another sxflow run (${where}, started ${other.started}); ` +
            `wait for it to finish, or remove "${file}" if that run is gone`,
        );
      }
      notice(`removed the lock of a run that is no longer running (${other ? `pid ${other.pid}` : "unreadable lock file"}) in "${dir}"`);
      unlinkSync(file);
    }
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    try { unlinkSync(file); } catch { /* already gone */ }
  };
  process.on("exit", release);
  return release;
}
