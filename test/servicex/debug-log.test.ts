/**
 * `--verbose` / SXFLOW_LOG=debug: structured logs of what the ServiceX client and a run do, checked
 * on loopback against the fake ServiceX server and its object store (presigned URLs signed with
 * SigV4): requests, retries with their back-off, cache decisions, task timings, and never a token
 * or a signature.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { captureDebugLog, logDebug, logUrl, setDebugLog } from "../../src/log.js";
import { deliver } from "../../src/servicex/index.js";
import { presignGet } from "../../src/servicex/s3.js";
import { HttpByteSource } from "../../src/sources/http-bytes.js";
import { cli } from "../cli/helpers.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";
import { FIXTURES_DIR, REPO_ROOT } from "../shared-data.js";
import { type Env, setup, spec } from "./helpers.js";

const DID = "rucio://user.test:user.test.ttbar.v1";

interface Line {
  time: string;
  level: string;
  event: string;
  [field: string]: unknown;
}

let env: Env | undefined;
let stop: (() => void) | undefined;
afterEach(async () => {
  stop?.();
  setDebugLog(false);
  await env?.cleanup();
  env = undefined;
});

/** Turns debug logs on into a buffer; returns the raw text so far and its parsed lines. */
function capture(): () => { text: string; lines: Line[] } {
  let text = "";
  setDebugLog(true);
  stop = captureDebugLog((line) => void (text += line));
  return () => ({ text, lines: text.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line) });
}

/** Bearer tokens the server saw (the access tokens the client sent). */
function accessTokens(e: Env): string[] {
  return [...new Set(e.server.authHeaders.filter((h): h is string => !!h).map((h) => h.replace(/^Bearer /, "")))];
}

describe("debug logs of the ServiceX client", () => {
  it("logs requests, a retry with its back-off, cache misses and hits, downloads; no token", async () => {
    env = await setup();
    const logs = capture();
    // One 503 on the first status poll: an idempotent call, retried after a back-off.
    env.server.failNext("GET", /^\/servicex\/transformation\/[^/]+$/, 503, "<html>busy</html>");
    env.server.dropDownloads.set("root:::eos.example.org::atlas:user:uproot-HZZ.root", 1);
    await deliver(spec(DID), env.opts);
    await deliver(spec(DID), env.opts);
    const { text, lines } = logs();
    for (const l of lines) {
      expect(l.level).toBe("debug");
      expect(Number.isNaN(Date.parse(l.time))).toBe(false);
    }
    const events = lines.map((l) => l.event);
    const submit = lines.find((l) => l.event === "servicex.request" && l.method === "POST" && String(l.url).endsWith("/servicex/transformation"));
    expect(submit?.url).toBe(`${env.server.url}/servicex/transformation`);
    expect(lines.some((l) => l.event === "servicex.response" && l.status === 503)).toBe(true);
    const retry = lines.find((l) => l.event === "servicex.retry")!;
    expect(retry).toMatchObject({ method: "GET", attempt: 1, reason: "HTTP 503" });
    expect(typeof retry.delayMs).toBe("number");
    expect(lines.find((l) => l.event === "download.retry")).toMatchObject({ attempt: 2, of: 3 });
    expect(lines.filter((l) => l.event === "download.done")).toHaveLength(4);
    // First deliver: no cache record, submitted; second: every file present, nothing requested.
    expect(events.indexOf("cache.miss")).toBeLessThan(events.indexOf("request.submit"));
    expect(lines.find((l) => l.event === "cache.hit")).toMatchObject({ sample: "ttbar", files: 4 });
    expect(env.server.submits()).toBe(1);
    // The client did authenticate, and neither token appears anywhere in the log.
    const tokens = accessTokens(env);
    expect(tokens.length).toBeGreaterThan(0);
    for (const t of [env.server.refreshToken, ...tokens]) expect(text).not.toContain(t);
    expect(events).toContain("servicex.request");
  });

  it("logs presigned range reads and their retries with the signature and credential redacted", async () => {
    env = await setup();
    const data = readFileSync(path.join(FIXTURES_DIR, "root", "uproot-HZZ.root"));
    env.server.putObject("hzz.root", data);
    const url = presignGet(env.server.s3Credentials(), "objects", "hzz.root", 3600);
    const query = new URL(url).searchParams;
    const signature = query.get("X-Amz-Signature")!;
    const credential = query.get("X-Amz-Credential")!;
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    const logs = capture();
    const src = await HttpByteSource.open(url, { retryDelayMs: 5 });
    env.server.unavailable.set("hzz.root", 1);
    // Past the bytes the open fetched, and large enough to be a request of its own.
    const at = data.length - 120_000;
    expect(Buffer.from(await src.read(at, 100_000)).equals(data.subarray(at, at + 100_000))).toBe(true);
    await src.close();
    const { text, lines } = logs();
    const range = lines.filter((l) => l.event === "http.request").at(-1)!;
    expect(range.range).toBe(`${at}-${at + 100_000 - 1}`);
    expect(String(range.url)).toContain("X-Amz-Signature=REDACTED");
    expect(String(range.url)).toContain("X-Amz-Credential=REDACTED");
    expect(String(range.url).startsWith(`${url.slice(0, url.indexOf("?"))}?`)).toBe(true);
    expect(lines.some((l) => l.event === "http.response" && l.status === 503)).toBe(true);
    expect(lines.find((l) => l.event === "http.retry")).toMatchObject({ attempt: 2, of: 3 });
    expect(text).not.toContain(signature);
    expect(text).not.toContain(credential);
    expect(text).not.toContain(env.server.s3Credentials().secretKey);
  });

  it("redacts credentials in URLs and fields, and scrubs strings", () => {
    expect(logUrl("https://u:p@store.example/b/k?X-Amz-Signature=abc&X-Amz-Expires=60&token=t1")).toBe(
      "https://REDACTED:REDACTED@store.example/b/k?X-Amz-Signature=REDACTED&X-Amz-Expires=60&token=REDACTED",
    );
    const logs = capture();
    logDebug("x", { authorization: "Bearer abc", nested: { refresh_token: "r" }, reason: "GET https://h/p?X-Amz-Signature=deadbeef failed; Bearer eyJhbGciOi.x.y" });
    expect(logs().lines.at(-1)).toMatchObject({
      authorization: "REDACTED",
      nested: { refresh_token: "REDACTED" },
      reason: "GET https://h/p?X-Amz-Signature=REDACTED failed; Bearer REDACTED",
    });
  });
});

describe("debug logs of a run", () => {
  const dir = tempDir("debug-log");
  afterEach(() => rmSync(path.join(dir, "out"), { recursive: true, force: true }));
  const config = (): string =>
    writeConfig(dir, {
      tree: "reco",
      samples: [{ name: "ttbar", label: 0, files: [path.join(FIXTURES_DIR, "topcp", "ttbar.parquet")] }],
      objects: { event: { global: true, fields: { met: "met_met_NOSYS" } }, jet: { max: 4, fields: { pt: "jet_pt_NOSYS" } } },
      split: { fractions: { train: 0.8, val: 0.1, test: 0.1 } },
      output: { dir: path.join(dir, "out"), name: "v", compression: "none" },
      report: { html: false },
      batchSize: 2000,
    });

  it("sxflow run --verbose logs the run, its file scans, every task and every phase", async () => {
    const logs = capture();
    const r = await cli(["run", config(), "--verbose", "--workers", "0", "--quiet"]);
    expect(r.code, r.err).toBe(0);
    const { lines } = logs();
    expect(lines.find((l) => l.event === "run.start")).toMatchObject({ workers: 0, samples: 1 });
    expect(lines.find((l) => l.event === "file.scan")).toMatchObject({ entries: 5000, format: "parquet" });
    const tasks = lines.filter((l) => l.event === "task");
    expect(tasks.map((t) => [t.start, t.stop])).toEqual([[0, 2000], [2000, 4000], [4000, 5000]]);
    expect(tasks.every((t) => typeof t.ms === "number")).toBe(true);
    expect(lines.filter((l) => l.event === "run.phase").map((l) => l.phase)).toContain("convert (pass 1)");
  });

  it("SXFLOW_LOG=debug reaches the worker threads", async () => {
    const { stderr } = await promisify(execFile)(process.execPath, ["--import", "tsx", path.join(REPO_ROOT, "src/cli/main.ts"), "run", config(), "--workers", "2", "--quiet"], {
      cwd: REPO_ROOT,
      env: { ...process.env, SXFLOW_LOG: "debug" },
    });
    const lines = stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Line);
    const tasks = lines.filter((l) => l.event === "task");
    expect(tasks).toHaveLength(3);
    expect(tasks.every((t) => typeof t.thread === "number" && t.thread > 0)).toBe(true);
  });
});
