import path from "node:path";
import { type Backend, type ResultFile, type TransformStatus, isTerminal } from "./backend.js";
import type { CachedFile } from "./cache.js";
import { downloadFile, fileSize, localFileName, removeStaleParts, sha1Hex } from "./download.js";
import type { Semaphore } from "../pool/semaphore.js";
import { DeliverAbortedError, ServiceXError, abortReason, sleep } from "./errors.js";
import type { SampleState } from "./progress.js";

export interface TransformRunOptions {
  /** Time between status polls (ms). */
  pollIntervalMs: number;
  /** Give up when nothing changes for this long (ms): no wait is unbounded. */
  stallTimeoutMs: number;
  /** Failed input files are an error (default); false returns the files that succeeded. */
  failIfIncomplete: boolean;
  downloadAttempts: number;
  retryDelayMs: number;
  shortenedFilenames: boolean;
  semaphore: Semaphore;
  /** Hand out presigned URLs valid this many seconds instead of downloading. */
  signedUrlLifetimeS?: number;
  signal?: AbortSignal;
  onProgress?: (change: Partial<SampleState>) => void;
  /** Each result as soon as it is available (downloaded, or its URL signed), while the transform runs. */
  onFile?: (file: CachedFile) => void;
}

export interface TransformOutcome {
  files: CachedFile[];
  /** Inputs that failed to transform, as far as the backend reported them. */
  failedInputs: string[];
  /** Every input file was transformed and downloaded. */
  complete: boolean;
  status: TransformStatus;
}

/** The request ended without a usable result (Fatal, Canceled, Bad Dataset, failed files, no files). */
export class TransformFailedError extends ServiceXError {
  override readonly name = "TransformFailedError";
  /** Inputs that failed, when known: resubmit them as a file list. */
  failedInputs: string[] = [];
}

function listSome(items: string[], n = 3): string {
  return items.slice(0, n).join(", ") + (items.length > n ? ` and ${items.length - n} more` : "");
}

function waitingFor(st: TransformStatus, listed: number): string {
  switch (st.status) {
    case "Submitted":
      return "the server to start the request (status Submitted)";
    case "Lookup":
    case "Pending Lookup":
      return `the dataset lookup to report its files (status ${st.status})`;
    case "Complete":
      return `the result list: the server reports ${st.completed} files completed but lists only ${listed}`;
    default:
      return `transformers (status ${st.status}, ${st.completed + st.failed} of ${st.files || "?"} files done)`;
  }
}


/**
 * Polls one request to its end, downloading each result file (or signing its URL) as soon as it
 * is listed.
 */
export async function runTransform(
  backend: Backend,
  requestId: string,
  dataDir: string,
  o: TransformRunOptions,
): Promise<TransformOutcome> {
  const inner = new AbortController();
  const onOuterAbort = (): void => inner.abort(o.signal?.reason);
  o.signal?.addEventListener("abort", onOuterAbort, { once: true });
  const downloads = new Map<string, Promise<CachedFile>>();
  const failedInputs = new Set<string>();
  await removeStaleParts(dataDir);
  let downloaded = 0;
  let downloadError: unknown;

  const fetchFile = async (file: ResultFile): Promise<CachedFile> => {
    const dest = path.join(dataDir, localFileName(file.name, o.shortenedFilenames, sha1Hex));
    return o.semaphore.run(async () => {
      await downloadFile(dest, file.size, (tmp) => backend.fetch(requestId, file, tmp, inner.signal), {
        attempts: o.downloadAttempts,
        retryDelayMs: o.retryDelayMs,
        signal: inner.signal,
      });
      downloaded++;
      o.onProgress?.({ downloaded });
      return { path: dest, size: file.size ?? (await fileSize(dest)) ?? 0 };
    });
  };
  const lifetime = o.signedUrlLifetimeS;
  if (lifetime !== undefined && !backend.signedUrl) {
    throw new ServiceXError(`${backend.location} has no object store to sign URLs for: use Delivery: LocalCache`, { requestId });
  }
  const signFile = async (file: ResultFile): Promise<CachedFile> => {
    const url = await backend.signedUrl!(requestId, file, lifetime!, inner.signal);
    downloaded++;
    o.onProgress?.({ downloaded });
    return { path: url, size: file.size ?? 0 };
  };

  const start = (file: ResultFile): void => {
    const job = (lifetime === undefined ? fetchFile(file) : signFile(file)).then((f) => {
      o.onFile?.(f);
      return f;
    });
    job.catch((err: unknown) => {
      downloadError ??= err;
    });
    downloads.set(file.name, job);
  };

  try {
    let cursor: string | undefined;
    let lastKey = "";
    let lastChange = Date.now();
    let st: TransformStatus;
    for (;;) {
      if (inner.signal.aborted) throw abortReason(inner.signal);
      st = await backend.status(requestId, inner.signal);
      o.onProgress?.({ status: st.status, files: st.files, completed: st.completed, failed: st.failed });
      const terminal = isTerminal(st.status);
      if (st.completed > downloads.size || terminal) {
        const page = await backend.results(requestId, cursor, inner.signal);
        cursor = page.cursor ?? cursor;
        for (const f of page.failedInputs ?? []) failedInputs.add(f);
        for (const f of page.files) if (!downloads.has(f.name)) start(f);
      }
      if (downloadError !== undefined) throw downloadError;
      if (terminal) {
        terminalError(backend, st);
        if (downloads.size >= st.completed) break;
      }
      const key = `${st.status}|${st.files}|${st.completed}|${st.failed}|${st.activity ?? ""}|${downloads.size}|${downloaded}`;
      const now = Date.now();
      // Downloads in flight are progress of ours, not a stalled server.
      if (key !== lastKey || downloaded < downloads.size) {
        lastKey = key;
        lastChange = now;
      } else if (now - lastChange > o.stallTimeoutMs) {
        throw new ServiceXError(
          `request ${requestId} on ${backend.location} made no progress for ${Math.round((now - lastChange) / 1000)} s while waiting for ${waitingFor(st, downloads.size)}; it is left running: run again to re-attach`,
          { requestId },
        );
      }
      await sleep(o.pollIntervalMs, inner.signal);
    }
    const files = await Promise.all(downloads.values());
    if (st.failed > 0) {
      const link = backend.failureLink?.(requestId);
      const message =
        `request ${requestId}: ${st.failed} of ${st.files} input files failed to transform` +
        (st.failureInfo ? ` (${st.failureInfo})` : failedInputs.size ? ` (${listSome([...failedInputs])})` : "") +
        (link ? `; failed files: ${link}` : "") +
        (st.logUrl ? `; logs: ${st.logUrl}` : "") +
        (o.failIfIncomplete ? " (results not cached; pass failIfIncomplete: false to accept partial results)" : "");
      if (o.failIfIncomplete) {
        const err = new TransformFailedError(message, { requestId });
        err.failedInputs = [...failedInputs];
        throw err;
      }
      process.emitWarning(message);
    }
    return {
      files: files.sort((a, b) => a.path.localeCompare(b.path)),
      failedInputs: [...failedInputs],
      complete: st.failed === 0,
      status: st,
    };
  } catch (err) {
    inner.abort(err);
    await Promise.allSettled(downloads.values());
    if (o.signal?.aborted && !(err instanceof DeliverAbortedError)) throw abortReason(o.signal);
    throw err;
  } finally {
    o.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** Throws the error a terminal status means, if any. */
function terminalError(backend: Backend, st: TransformStatus): void {
  const id = st.requestId;
  const logs = st.logUrl ? `; logs: ${st.logUrl}` : "";
  switch (st.status) {
    case "Fatal":
      throw new TransformFailedError(
        `request ${id} on ${backend.location} failed (Fatal)${st.failureInfo ? `: ${st.failureInfo}` : ""}${logs}`,
        { requestId: id },
      );
    case "Canceled":
      throw new TransformFailedError(`request ${id} on ${backend.location} was canceled`, { requestId: id });
    case "Bad Dataset":
      throw new TransformFailedError(
        `request ${id}: bad dataset: ${st.datasetReason ?? st.failureInfo ?? "the dataset lookup failed"}`,
        { requestId: id },
      );
    case "Complete":
      if (st.files === 0) {
        throw new TransformFailedError(`request ${id}: the dataset has no files (transform completed with 0 input files)`, {
          requestId: id,
        });
      }
  }
}
