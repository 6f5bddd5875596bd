import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { VERSION } from "../version.js";
import type { Backend, ResultFile, ResultPage, ServerInfo, TransformRequest, TransformStatus } from "./backend.js";
import { ServiceXError } from "./errors.js";
import { type HttpOptions, ServiceXApi } from "./http.js";
import { type S3Credentials, listBucket, presignGet, s3ErrorText, s3Request } from "./s3.js";

/** The transformation record fields sxflow reads (`GET /servicex/transformation/<id>`). */
interface TransformRecord {
  request_id?: string;
  status?: string;
  "failure-info"?: string | null;
  files?: number | null;
  "files-completed"?: number | null;
  "files-failed"?: number | null;
  "files-remaining"?: number | null;
  did_id?: number;
  "log-url"?: string;
  "minio-endpoint"?: string;
  "minio-secured"?: boolean;
  "minio-access-key"?: string;
  "minio-secret-key"?: string;
}

interface ResultRecord {
  "file-path"?: string;
  "s3-object-name"?: string;
  transform_status?: string;
  "total-bytes"?: number | null;
  created_at?: string;
}

const LOOKUP_REASONS: Record<string, string> = {
  does_not_exist: "Dataset does not exist",
  bad_name: "Bad dataset specification",
  internal_failure: "Internal failure during lookup",
};

/** The capability that says `/results?later_than=` exists. */
export const RESULTS_CAPABILITY = "poll_local_transformation_results";

/** Backend talking to a ServiceX server and its MinIO object store. */
export class HttpBackend implements Backend {
  readonly api: ServiceXApi;
  private infoCache: Promise<ServerInfo> | undefined;
  // Object-store credentials per request, refreshed by every status call; kept in memory only.
  private readonly creds = new Map<string, S3Credentials>();

  constructor(
    readonly location: string,
    refreshToken: string | undefined,
    options: HttpOptions = {},
  ) {
    this.api = new ServiceXApi(location, refreshToken, options);
  }

  info(signal?: AbortSignal): Promise<ServerInfo> {
    this.infoCache ??= this.api
      .call<{ "app-version"?: string; "code-gen-image"?: Record<string, string>; capabilities?: string[] }>(
        "GET",
        "/servicex",
        { what: "server info", auth: false, idempotent: true, signal },
      )
      .then((r) => ({
        version: r["app-version"] ?? "unknown",
        codegens: Object.keys(r["code-gen-image"] ?? {}),
        capabilities: r.capabilities ?? [],
      }));
    this.infoCache.catch(() => {
      this.infoCache = undefined;
    });
    return this.infoCache;
  }

  async submit(request: TransformRequest, signal?: AbortSignal): Promise<string> {
    const body: Record<string, unknown> = {
      title: request.title,
      codegen: request.codegen,
      selection: request.selection,
      "result-destination": "object-store",
      "result-format": request.resultFormat,
      "client-version": `sxflow ${VERSION}`,
    };
    if (request.fileList !== undefined) body["file-list"] = request.fileList;
    else body.did = request.did;
    // A POST is not repeated after a lost response: that could start the transform twice.
    const r = await this.api.call<{ request_id?: string }>("POST", "/servicex/transformation", {
      what: `submit of "${request.title}"`,
      body,
      idempotent: false,
      signal,
    });
    if (typeof r.request_id !== "string") throw new ServiceXError(`ServiceX ${this.location}: submit answered without request_id`);
    return r.request_id;
  }

  async status(requestId: string, signal?: AbortSignal): Promise<TransformStatus> {
    const r = await this.api.call<TransformRecord>("GET", `/servicex/transformation/${requestId}`, {
      what: `status of request ${requestId}`,
      idempotent: true,
      signal,
      notFoundIsUnknown: true,
    });
    if (r["minio-endpoint"] && r["minio-access-key"] && r["minio-secret-key"]) {
      this.creds.set(requestId, {
        endpoint: r["minio-endpoint"],
        secure: r["minio-secured"] === true,
        accessKey: r["minio-access-key"],
        secretKey: r["minio-secret-key"],
      });
    }
    const files = r.files ?? 0;
    const status: TransformStatus = {
      requestId,
      status: r.status ?? "Unknown",
      files,
      completed: r["files-completed"] ?? 0,
      failed: r["files-failed"] ?? 0,
      remaining: files > 0 ? (r["files-remaining"] ?? undefined) : undefined,
    };
    if (r["failure-info"]) status.failureInfo = r["failure-info"];
    if (r["log-url"]) status.logUrl = r["log-url"];
    if (status.status === "Bad Dataset" && typeof r.did_id === "number") {
      status.datasetReason = await this.lookupReason(r.did_id, signal);
    }
    return status;
  }

  private async lookupReason(didId: number, signal?: AbortSignal): Promise<string> {
    try {
      const d = await this.api.call<{ lookup_status?: string; name?: string }>("GET", `/servicex/datasets/${didId}`, {
        what: `dataset ${didId}`,
        idempotent: true,
        signal,
      });
      const reason = LOOKUP_REASONS[d.lookup_status ?? ""] ?? `lookup status "${d.lookup_status ?? "unknown"}"`;
      return d.name ? `${reason}: ${d.name}` : reason;
    } catch (err) {
      return `dataset lookup failed (details unavailable: ${(err as Error).message})`;
    }
  }

  async results(requestId: string, cursor: string | undefined, signal?: AbortSignal): Promise<ResultPage> {
    const info = await this.info(signal);
    if (info.capabilities.includes(RESULTS_CAPABILITY)) return this.resultsSince(requestId, cursor, signal);
    const listing = await listBucket(await this.credentials(requestId, signal), requestId, signal);
    return { files: listing.map((o) => ({ name: o.key, size: o.size })) };
  }

  private async resultsSince(requestId: string, cursor: string | undefined, signal?: AbortSignal): Promise<ResultPage> {
    const r = await this.api.call<{ results?: ResultRecord[] }>("GET", `/servicex/transformation/${requestId}/results`, {
      what: `results of request ${requestId}`,
      // A naive UTC timestamp with the server's own microseconds: the server's fromisoformat
      // rejects a trailing Z, and rounding would return the last file again.
      params: { later_than: cursor ?? "1970-01-01T00:00:00.000000" },
      idempotent: true,
      signal,
      notFoundIsUnknown: true,
    });
    let next = cursor;
    const files: ResultFile[] = [];
    const failedInputs: string[] = [];
    for (const rec of r.results ?? []) {
      if (rec.created_at && (next === undefined || rec.created_at > next)) next = rec.created_at.replace(/Z$/, "");
      if (rec.transform_status !== "success" && rec["file-path"]) failedInputs.push(rec["file-path"]);
      if (rec.transform_status !== "success" || !rec["s3-object-name"]) continue;
      const file: ResultFile = { name: rec["s3-object-name"] };
      if (typeof rec["total-bytes"] === "number") file.size = rec["total-bytes"];
      files.push(file);
    }
    return { files, failedInputs, ...(next === undefined ? {} : { cursor: next }) };
  }

  private async credentials(requestId: string, signal?: AbortSignal): Promise<S3Credentials> {
    let c = this.creds.get(requestId);
    if (c === undefined) {
      await this.status(requestId, signal);
      c = this.creds.get(requestId);
    }
    if (c === undefined) {
      throw new ServiceXError(
        `ServiceX ${this.location}: request ${requestId} has no object-store credentials (is the object store enabled?)`,
        { requestId },
      );
    }
    return c;
  }

  async fetch(requestId: string, file: ResultFile, dest: string, signal?: AbortSignal): Promise<void> {
    const creds = await this.credentials(requestId, signal);
    const res = await s3Request(creds, "GET", requestId, file.name, {}, signal);
    if (res.statusCode !== 200) {
      const text = await s3ErrorText(res);
      if (res.statusCode === 403) this.creds.delete(requestId); // stale keys: fetch fresh ones next attempt
      throw new ServiceXError(`GET ${file.name} from ${creds.endpoint}: ${text}`, { requestId });
    }
    await pipeline(res, createWriteStream(dest));
  }

  async signedUrl(requestId: string, file: ResultFile, expiresS: number, signal?: AbortSignal): Promise<string> {
    return presignGet(await this.credentials(requestId, signal), requestId, file.name, expiresS);
  }

  async cancel(requestId: string): Promise<void> {
    try {
      await this.api.call("GET", `/servicex/transformation/${requestId}/cancel`, {
        what: `cancel of request ${requestId}`,
        idempotent: true,
      });
    } catch (err) {
      // 400 means it already reached a terminal state: nothing left to cancel.
      if (err instanceof ServiceXError && err.details.status === 400) return;
      throw err;
    }
  }

  failureLink(requestId: string): string {
    return `${this.location}/transformation-request/${requestId}/results?status=failure`;
  }
}
