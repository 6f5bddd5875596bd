import http from "node:http";
import https from "node:https";
import aws4 from "aws4";
import { logDebug, logUrl } from "../log.js";
import { ServiceXError } from "./errors.js";

/** Object-store access as given by the transformation record (never logged or cached). */
export interface S3Credentials {
  /** host[:port] of the MinIO endpoint. */
  endpoint: string;
  secure: boolean;
  accessKey: string;
  secretKey: string;
}

/** RFC 3986 encoding of one path segment or query value, as SigV4 expects. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function objectPath(bucket: string, key?: string): string {
  // Path-style addressing: MinIO does not serve virtual-host buckets by default.
  return key === undefined ? `/${encode(bucket)}` : `/${encode(bucket)}/${key.split("/").map(encode).join("/")}`;
}

/**
 * Sends one SigV4-signed request and resolves with the response, unread. The caller consumes or
 * destroys the body.
 */
export function s3Request(
  creds: S3Credentials,
  method: "GET" | "HEAD",
  bucket: string,
  key: string | undefined,
  query: Record<string, string> = {},
  signal?: AbortSignal,
  idleTimeoutMs = 60_000,
): Promise<http.IncomingMessage> {
  const qs = Object.entries(query)
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join("&");
  const pathWithQuery = objectPath(bucket, key) + (qs ? `?${qs}` : "");
  const signed = aws4.sign(
    { host: creds.endpoint, path: pathWithQuery, method, service: "s3", region: "us-east-1", headers: {} },
    { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
  );
  const url = `${creds.secure ? "https" : "http"}://${creds.endpoint}${signed.path ?? pathWithQuery}`;
  const lib = creds.secure ? https : http;
  const started = performance.now();
  logDebug("s3.request", { method, url: logUrl(url) });
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers: signed.headers as http.OutgoingHttpHeaders, signal }, (res) => {
      logDebug("s3.response", { method, url: logUrl(url), status: res.statusCode, ms: Math.round(performance.now() - started) });
      resolve(res);
    });
    // A connection that goes silent (mid-body too) is dropped so that the download is retried.
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data from ${creds.endpoint} for ${idleTimeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** MinIO refuses presigned URLs valid for longer than 7 days. */
export const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * A presigned GET URL of one object (SigV4 in the query string, host the only signed header), valid
 * for `expiresS` seconds from `now`: anyone holding it can read the object, with range requests.
 */
export function presignGet(creds: S3Credentials, bucket: string, key: string, expiresS: number, now = new Date()): string {
  if (!Number.isInteger(expiresS) || expiresS < 1 || expiresS > MAX_PRESIGN_SECONDS) {
    throw new ServiceXError(`a signed URL's lifetime must be 1 to ${MAX_PRESIGN_SECONDS} seconds (the object store's limit), got ${expiresS}`);
  }
  const amzDate = now.toISOString().replace(/[:-]|\.\d{3}/g, "");
  const unsigned = `${objectPath(bucket, key)}?X-Amz-Expires=${expiresS}&X-Amz-Date=${amzDate}`;
  const signed = aws4.sign(
    { host: creds.endpoint, path: unsigned, method: "GET", service: "s3", region: "us-east-1", signQuery: true, headers: {} },
    { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
  );
  return `${creds.secure ? "https" : "http"}://${creds.endpoint}${signed.path ?? unsigned}`;
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** S3 error XML `<Code>..</Code><Message>..</Message>` as one line. */
export async function s3ErrorText(res: http.IncomingMessage): Promise<string> {
  const body = await readBody(res);
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  return `HTTP ${res.statusCode}${code ? ` ${code}` : ""}${message ? `: ${message}` : ""}`;
}

function xmlUnescape(s: string): string {
  return s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Every object of a bucket (ListObjectsV2, following continuation tokens), skipping "folders". */
export async function listBucket(
  creds: S3Credentials,
  bucket: string,
  signal?: AbortSignal,
): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const query: Record<string, string> = { "list-type": "2" };
    if (token !== undefined) query["continuation-token"] = token;
    const res = await s3Request(creds, "GET", bucket, undefined, query, signal);
    if (res.statusCode !== 200) {
      throw new ServiceXError(`listing bucket ${bucket} on ${creds.endpoint}: ${await s3ErrorText(res)}`);
    }
    const xml = await readBody(res);
    for (const m of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = /<Key>([^<]*)<\/Key>/.exec(m[1])?.[1];
      const size = /<Size>(\d+)<\/Size>/.exec(m[1])?.[1];
      if (key === undefined || key.endsWith("/")) continue;
      out.push({ key: xmlUnescape(key), size: Number(size ?? 0) });
    }
    const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
    const next = /<NextContinuationToken>([^<]*)<\/NextContinuationToken>/.exec(xml)?.[1];
    token = truncated && next ? xmlUnescape(next) : undefined;
  } while (token !== undefined);
  return out;
}
