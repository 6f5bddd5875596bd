import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { QueryCache, deliver, requestHash, sampleRequests, validateSpec } from "../../src/servicex/index.js";
import { REPO_ROOT } from "../shared-data.js";
import { type Env, contents, expectedContents, setup, spec } from "./helpers.js";

const DID = "rucio://user.test:user.test.ttbar.v1";
let env: Env;

afterEach(async () => {
  await env?.cleanup();
});

describe("local query cache", () => {
  it("returns completed results without contacting the server, whatever the sample is called", async () => {
    env = await setup();
    const first = await deliver(spec(DID), env.opts);
    const calls = env.server.log.length;
    const again = await deliver(spec(DID, "renamed"), env.opts);
    expect(again.renamed).toEqual(first.ttbar);
    expect(env.server.log.length).toBe(calls);
    const [record] = await new QueryCache(env.cacheDir).list();
    expect(record.status).toBe("COMPLETE");
    expect(record.files).toHaveLength(4);
    // No object-store secrets are ever written to the cache.
    expect(readFileSync(path.join(env.cacheDir, ".sxflow", "db.json"), "utf8")).not.toMatch(/SKfake|AKFAKE|secret/);
  });

  it("keys on what defines the result: a different cut, format or file count is a new request", async () => {
    env = await setup();
    const base = validateSpec(spec(DID));
    const variants = [
      spec(DID, "a", { Query: { tree: "events", branches: ["Muon_Px", "Muon_Py"], cuts: ["NMuon >= 2"] } }),
      spec(DID, "b", { NFiles: 2 }),
      { ...spec(DID, "c"), General: { OutputFormat: "parquet" as const } },
    ];
    const h = requestHash(sampleRequests(base)[0].request);
    for (const v of variants) expect(requestHash(sampleRequests(validateSpec(v))[0].request)).not.toBe(h);
    expect(requestHash(sampleRequests(validateSpec(spec(DID, "other-title")))[0].request)).toBe(h);
  });

  it("re-downloads from the existing request when cached files went missing or changed size", async () => {
    env = await setup();
    const first = await deliver(spec(DID), env.opts);
    rmSync(first.ttbar[0]);
    writeFileSync(first.ttbar[1], "corrupted");
    const again = await deliver(spec(DID), env.opts);
    expect(env.server.submits()).toBe(1);
    expect(contents(again.ttbar)).toEqual(expectedContents(env));
  });

  it("resubmits cleanly when the cached request no longer exists on the server", async () => {
    env = await setup();
    const first = await deliver(spec(DID), env.opts);
    rmSync(first.ttbar[0]);
    env.server.requests.clear(); // deleted on the server (results expired)
    const again = await deliver(spec(DID), env.opts);
    expect(env.server.submits()).toBe(2);
    expect(contents(again.ttbar)).toEqual(expectedContents(env));
  });

  it("ignoreLocalCache resubmits and replaces the record", async () => {
    env = await setup();
    await deliver(spec(DID), env.opts);
    await deliver(spec(DID), { ...env.opts, ignoreLocalCache: true });
    expect(env.server.submits()).toBe(2);
    expect(await new QueryCache(env.cacheDir).list()).toHaveLength(1);
  });

  it("never caches a failed request", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:fatal", { inputs: [...env.expected.keys()], fatal: true });
    await expect(deliver(spec("user.test:fatal"), env.opts)).rejects.toThrow(/Fatal/);
    expect(await new QueryCache(env.cacheDir).list()).toEqual([]);
  });

  it("re-attaches to the running request after the process was killed mid-transform", async () => {
    env = await setup();
    const opts = { ...env.opts, pollIntervalMs: 30 };
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), path.join(REPO_ROOT, "test/servicex/crash-child.ts"), JSON.stringify(spec(DID)), JSON.stringify(opts)],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    // Kill it (no chance to clean up) as soon as its first file is complete on disk.
    const firstDone = (): boolean => {
      const [id] = env.server.requests.keys();
      const d = id === undefined ? "" : path.join(env.cacheDir, id);
      return id !== undefined && existsSync(d) && readdirSync(d).some((f) => !f.includes(".part"));
    };
    for (let i = 0; i < 4000 && !firstDone(); i++) await new Promise((r) => setTimeout(r, 5));
    child.kill("SIGKILL");
    await exited;
    expect(stderr).toBe("");
    expect(env.server.submits()).toBe(1);
    const [record] = await new QueryCache(env.cacheDir).list();
    expect(record.status).toBe("SUBMITTED");

    // A temporary file of a dead process is cleaned up on re-attach.
    const stale = path.join(env.cacheDir, record.requestId, "x.root.part-999999999-abcd");
    mkdirSync(path.dirname(stale), { recursive: true });
    writeFileSync(stale, "half a file");
    const out = await deliver(spec(DID), env.opts);
    expect(env.server.submits()).toBe(1);
    expect(contents(out.ttbar)).toEqual(expectedContents(env));
    expect(existsSync(stale)).toBe(false);
    // The file the killed run completed is not fetched again.
    const firstKey = encodeURIComponent("root:::eos.example.org::atlas:user:uproot-HZZ.root");
    expect(env.server.s3Log.filter((l) => l.endsWith(firstKey))).toHaveLength(1);
  });

  it("lists, deletes and clears records with their files", async () => {
    env = await setup();
    const a = await deliver(spec(DID, "a", { NFiles: 1 }), env.opts);
    await deliver(spec(DID, "b", { NFiles: 2 }), env.opts);
    const cache = new QueryCache(env.cacheDir);
    expect((await cache.list()).map((r) => r.title).sort()).toEqual(["a", "b"]);
    const removed = await cache.delete("a");
    expect(removed.map((r) => r.title)).toEqual(["a"]);
    expect(() => readFileSync(a.a[0])).toThrow();
    expect((await cache.clear()).map((r) => r.title)).toEqual(["b"]);
    expect(await cache.list()).toEqual([]);
  });
});
