import { randomBytes } from "node:crypto";
import { linkSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HOST, processAlive } from "./pid.js";

export const LOCK_NAME = ".sxflow.lock";
/** Held (created exclusively) by the one run taking over a stale lock. */
const TAKEOVER_SUFFIX = ".takeover";
/** How long a run waits for another one's takeover of a stale lock to finish. */
const TAKEOVER_WAIT_MS = 5000;
const TAKEOVER_POLL_MS = 10;

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function parse(text: string | undefined): LockInfo | undefined {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as LockInfo);
  } catch {
    return undefined;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Creates `file` holding `text` only if no file has that name, atomically with its content (a
 * hard link of a complete temporary): another run never reads a lock half-written. Returns false
 * if the name is taken.
 */
function createExclusive(file: string, text: string): boolean {
  // Named like sxflow's other temporaries, so that one left by a killed run is removed later.
  const temp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  writeFileSync(temp, text, { flag: "wx" });
  try {
    linkSync(temp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST") return false;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "ENOSYS") throw err;
  } finally {
    unlinkSync(temp);
  }
  // A file system without hard links: exclusive creation, then the content.
  try {
    writeFileSync(file, text, { flag: "wx" });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  }
}

type Takeover = "removed" | "changed" | "busy";

/**
 * Removes the lock `file` that was read as `judged` and found stale, unless it changed since.
 * Runs that find the same stale lock at once must not both remove it (the second would remove the
 * first one's new lock): the removal happens only while holding the takeover marker, created
 * exclusively, after reading the lock again under it.
 */
function takeOver(file: string, judged: string | undefined): Takeover {
  const marker = `${file}${TAKEOVER_SUFFIX}`;
  if (!createExclusive(marker, `${JSON.stringify({ pid: process.pid, host: HOST, started: new Date().toISOString() })}\n`)) {
    const owner = parse(readText(marker));
    if (owner && owner.host === HOST && !processAlive(owner.pid)) {
      throw new Error(
        `the takeover of the stale lock "${file}" by pid ${owner.pid} was interrupted (that run was killed); ` +
          `remove "${marker}" and "${file}" if no sxflow run is writing there`,
      );
    }
    return "busy";
  }
  try {
    if (readText(file) !== judged) return "changed";
    unlinkSync(file);
    return "removed";
  } finally {
    unlinkSync(marker);
  }
}

/**
 * Takes `<dir>/.sxflow.lock` (created exclusively, holding pid, host and start time), so that a
 * second run into the same directory refuses instead of both claiming success. A lock left by a
 * dead process of this machine is taken over (by one run only, when several find it at once), and
 * `notice` says so. Returns the release function. Creating the lock is also the first write into
 * the directory: an unwritable one fails here.
 */
export function acquireLock(dir: string, notice: (message: string) => void): () => void {
  const file = path.join(dir, LOCK_NAME);
  const mine = `${JSON.stringify({ pid: process.pid, host: HOST, started: new Date().toISOString() })}\n`;
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    try {
      if (createExclusive(file, mine)) break;
    } catch (err) {
      throw new Error(`output directory "${dir}" is not writable: cannot create "${file}": ${(err as Error).message}`);
    }
    const text = readText(file);
    if (text === undefined) continue; // released meanwhile: try again
    const other = parse(text);
    if (other && (other.host !== HOST || processAlive(other.pid))) {
      const where = other.host === HOST ? `pid ${other.pid}` : `pid ${other.pid} on ${other.host}`;
      throw new Error(
        `output directory "${dir}" is in use by another sxflow run (${where}, started ${other.started}); ` +
          `wait for it to finish, or remove "${file}" if that run is gone`,
      );
    }
    const outcome = takeOver(file, text);
    if (outcome === "removed") {
      notice(`removed the lock of a run that is no longer running (${other ? `pid ${other.pid}` : "unreadable lock file"}) in "${dir}"`);
    } else if (outcome === "busy") {
      if (Date.now() > deadline) {
        throw new Error(`output directory "${dir}": another run has been taking over the stale lock "${file}" for ${TAKEOVER_WAIT_MS / 1000} s; try again`);
      }
      sleep(TAKEOVER_POLL_MS);
    }
  }
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off("exit", release);
    try {
      unlinkSync(file);
    } catch {
      /* already gone */
    }
  };
  process.on("exit", release);
  return release;
}
