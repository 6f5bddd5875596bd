import { mkdir, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify as stringifyYaml } from "yaml";
import type { Backend, ServerInfo, TransformRequest } from "./backend.js";
import { UnknownRequestError } from "./backend.js";
import { type CacheRecord, QueryCache, requestHash } from "./cache.js";
import { LOCAL_ENDPOINT, type EndpointConfig, type ServiceXConfig, loadConfig, selectEndpoint } from "./config.js";
import { logDebug } from "../log.js";
import { Semaphore } from "../pool/semaphore.js";
import { DeliverAbortedError, DeliverError, ServiceXError, errorMessage } from "./errors.js";
import { HttpBackend } from "./http-backend.js";
import { LocalBackend } from "./local/backend.js";
import { TransformFailedError, runTransform } from "./poll.js";
import { ProgressDisplay } from "./progress.js";
import { MAX_PRESIGN_SECONDS } from "./s3.js";
import { type DeliverSpec, type Delivery, type SampleRequest, loadSpecFile, sampleRequests, validateSpec } from "./spec.js";

export interface DeliverOptions {
  /** servicex.yaml to use instead of searching for one. */
  configPath?: string;
  /** Name of the api_endpoints entry (default: default-endpoint, else the first). */
  endpoint?: string;
  /** Overrides cache_path. */
  cacheDir?: string;
  /** Directory the configuration search starts from (default: process.cwd()). */
  cwd?: string;
  /** Use this backend instead of the configured endpoint. */
  backend?: Backend;
  /** Resubmit every sample even when cached. */
  ignoreLocalCache?: boolean;
  /** Failed input files are an error (default true); false returns partial results, uncached. */
  failIfIncomplete?: boolean;
  /** Simultaneous file downloads across all samples (default 10). */
  concurrency?: number;
  /** Between status polls (default 5000 ms). */
  pollIntervalMs?: number;
  /** A sample whose request shows no change for this long fails (default 30 min). */
  stallTimeoutMs?: number;
  /** Attempts per download (default 3). */
  downloadAttempts?: number;
  /** First back-off delay for downloads and API retries (default 1000 ms). */
  retryDelayMs?: number;
  /** Per API call timeout (default 300 s). */
  httpTimeoutMs?: number;
  /** Aborting cancels the requests on the server, unless leaveRunningOnAbort. */
  signal?: AbortSignal;
  leaveRunningOnAbort?: boolean;
  /** Progress bars on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /**
   * A display owned by the caller, drawn on instead of deliver's own (and not stopped by deliver):
   * a streaming run adds its conversion counts to the same lines.
   */
  display?: ProgressDisplay;
  /** Overrides the spec's General.Delivery. */
  delivery?: Delivery;
  /** Lifetime of signed URLs in seconds (default and maximum 7 days, the object store's limit). */
  signedUrlLifetimeS?: number;
  /**
   * Each result file as soon as it is available (path or signed URL), while the transform still
   * runs; cached samples report all their files at once.
   */
  onFile?: (sample: string, file: string) => void;
}

/** Sample name -> local result files. */
export type DeliverResult = Record<string, string[]>;

const DEFAULT_TITLE_LIMIT = 128;

/** Longest title the server accepts: capability `long_sample_titles_NNNN`, else 128. */
export function titleLimit(info: ServerInfo): number {
  for (const c of info.capabilities) {
    const m = /^long_sample_titles_(\d+)$/.exec(c);
    if (m) return Number(m[1]);
  }
  return DEFAULT_TITLE_LIMIT;
}

/** The backend for an endpoint entry. */
export function createBackend(endpoint: EndpointConfig, config: ServiceXConfig, options: DeliverOptions = {}): Backend {
  if (endpoint.endpoint === LOCAL_ENDPOINT) {
    const cacheRoot = options.cacheDir ? path.resolve(options.cacheDir) : config.cachePath;
    const because = config.file
      ? `endpoint "${endpoint.name}" in ${config.file} is "local"`
      : "no servicex.yaml or .servicex was found in the working directory, its parents or the home directory";
    return new LocalBackend(path.join(cacheRoot, ".sxflow", "local"), options.cwd ?? process.cwd(), because);
  }
  return new HttpBackend(endpoint.endpoint, endpoint.token, {
    timeoutMs: options.httpTimeoutMs,
    retryDelayMs: options.retryDelayMs,
    configFile: config.file,
  });
}

interface Context {
  backend: Backend;
  cache: QueryCache;
  options: DeliverOptions;
  semaphore: Semaphore;
  progress: ProgressDisplay;
  shortenedFilenames: boolean;
  /** Seconds signed URLs stay valid; undefined for LocalCache delivery. */
  urlLifetimeS: number | undefined;
  info?: Promise<ServerInfo>;
}

/**
 * Runs every sample of `spec` (an object, or the path of a YAML spec in the Python client's
 * format) and returns each sample's local files. Samples run concurrently; when some fail, a
 * DeliverError carries the others' results and each failure.
 */
export async function deliver(spec: DeliverSpec | string, options: DeliverOptions = {}): Promise<DeliverResult> {
  const validated = typeof spec === "string" ? loadSpecFile(spec) : validateSpec(spec);
  const samples = sampleRequests(validated, typeof spec === "string" ? path.resolve(spec) : "spec");
  const config = loadConfig({ configPath: options.configPath, cwd: options.cwd });
  const backend = options.backend ?? createBackend(selectEndpoint(config, options.endpoint), config, options);
  const ctx: Context = {
    backend,
    cache: new QueryCache(options.cacheDir ? path.resolve(options.cacheDir) : config.cachePath),
    options,
    semaphore: new Semaphore(options.concurrency ?? 10),
    progress: options.display ?? new ProgressDisplay(process.stderr, options.progress ?? process.stderr.isTTY === true),
    shortenedFilenames: config.shortenedFilenames,
    urlLifetimeS: signedUrls(options.delivery ?? validated.General?.Delivery) ? (options.signedUrlLifetimeS ?? MAX_PRESIGN_SECONDS) : undefined,
  };
  const settled = await Promise.allSettled(samples.map((s) => deliverSample(ctx, s)));
  if (!options.display) ctx.progress.stop();
  const results: DeliverResult = {};
  const errors: Record<string, Error> = {};
  settled.forEach((r, i) => {
    if (r.status === "fulfilled") results[samples[i].name] = r.value;
    else errors[samples[i].name] = r.reason instanceof Error ? r.reason : new Error(String(r.reason));
  });
  const g = validated.General;
  if (g?.OutputDirectory !== undefined) {
    await writeFileset(path.resolve(g.OutputDirectory), g.OutFilesetName ?? "servicex_fileset", results);
  }
  if (Object.keys(errors).length > 0) {
    const aborted = Object.values(errors).find((e) => e instanceof DeliverAbortedError);
    if (aborted && Object.keys(errors).length === samples.length) throw aborted;
    throw new DeliverError(results, errors);
  }
  return results;
}

function signedUrls(delivery: Delivery | undefined): boolean {
  return delivery === "SignedURLs" || delivery === "URLs";
}

async function writeFileset(dir: string, name: string, results: DeliverResult): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(`${file}.part`, stringifyYaml(results));
  await rename(`${file}.part`, file);
}

async function checkedRequest(ctx: Context, request: TransformRequest): Promise<TransformRequest> {
  ctx.info ??= ctx.backend.info(ctx.options.signal);
  const info = await ctx.info;
  if (!info.codegens.includes(request.codegen)) {
    throw new ServiceXError(
      `codegen "${request.codegen}" is not offered by ${ctx.backend.location} (available: ${info.codegens.join(", ") || "none"})`,
    );
  }
  const limit = titleLimit(info);
  return request.title.length > limit ? { ...request, title: request.title.slice(0, limit) } : request;
}

async function deliverSample(ctx: Context, sample: SampleRequest): Promise<string[]> {
  const { backend, cache, options } = ctx;
  const hash = requestHash(sample.request);
  const ignore = options.ignoreLocalCache === true || sample.ignoreLocalCache;
  let record = await cache.lookup(hash);
  const decision = { sample: sample.name, hash, endpoint: backend.location };
  if (record && ignore) {
    logDebug("cache.miss", { ...decision, reason: "ignoreLocalCache" });
    await cache.remove(hash);
    record = undefined;
  }
  // Signed URLs are never cached (they expire): a completed request is re-attached and signed afresh.
  if (record && ctx.urlLifetimeS === undefined) {
    const present = await cache.presentFiles(record);
    if (present) {
      logDebug("cache.hit", { ...decision, requestId: record.requestId, files: present.length });
      ctx.progress.update(sample.name, { status: "cached" });
      for (const f of present) options.onFile?.(sample.name, f);
      return present;
    }
  }
  if (!record && !ignore) logDebug("cache.miss", { ...decision, reason: "no record" });
  else if (record) logDebug("cache.miss", { ...decision, requestId: record.requestId, reason: ctx.urlLifetimeS === undefined ? `${record.status}, files not all present` : "signed URLs are never cached" });
  // Re-attach to the request a previous run submitted (or completed, with files since lost).
  let requestId = record && record.endpoint === backend.location ? record.requestId : undefined;
  if (requestId !== undefined) {
    try {
      await backend.status(requestId, options.signal);
      logDebug("request.reattach", { ...decision, requestId });
    } catch (err) {
      if (!(err instanceof UnknownRequestError)) throw err;
      logDebug("request.unknown", { ...decision, requestId, reason: "deleted or expired on the server: submitting afresh" });
      requestId = undefined; // deleted or expired on the server: submit afresh
    }
  }
  if (requestId === undefined) {
    const request = await checkedRequest(ctx, sample.request);
    requestId = await backend.submit(request, options.signal);
    logDebug("request.submit", { ...decision, requestId, codegen: request.codegen, resultFormat: request.resultFormat });
    record = {
      hash,
      title: sample.name,
      codegen: request.codegen,
      resultFormat: request.resultFormat,
      ...(request.did !== undefined ? { did: request.did } : {}),
      ...(request.fileList !== undefined ? { fileListLength: request.fileList.length } : {}),
      endpoint: backend.location,
      requestId,
      status: "SUBMITTED",
      submitTime: new Date().toISOString(),
    };
    await cache.put(record);
  }
  const submitted = record as CacheRecord;
  const started = performance.now();
  try {
    const outcome = await runTransform(backend, requestId, cache.dataDir(requestId), {
      pollIntervalMs: options.pollIntervalMs ?? 5000,
      stallTimeoutMs: options.stallTimeoutMs ?? 30 * 60_000,
      failIfIncomplete: options.failIfIncomplete ?? true,
      downloadAttempts: options.downloadAttempts ?? 3,
      retryDelayMs: options.retryDelayMs ?? 1000,
      shortenedFilenames: ctx.shortenedFilenames,
      semaphore: ctx.semaphore,
      ...(ctx.urlLifetimeS !== undefined ? { signedUrlLifetimeS: ctx.urlLifetimeS } : {}),
      signal: options.signal,
      onProgress: (change) => ctx.progress.update(sample.name, { ...change, delivery: ctx.urlLifetimeS === undefined ? "download" : "signed" }),
      onFile: (f) => options.onFile?.(sample.name, f.path),
    });
    logDebug("request.done", { ...decision, requestId, complete: outcome.complete, files: outcome.files.length, seconds: +((performance.now() - started) / 1000).toFixed(3) });
    if (outcome.complete) {
      await cache.put({
        ...submitted,
        title: sample.name,
        status: "COMPLETE",
        completeTime: new Date().toISOString(),
        // Downloads are the cached result; signed URLs leave earlier downloads recorded as they were.
        ...(ctx.urlLifetimeS === undefined ? { files: outcome.files } : {}),
      });
    } else {
      await cache.remove(hash); // partial results are returned but never cached
    }
    return outcome.files.map((f) => f.path);
  } catch (err) {
    throw await sampleFailure(ctx, hash, requestId, err);
  }
}

/** Tidies up after a failed sample and returns the error to report. */
async function sampleFailure(ctx: Context, hash: string, requestId: string, err: unknown): Promise<Error> {
  const { backend, cache, options } = ctx;
  if (err instanceof DeliverAbortedError) {
    if (options.leaveRunningOnAbort) {
      return new DeliverAbortedError(`aborted; request ${requestId} left running on ${backend.location}: run again to re-attach`, {
        requestId,
      });
    }
    await cache.remove(hash);
    try {
      await backend.cancel(requestId);
      return new DeliverAbortedError(`aborted; request ${requestId} canceled on ${backend.location}`, { requestId });
    } catch (cancelErr) {
      return new DeliverAbortedError(`aborted; canceling request ${requestId} failed: ${errorMessage(cancelErr)}`, {
        requestId,
      });
    }
  }
  // After a stall, a failed download or an unreachable server the request may still finish:
  // keep the SUBMITTED record so that the next run re-attaches. Failed requests are forgotten.
  if (err instanceof TransformFailedError) await cache.remove(hash);
  return err instanceof Error ? err : new Error(String(err));
}
