/**
 * One HTTP range GET, checked: the bytes asked for, from the object first seen (ETag and size),
 * with errors that say whether a retry can help.
 */
import http from "node:http";
import https from "node:https";
import { logDebug, logUrl } from "../log.js";
import { displayUrl } from "./byte-source.js";

/** A failed range read; `retryable` for dropped connections, time-outs, 5xx and 429. */
export class RemoteReadError extends Error {
  override name = "RemoteReadError";
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Seconds the server asked to wait (Retry-After), if it did. */
    readonly retryAfterS?: number,
  ) {
    super(message);
  }
}

/** The object is not the one first read: replaced, truncated or grown. */
export class ObjectChangedError extends RemoteReadError {
  override name = "ObjectChangedError";
  constructor(message: string) {
    super(message, false);
  }
}

/** The presigned URL is past its expiry (or the store says so). */
export class UrlExpiredError extends RemoteReadError {
  override name = "UrlExpiredError";
  constructor(message: string) {
    super(message, false);
  }
}

/** What the object looked like at the first read; later reads must match. */
export interface ObjectIdentity {
  size: number;
  etag: string | undefined;
}

export interface RangeResult {
  bytes: Uint8Array;
  identity: ObjectIdentity;
}

export interface RangeRequestOptions {
  /** Required on every read after the first. */
  expect?: ObjectIdentity;
  /** A connection silent for this long is dropped (and the read retried). */
  idleTimeoutMs: number;
  signal?: AbortSignal;
  /** Called with every body chunk's size (transfer accounting). */
  onBytes?: (n: number) => void;
}

const agents = {
  http: new http.Agent({ keepAlive: true }),
  https: new https.Agent({ keepAlive: true }),
};

/** When a presigned URL stops working: X-Amz-Date + X-Amz-Expires, if both are in the query. */
export function signedUrlExpiry(url: string): Date | undefined {
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const date = /^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/.exec(q.get("X-Amz-Date") ?? "");
  const expires = Number(q.get("X-Amz-Expires") ?? NaN);
  if (!date || !Number.isFinite(expires)) return undefined;
  const [, y, mo, d, h, mi, s] = date.map(Number) as number[];
  return new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + expires * 1000);
}

export function expiredMessage(url: string, at: Date | undefined): string {
  return (
    `${displayUrl(url)}: the signed URL has expired${at ? ` (valid until ${at.toISOString()})` : ""}; ` +
    `get fresh URLs (sxflow deliver with Delivery: SignedURLs, or run again)`
  );
}

function s3Error(body: string): string {
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (code || message) return [code, message].filter(Boolean).join(": ");
  const text = body.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

function retryAfter(res: http.IncomingMessage): number | undefined {
  const v = Number(res.headers["retry-after"]);
  return Number.isFinite(v) && v >= 0 ? v : undefined;
}

async function readText(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Checks a response's ETag and total size against the object first seen. */
function checkIdentity(url: string, seen: ObjectIdentity, expect: ObjectIdentity | undefined): void {
  if (!expect) return;
  const changes: string[] = [];
  if (seen.size !== expect.size) changes.push(`size ${expect.size} -> ${seen.size} bytes`);
  if (expect.etag !== undefined && seen.etag !== undefined && seen.etag !== expect.etag) changes.push(`ETag ${expect.etag} -> ${seen.etag}`);
  if (changes.length > 0) {
    throw new ObjectChangedError(`${displayUrl(url)}: the object changed while being read (${changes.join(", ")}); it was replaced on the server: read it again from the start`);
  }
}

/**
 * GET bytes [start, end) of `url`. Without `expect` (the first read) the object may be shorter
 * than `end`: the bytes up to its end are returned with its size.
 */
export function getRange(url: string, start: number, end: number, o: RangeRequestOptions): Promise<RangeResult> {
  const where = `${displayUrl(url)} bytes ${start}-${end - 1}`;
  const secure = url.toLowerCase().startsWith("https:");
  const headers: http.OutgoingHttpHeaders = { Range: `bytes=${start}-${end - 1}` };
  // Signed URLs sign the host only: conditional headers may be added.
  if (o.expect?.etag !== undefined) headers["If-Match"] = o.expect.etag;
  const started = performance.now();
  logDebug("http.request", { method: "GET", url: logUrl(url), range: `${start}-${end - 1}` });
  return new Promise<RangeResult>((resolve, reject) => {
    const req = (secure ? https : http).request(url, { method: "GET", headers, agent: secure ? agents.https : agents.http, signal: o.signal });
    req.setTimeout(o.idleTimeoutMs, () => req.destroy(new RemoteReadError(`${where}: no data for ${o.idleTimeoutMs} ms`, true)));
    req.on("error", (err) => {
      if (o.signal?.aborted) reject(o.signal.reason);
      else reject(err instanceof RemoteReadError ? err : new RemoteReadError(`${where}: ${err.message}`, true));
    });
    req.on("response", (res) => {
      handle(res).then(resolve, (err: unknown) => {
        res.destroy();
        reject(err);
      });
    });
    req.end();

    async function handle(res: http.IncomingMessage): Promise<RangeResult> {
      const status = res.statusCode ?? 0;
      logDebug("http.response", { method: "GET", url: logUrl(url), range: `${start}-${end - 1}`, status, ms: Math.round(performance.now() - started) });
      if (status !== 206) {
        const body = await readText(res).catch(() => "");
        const detail = s3Error(body);
        const text = `${where}: HTTP ${status}${detail ? ` (${detail})` : ""}`;
        if (status === 412) throw new ObjectChangedError(`${displayUrl(url)}: the object changed while being read (its ETag no longer matches ${o.expect?.etag}); it was replaced on the server: read it again from the start`);
        if (status === 416 && o.expect) throw new ObjectChangedError(`${where}: range outside the object (it was ${o.expect.size} bytes); it was replaced on the server`);
        if (status === 403 && /expired/i.test(detail)) throw new UrlExpiredError(expiredMessage(url, signedUrlExpiry(url)));
        if (status === 200) throw new RemoteReadError(`${where}: the server ignores range requests (HTTP 200 with the whole object)`, false);
        if (status >= 500 || status === 429 || status === 408) throw new RemoteReadError(text, true, retryAfter(res));
        throw new RemoteReadError(text, false);
      }
      const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(res.headers["content-range"] ?? ""));
      if (!range) throw new RemoteReadError(`${where}: bad Content-Range ${JSON.stringify(res.headers["content-range"])}`, false);
      const [first, last, total] = [Number(range[1]), Number(range[2]), Number(range[3])];
      const etag = typeof res.headers.etag === "string" ? res.headers.etag : undefined;
      const identity: ObjectIdentity = { size: total, etag };
      checkIdentity(url, identity, o.expect);
      const want = o.expect ? end : Math.min(end, total);
      if (first !== start || last + 1 !== want) throw new RemoteReadError(`${where}: the server sent bytes ${first}-${last} of ${total}`, false);
      const bytes = new Uint8Array(want - start);
      let at = 0;
      try {
        for await (const chunk of res) {
          const c = chunk as Buffer;
          if (at + c.length > bytes.length) throw new RemoteReadError(`${where}: the server sent more bytes than the range`, false);
          bytes.set(c, at);
          at += c.length;
          o.onBytes?.(c.length);
        }
      } catch (err) {
        if (err instanceof RemoteReadError || o.signal?.aborted) throw err;
        throw new RemoteReadError(`${where}: connection dropped after ${at} of ${bytes.length} bytes (${(err as Error).message})`, true);
      }
      // A connection closed mid-body ends the stream early (or with an error, caught above).
      if (at !== bytes.length) throw new RemoteReadError(`${where}: connection dropped after ${at} of ${bytes.length} bytes`, true);
      return { bytes, identity };
    }
  });
}
