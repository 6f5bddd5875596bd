import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { logDebug } from "../log.js";
import { backoffDelay, DEFAULT_ATTEMPTS, DEFAULT_RETRY_DELAY_MS } from "../sources/retry.js";
import { ServiceXError, errorMessage, sleep } from "./errors.js";

export interface DownloadOptions {
  /** Attempts in total (default 3). */
  attempts?: number;
  /** First back-off delay (ms), doubled each attempt with jitter, at most 60 s (default 1000). */
  retryDelayMs?: number;
  signal?: AbortSignal;
}

/** Size of a file, or undefined when it does not exist. */
export async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/**
 * Writes `dest` through `write(tmp)` under a temporary name, checks the size against `expected`,
 * renames; retries with back-off on any failure. A file already present with the expected size
 * is kept (re-attaching to a request after a crash).
 */
export async function downloadFile(
  dest: string,
  expected: number | undefined,
  write: (tmp: string) => Promise<void>,
  options: DownloadOptions = {},
): Promise<void> {
  if (expected !== undefined && (await fileSize(dest)) === expected) {
    logDebug("download.present", { file: dest, bytes: expected });
    return;
  }
  await mkdir(path.dirname(dest), { recursive: true });
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) {
      const delayMs = Math.round(backoffDelay(attempt, options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS));
      logDebug("download.retry", { file: dest, attempt: attempt + 1, of: attempts, delayMs, reason: errorMessage(lastError) });
      await sleep(delayMs, options.signal);
    }
    const tmp = `${dest}.part-${process.pid}-${randomBytes(4).toString("hex")}`;
    const started = performance.now();
    try {
      await write(tmp);
      const size = await fileSize(tmp);
      if (expected !== undefined && size !== expected) {
        throw new ServiceXError(`got ${size} bytes, expected ${expected}`);
      }
      await rename(tmp, dest);
      logDebug("download.done", { file: dest, bytes: size, ms: Math.round(performance.now() - started), attempt: attempt + 1 });
      return;
    } catch (err) {
      await rm(tmp, { force: true });
      if (options.signal?.aborted) throw err;
      lastError = err;
    }
  }
  throw new ServiceXError(`download of ${path.basename(dest)} failed after ${attempts} attempts: ${errorMessage(lastError)}`, {
    cause: lastError,
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temporary download files left in `dir` by processes that no longer exist (crashes). */
export async function removeStaleParts(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const m = /\.part-(\d+)-[0-9a-f]+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await rm(path.join(dir, name), { force: true });
  }
}

export function sha1Hex(s: string): string {
  return createHash("sha1").update(s).digest("hex");
}

/** Local file name for a result object: no path separators or characters shells and Windows dislike. */
export function localFileName(objectName: string, shorten: boolean, hash: (s: string) => string): string {
  const safe = objectName.replace(/[*;:/\\]/g, "_");
  if (shorten && safe.length > 60) return `_${hash(safe).slice(0, 16)}${safe.slice(-40)}`;
  if (safe.length > 200) return `_${hash(safe).slice(0, 16)}${safe.slice(-150)}`;
  return safe;
}
