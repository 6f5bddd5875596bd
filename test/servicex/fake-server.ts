/**
 * A ServiceX-compatible server for the tests: the documented REST routes, JSON fields, status
 * strings and error bodies, plus an S3-style object endpoint that checks SigV4 signatures
 * (recomputed here with node:crypto, independently of the client's aws4). Both listen on
 * 127.0.0.1 ephemeral ports. Faults are injected through the public fields. Inputs mapped to
 * local ROOT files in `sources` are really transformed (uproot-raw to parquet) by the local
 * backend's query engine; the others are served as prepared bytes whatever the query.
 */
import { createHash, createHmac, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { runUprootRawFile } from "../../src/servicex/local/query.js";

export interface FakeDataset {
  /** Input paths; their content comes from FakeServiceX.inputs. */
  inputs: string[];
  /** Inputs whose transform fails. */
  failInputs?: string[];
  /** Stays Running without progress. */
  stuck?: boolean;
  /** Goes Fatal after the first file. */
  fatal?: boolean;
  /** Reports one more completed file than it ever lists (ssl-hep/ServiceX#1473). */
  overReport?: boolean;
  /** DID lookup result (Bad Dataset). */
  badDataset?: "does_not_exist" | "bad_name" | "internal_failure";
  /** Input -> extra status polls its transform takes (a file that appears late). */
  slowInputs?: Record<string, number>;
}

interface FakeRequest {
  id: string;
  title: string;
  did?: string;
  fileList?: string[];
  selection: string;
  codegen: string;
  resultFormat: string;
  didId: number;
  inputs: string[];
  dataset: FakeDataset;
  status: string;
  polls: number;
  /** Polls spent so far on the input being transformed (see FakeDataset.slowInputs). */
  waited: number;
  done: number;
  failed: number;
  /** `data`: the output of a really transformed input (else the prepared bytes of `inputs`). */
  results: { input: string; object: string; ok: boolean; createdAt: string; data?: Buffer }[];
  failureInfo: string | null;
}

interface ApiFault {
  method: string;
  path: RegExp;
  status: number;
  body: string;
  times: number;
}

const ACCESS_KEY = "AKFAKEMINIO";
const SECRET_KEY = "SKfake/secret+key";
const REFRESH_TOKEN = "refresh-token-1";

function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function makeJwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${enc({ alg: "HS256", typ: "JWT" })}.${enc(payload)}.${Buffer.from(randomUUID()).toString("base64url")}`;
}

/** Object name the transformer sidecar gives an input's output. */
export function objectName(input: string, format: string): string {
  return input.replace(/\//g, ":") + (format === "parquet" ? ".parquet" : "");
}

function micros(k: number): string {
  // Distinct timestamps with real microsecond digits, naive (no zone) as the server writes them.
  const total = Date.UTC(2026, 3, 2, 9, 14, 3) * 1000 + k * 1_234_567;
  const iso = new Date(Math.floor(total / 1000)).toISOString().slice(0, 19);
  return `${iso}.${String(total % 1_000_000).padStart(6, "0")}`;
}

export class FakeServiceX {
  /** Input path -> bytes of its transformed output. */
  readonly inputs = new Map<string, Buffer>();
  /** Input path -> local ROOT file that uproot-raw parquet requests really transform. */
  readonly sources = new Map<string, string>();
  /** DID without `?files=` -> dataset. */
  readonly datasets = new Map<string, FakeDataset>();
  readonly requests = new Map<string, FakeRequest>();
  readonly log: string[] = [];
  /** Authorization header of every API call, in order. */
  readonly authHeaders: (string | undefined)[] = [];
  readonly s3Log: string[] = [];
  /** Object names whose next N GETs are cut off half way (connection destroyed). */
  readonly dropDownloads = new Map<string, number>();
  /** Object names always served one byte short (the listing keeps the true size). */
  readonly truncate = new Set<string>();
  /** Object names whose next N range GETs are cut off half way (connection destroyed). */
  readonly dropRanges = new Map<string, number>();
  /** Object names whose next N GETs answer 503 SlowDown. */
  readonly unavailable = new Map<string, number>();
  /** Every presigned URL is answered as expired (403 AccessDenied "Request has expired"). */
  expireSignedUrls = false;
  /** Body bytes the object store has sent (range reads and whole downloads). */
  s3BytesSent = 0;
  /** Range GETs answered. */
  s3RangeRequests = 0;
  readonly apiFaults: ApiFault[] = [];
  /** Called with "METHOD /path?query" before each API request is handled (for timed faults). */
  onRequest: ((call: string) => void) | undefined;
  signatureFailures = 0;
  authEnabled = true;
  capabilities = ["poll_local_transformation_results", "long_sample_titles_10240"];
  codegens: Record<string, string> = { "uproot-raw": "sslhep/raw:v1.7", python: "sslhep/python:v1.7" };
  s3PageSize = 2;
  accessTokenLifetimeS = 6 * 3600;
  refreshToken = REFRESH_TOKEN;
  private readonly validAccess = new Set<string>();
  private readonly etags = new WeakMap<Buffer, string>();
  private resultCounter = 0;
  private datasetIds = new Map<string, number>();
  private readonly api = http.createServer((req, res) => this.handleApi(req, res));
  private readonly s3 = http.createServer((req, res) => this.handleS3(req, res));
  url = "";
  s3Host = "";

  async start(): Promise<this> {
    const listen = (s: http.Server): Promise<number> =>
      new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve((s.address() as AddressInfo).port)));
    this.url = `http://127.0.0.1:${await listen(this.api)}`;
    this.s3Host = `127.0.0.1:${await listen(this.s3)}`;
    return this;
  }

  async close(): Promise<void> {
    for (const s of [this.api, this.s3]) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }

  /** The object-store credentials the transformation records hand out. */
  s3Credentials(): { endpoint: string; secure: boolean; accessKey: string; secretKey: string } {
    return { endpoint: this.s3Host, secure: false, accessKey: ACCESS_KEY, secretKey: SECRET_KEY };
  }

  /**
   * Stores `data` as object `key` in `bucket` (a finished request of that id, created when new),
   * replacing an object of that name: for reading the object store without a transform.
   */
  putObject(key: string, data: Buffer, bucket = "objects"): void {
    let r = this.requests.get(bucket);
    if (!r) {
      r = { id: bucket, title: bucket, selection: "", codegen: "uproot-raw", resultFormat: "root-file", didId: 0, inputs: [], dataset: { inputs: [] }, status: "Complete", polls: 0, waited: 0, done: 0, failed: 0, results: [], failureInfo: null };
      this.requests.set(bucket, r);
    }
    const existing = r.results.find((x) => x.object === key);
    if (existing) existing.data = data;
    else r.results.push({ input: key, object: key, ok: true, createdAt: micros(++this.resultCounter), data });
  }

  /** Accepts `token` as a valid access token (as a JupyterHub-issued one would be). */
  allowAccessToken(token: string): void {
    this.validAccess.add(token);
  }

  /** Makes every access token handed out so far invalid (as if it expired). */
  revokeAccessTokens(): void {
    this.validAccess.clear();
  }

  failNext(method: string, path: RegExp, status: number, body: string, times = 1): void {
    this.apiFaults.push({ method, path, status, body, times });
  }

  submits(): number {
    return this.log.filter((l) => l.startsWith("POST /servicex/transformation")).length;
  }

  // ---------------------------------------------------------------- REST API

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    const method = req.method ?? "GET";
    this.log.push(`${method} ${url.pathname}${url.search}`);
    this.authHeaders.push(req.headers.authorization);
    this.onRequest?.(`${method} ${url.pathname}${url.search}`);
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(payload));
    };
    const fault = this.apiFaults.find((f) => f.times > 0 && f.method === method && f.path.test(url.pathname));
    if (fault) {
      fault.times--;
      res.writeHead(fault.status, { "Content-Type": "text/html" });
      res.end(fault.body);
      return;
    }
    if (method === "GET" && url.pathname === "/servicex") {
      send(200, { "app-version": "1.7.2", "code-gen-image": this.codegens, capabilities: this.capabilities });
      return;
    }
    if (method === "POST" && url.pathname === "/token/refresh") {
      if (!this.authEnabled) {
        send(200, { access_token: "authentication_disabled", auth_disabled: true });
        return;
      }
      if (req.headers.authorization !== `Bearer ${this.refreshToken}`) {
        send(401, { message: "Invalid or outdated refresh token" });
        return;
      }
      const token = makeJwt({ sub: "tester", exp: Math.floor(Date.now() / 1000) + this.accessTokenLifetimeS });
      this.validAccess.add(token);
      send(200, { access_token: token, auth_disabled: false });
      return;
    }
    if (this.authEnabled) {
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
      if (!token || !this.validAccess.has(token)) {
        send(401, { message: "Not Authorized: token is missing, invalid or expired" });
        return;
      }
    }
    if (method === "POST" && url.pathname === "/servicex/transformation") {
      this.submit(body, send);
      return;
    }
    let m = /^\/servicex\/transformation\/([^/]+)(\/results|\/cancel)?$/.exec(url.pathname);
    if (m && method === "GET") {
      const r = this.requests.get(m[1]);
      if (!r) {
        send(404, { message: `Transformation request not found with id: ${m[1]}` });
        return;
      }
      if (m[2] === "/cancel") {
        if (this.terminal(r)) send(400, { message: `Transform request with id ${r.id} is not in progress.` });
        else {
          r.status = "Canceled";
          send(200, { message: `Canceled transformation request ${r.id}` });
        }
        return;
      }
      if (m[2] === "/results") {
        const later = url.searchParams.get("later_than") ?? "";
        // Python 3.10 fromisoformat: no trailing Z.
        if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?(\+00:00)?$/.test(later)) {
          send(400, { message: `later_than ${later} is not a valid ISO 8601 timestamp` });
          return;
        }
        const results = r.results
          .filter((x) => x.createdAt > later.replace(/\+00:00$/, ""))
          .map((x, i) => ({
            id: i + 1,
            "file-id": i + 1,
            "request-id": r.id,
            "file-path": x.input,
            "s3-object-name": x.object,
            transform_status: x.ok ? "success" : "failure",
            "total-bytes": x.ok ? this.output(x).length : 0,
            "total-events": 100,
            created_at: x.createdAt,
          }));
        send(200, { results });
        return;
      }
      await this.advance(r);
      send(200, this.record(r));
      return;
    }
    m = /^\/servicex\/datasets\/(\d+)$/.exec(url.pathname);
    if (m && method === "GET") {
      const name = [...this.datasetIds].find(([, id]) => id === Number(m?.[1]))?.[0];
      if (name === undefined) {
        send(404, { message: `Dataset ${m[1]} not found` });
        return;
      }
      const d = this.datasets.get(name.replace(/\?.*$/, ""));
      send(200, { id: Number(m[1]), name, did_finder: "rucio", lookup_status: d?.badDataset ?? (d ? "complete" : "does_not_exist") });
      return;
    }
    send(404, { message: `no route ${method} ${url.pathname}` });
  }

  private submit(body: string, send: (status: number, payload: unknown) => void): void {
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(body) as Record<string, unknown>;
    } catch {
      send(400, { message: "The json request was malformed: not JSON" });
      return;
    }
    if (b["result-destination"] !== "object-store" && b["result-destination"] !== "volume") {
      send(400, { message: "The json request was malformed: result-destination is required" });
      return;
    }
    if (!["parquet", "root-file", "root-rntuple"].includes(String(b["result-format"]))) {
      send(400, { message: `The json request was malformed: bad result-format ${String(b["result-format"])}` });
      return;
    }
    if ((b.did === undefined) === (b["file-list"] === undefined)) {
      send(400, { message: "Must provide did or file-list but not both" });
      return;
    }
    const codegen = String(b.codegen);
    if (!(codegen in this.codegens)) {
      send(500, { message: `Invalid Codegen Image Passed in Request: ${codegen}` });
      return;
    }
    if (codegen === "uproot-raw") {
      let ok = false;
      try {
        const q = JSON.parse(String(b.selection)) as unknown;
        ok = Array.isArray(q) && q.length > 0 && q.every((e) => e && typeof e === "object" && ("treename" in e || "copy_histograms" in e));
      } catch {
        ok = false;
      }
      if (!ok) {
        send(500, { message: "Something went wrong (Failed to generate translation code: bad query)" });
        return;
      }
    }
    const limit = Number(/^long_sample_titles_(\d+)$/.exec(this.capabilities.find((c) => c.startsWith("long_sample")) ?? "")?.[1] ?? 128);
    if (String(b.title ?? "").length > limit) {
      send(500, { message: "Something went wrong (value too long for type character varying)" });
      return;
    }
    if (codegen === "python" && !Buffer.from(String(b.selection), "base64").toString("utf8").includes("def run_query(")) {
      send(500, { message: "Something went wrong (Failed to generate translation code: no run_query function)" });
      return;
    }
    let inputs: string[];
    let dataset: FakeDataset;
    let dsName: string;
    if (typeof b.did === "string") {
      const scheme = /^([a-z]+):\/\//.exec(b.did)?.[1];
      if (scheme && !["rucio", "xrootd", "cernopendata"].includes(scheme)) {
        send(400, { message: `DID scheme is not supported: ${scheme}` });
        return;
      }
      dsName = b.did;
      const base = b.did.replace(/\?.*$/, "");
      const n = Number(/[?&]files=(\d+)/.exec(b.did)?.[1] ?? Infinity);
      dataset = this.datasets.get(base) ?? { inputs: [], badDataset: "does_not_exist" };
      inputs = dataset.inputs.slice(0, n);
    } else {
      inputs = b["file-list"] as string[];
      dsName = sha256hex(inputs.join(" "));
      dataset = { inputs, failInputs: inputs.filter((i) => !this.inputs.has(i) && !this.sources.has(i)) };
    }
    if (!this.datasetIds.has(dsName)) this.datasetIds.set(dsName, this.datasetIds.size + 1);
    const id = randomUUID();
    this.requests.set(id, {
      id,
      title: String(b.title ?? ""),
      ...(typeof b.did === "string" ? { did: b.did } : { fileList: inputs }),
      selection: String(b.selection),
      codegen,
      resultFormat: String(b["result-format"]),
      didId: this.datasetIds.get(dsName) as number,
      inputs,
      dataset,
      status: "Submitted",
      polls: 0,
      waited: 0,
      done: 0,
      failed: 0,
      results: [],
      failureInfo: null,
    });
    send(200, { request_id: id });
  }

  private terminal(r: FakeRequest): boolean {
    return ["Complete", "Fatal", "Canceled", "Bad Dataset"].includes(r.status);
  }

  /** What the object store holds for a successful result. */
  private output(x: FakeRequest["results"][number]): Buffer {
    return x.data ?? this.inputs.get(x.input) ?? Buffer.alloc(0);
  }

  /** Runs the request's query on the input's local source file, as a transformer pod would. */
  private async transform(r: FakeRequest, input: string): Promise<Buffer | string> {
    const source = this.sources.get(input)!;
    const dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-fake-transformer-"));
    try {
      const out = path.join(dir, "out.parquet");
      await runUprootRawFile(source, r.selection, out, () => false);
      return readFileSync(out);
    } catch (err) {
      return `Failed to transform input file ${input}: ${(err as Error).message}`;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  /** One status poll moves the request on: Lookup, then one input file per poll. */
  private async advance(r: FakeRequest): Promise<void> {
    if (this.terminal(r)) return;
    r.polls++;
    if (r.polls === 1) {
      r.status = "Lookup";
      return;
    }
    if (r.dataset.badDataset) {
      r.status = "Bad Dataset";
      return;
    }
    r.status = "Running";
    if (r.dataset.stuck) return;
    if (r.dataset.fatal && r.done + r.failed >= 1) {
      r.status = "Fatal";
      r.failureInfo = "transformer pods crashed (OOMKilled)";
      return;
    }
    const input = r.inputs[r.done + r.failed];
    if (input !== undefined && r.waited < (r.dataset.slowInputs?.[input] ?? 0)) {
      r.waited++;
      return;
    }
    r.waited = 0;
    if (input !== undefined) {
      let ok = !(r.dataset.failInputs ?? []).includes(input);
      let data: Buffer | undefined;
      if (ok && this.sources.has(input) && r.codegen === "uproot-raw" && r.resultFormat === "parquet") {
        const out = await this.transform(r, input);
        if (typeof out === "string") {
          ok = false;
          r.failureInfo = out;
        } else data = out;
      }
      if (ok) r.done++;
      else r.failed++;
      r.results.push({ input, object: objectName(input, r.resultFormat), ok, createdAt: micros(++this.resultCounter), ...(data ? { data } : {}) });
    }
    if (r.done + r.failed === r.inputs.length) r.status = "Complete";
  }

  private record(r: FakeRequest): Record<string, unknown> {
    const files = r.status === "Submitted" || r.status === "Lookup" || r.status === "Bad Dataset" ? 0 : r.inputs.length;
    return {
      request_id: r.id,
      title: r.title,
      did: r.did ?? null,
      did_id: r.didId,
      selection: r.selection,
      "result-destination": "object-store",
      "result-format": r.resultFormat,
      status: r.status,
      "failure-info": r.failureInfo,
      files,
      "files-completed": r.done + (r.dataset.overReport && r.done > 0 ? 1 : 0),
      "files-failed": r.failed,
      "files-remaining": files === 0 ? null : files - r.done - r.failed,
      "submit-time": "2026-04-02T09:14:03.204311Z",
      "finish-time": this.terminal(r) ? "2026-04-02T09:20:00.000000Z" : "None",
      "minio-endpoint": this.s3Host,
      "minio-secured": false,
      "minio-access-key": ACCESS_KEY,
      "minio-secret-key": SECRET_KEY,
      "log-url": `${this.url}/logs/${r.id}`,
    };
  }

  // ---------------------------------------------------------------- S3

  /**
   * Recomputes the SigV4 signature of a request, given in the Authorization header or in the
   * query string (a presigned URL); returns why it is invalid, if it is.
   */
  private signatureProblem(req: http.IncomingMessage): { status: number; code: string; message: string } | undefined {
    const denied = (message: string): { status: number; code: string; message: string } => ({ status: 403, code: "SignatureDoesNotMatch", message });
    const raw = req.url ?? "/";
    const q = raw.indexOf("?");
    const rawPath = q < 0 ? raw : raw.slice(0, q);
    const params = (q < 0 ? "" : raw.slice(q + 1))
      .split("&")
      .filter(Boolean)
      .map((kv) => {
        const [k, v = ""] = kv.split("=");
        return [decodeURIComponent(k!), decodeURIComponent(v)] as [string, string];
      });
    const query = new Map(params);
    const presigned = query.has("X-Amz-Signature");
    let key: string, date: string, region: string, signedHeaders: string, signature: string, amzDate: string, payloadHash: string;
    if (presigned) {
      const cred = /^([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request$/.exec(query.get("X-Amz-Credential") ?? "");
      if (query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || !cred) return denied("malformed presigned URL");
      [, key, date, region] = cred as unknown as [string, string, string, string];
      signedHeaders = query.get("X-Amz-SignedHeaders") ?? "";
      signature = query.get("X-Amz-Signature") ?? "";
      amzDate = query.get("X-Amz-Date") ?? "";
      payloadHash = "UNSIGNED-PAYLOAD";
    } else {
      const auth = req.headers.authorization ?? "";
      const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
      if (!m) return denied("missing or malformed Authorization header");
      [, key, date, region, signedHeaders, signature] = m as unknown as [string, string, string, string, string, string];
      amzDate = String(req.headers["x-amz-date"] ?? "");
      payloadHash = String(req.headers["x-amz-content-sha256"] ?? "");
      if (payloadHash !== sha256hex("")) return denied("x-amz-content-sha256 is not the hash of the empty body");
    }
    if (key !== ACCESS_KEY) return denied("unknown access key");
    if (!amzDate.startsWith(date)) return denied("x-amz-date does not match the credential date");
    const stamp = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
    const names = signedHeaders.split(";");
    if (!names.includes("host")) return denied("host is not signed");
    const canonicalUri = rawPath
      .split("/")
      .map((seg) => rfc3986(decodeURIComponent(seg)))
      .join("/");
    const canonicalQuery = params
      .filter(([k]) => k !== "X-Amz-Signature")
      .map(([k, v]) => [rfc3986(k), rfc3986(v)])
      .sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0))
      .map(([k, v]) => `${k}=${v}`)
      .join("&");
    const canonicalHeaders = names.map((n) => `${n}:${String(req.headers[n] ?? "").trim().replace(/\s+/g, " ")}\n`).join("");
    const canonicalRequest = [req.method, canonicalUri, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join("\n");
    const scope = `${date}/${region}/s3/aws4_request`;
    const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256hex(canonicalRequest)].join("\n");
    const kSigning = hmac(hmac(hmac(hmac(`AWS4${SECRET_KEY}`, date), region), "s3"), "aws4_request");
    const expected = createHmac("sha256", kSigning).update(toSign).digest("hex");
    if (expected !== signature) return denied("SignatureDoesNotMatch");
    if (presigned) {
      // MinIO: at most 7 days; checked after the signature, as S3 does.
      const expires = Number(query.get("X-Amz-Expires"));
      if (!Number.isInteger(expires) || expires < 1 || expires > 604800) return { status: 403, code: "AuthorizationQueryParametersError", message: "X-Amz-Expires must be between 1 and 604800 seconds" };
      if (this.expireSignedUrls || Date.now() > stamp + expires * 1000) return { status: 403, code: "AccessDenied", message: "Request has expired" };
    } else if (Math.abs(Date.now() - stamp) > 15 * 60_000) {
      return denied("request time too skewed");
    }
    return undefined;
  }

  private handleS3(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.s3Log.push(`${req.method} ${req.url}`);
    const xmlError = (status: number, code: string, message: string): void => {
      res.writeHead(status, { "Content-Type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
    };
    const problem = this.signatureProblem(req);
    if (problem) {
      if (problem.code === "SignatureDoesNotMatch") this.signatureFailures++;
      xmlError(problem.status, problem.code, problem.message);
      return;
    }
    const url = new URL(req.url ?? "/", `http://${this.s3Host}`);
    const [bucket, ...rest] = url.pathname.slice(1).split("/").map(decodeURIComponent);
    const r = this.requests.get(bucket);
    if (!r) {
      xmlError(404, "NoSuchBucket", `bucket ${bucket} does not exist`);
      return;
    }
    const objects = r.results.filter((x) => x.ok).map((x) => ({ key: x.object, data: this.output(x) }));
    if (rest.length === 0) {
      const start = Number(url.searchParams.get("continuation-token") ?? 0);
      const page = objects.slice(start, start + this.s3PageSize);
      const truncated = start + this.s3PageSize < objects.length;
      const contents = page.map((o) => `<Contents><Key>${o.key}</Key><Size>${o.data.length}</Size></Contents>`).join("");
      res.writeHead(200, { "Content-Type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>${bucket}</Name>${contents}<IsTruncated>${truncated}</IsTruncated>` +
          (truncated ? `<NextContinuationToken>${start + this.s3PageSize}</NextContinuationToken>` : "") +
          `</ListBucketResult>`,
      );
      return;
    }
    const key = rest.join("/");
    const obj = objects.find((o) => o.key === key);
    if (!obj) {
      xmlError(404, "NoSuchKey", `no object ${key}`);
      return;
    }
    const unavailable = this.unavailable.get(key) ?? 0;
    if (unavailable > 0) {
      this.unavailable.set(key, unavailable - 1);
      res.setHeader("Retry-After", "0");
      xmlError(503, "SlowDown", "Please reduce your request rate.");
      return;
    }
    const etag = this.etag(obj.data);
    const range = req.headers.range;
    if (range !== undefined) {
      this.serveRange(req, res, key, obj.data, etag, range, xmlError);
      return;
    }
    const drops = this.dropDownloads.get(key) ?? 0;
    if (drops > 0) {
      this.dropDownloads.set(key, drops - 1);
      res.writeHead(200, { "Content-Length": obj.data.length });
      this.s3BytesSent += obj.data.length >> 1;
      res.write(obj.data.subarray(0, obj.data.length >> 1), () => res.socket?.destroy());
      return;
    }
    const data = this.truncate.has(key) ? obj.data.subarray(0, obj.data.length - 1) : obj.data;
    this.s3BytesSent += data.length;
    res.writeHead(200, { "Content-Length": data.length, "Content-Type": "application/octet-stream", ETag: etag });
    res.end(data);
  }

  /** S3's ETag of a single-part object: its MD5, quoted (computed once per content). */
  private etag(data: Buffer): string {
    let e = this.etags.get(data);
    if (e === undefined) {
      e = `"${createHash("md5").update(data).digest("hex")}"`;
      this.etags.set(data, e);
    }
    return e;
  }

  /** A `Range: bytes=a-b` GET as S3 answers it: 206 with Content-Range, 416 outside, 412 on a stale If-Match. */
  private serveRange(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    key: string,
    data: Buffer,
    etag: string,
    range: string,
    xmlError: (status: number, code: string, message: string) => void,
  ): void {
    const ifMatch = req.headers["if-match"];
    if (ifMatch !== undefined && ifMatch !== etag) {
      xmlError(412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold");
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(range);
    const first = m ? Number(m[1]) : NaN;
    if (!m || first >= data.length) {
      res.setHeader("Content-Range", `bytes */${data.length}`);
      xmlError(416, "InvalidRange", "The requested range is not satisfiable");
      return;
    }
    const last = Math.min(data.length - 1, m[2] ? Number(m[2]) : data.length - 1);
    const body = data.subarray(first, last + 1);
    this.s3RangeRequests++;
    const headers = { "Content-Length": body.length, "Content-Range": `bytes ${first}-${last}/${data.length}`, ETag: etag, "Accept-Ranges": "bytes" };
    const drops = this.dropRanges.get(key) ?? 0;
    if (drops > 0) {
      this.dropRanges.set(key, drops - 1);
      res.writeHead(206, headers);
      this.s3BytesSent += body.length >> 1;
      res.write(body.subarray(0, body.length >> 1), () => res.socket?.destroy());
      return;
    }
    this.s3BytesSent += body.length;
    res.writeHead(206, headers);
    res.end(body);
  }
}
