import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/index.js";
import { DeliverAbortedError, DeliverError, type DeliverSpec, QueryCache, type TransformFailedError, deliver } from "../../src/servicex/index.js";
import { ROOT_FIXTURES } from "../shared-data.js";
import { objectName } from "./fake-server.js";
import { type Env, contents, expectedContents, setup, spec } from "./helpers.js";

const DID = "rucio://user.test:user.test.ttbar.v1";
let env: Env;

afterEach(async () => {
  await env?.cleanup();
});

async function failure(p: Promise<unknown>, sample = "ttbar"): Promise<Error> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeliverError) return err.errors[sample];
    return err as Error;
  }
  throw new Error("expected deliver to fail");
}

describe("deliver against a ServiceX-compatible server", () => {
  it("submits, polls, lists /results and downloads every file through signed S3 GETs", async () => {
    env = await setup();
    const out = await deliver(spec(DID), env.opts);
    expect(Object.keys(out)).toEqual(["ttbar"]);
    expect(out.ttbar).toHaveLength(4);
    expect(contents(out.ttbar)).toEqual(expectedContents(env));
    expect(env.server.signatureFailures).toBe(0);
    // The query reached the server as UprootRaw JSON with the cut and branches.
    const [req] = env.server.requests.values();
    expect(JSON.parse(req.selection)).toEqual([{ treename: "events", filter_name: ["Muon_Px", "Muon_Py"], cut: "NMuon >= 1" }]);
    expect(req.resultFormat).toBe("root-file");
    expect(req.codegen).toBe("uproot-raw");
    // later_than was always a naive timestamp the server accepts (no 400s).
    expect(env.server.log.some((l) => l.includes("/results?later_than="))).toBe(true);
    expect(env.server.s3Log.some((l) => l.includes("list-type"))).toBe(false);
    // No temporary files left behind.
    const dir = path.dirname(out.ttbar[0]);
    expect(out.ttbar.every((f) => path.dirname(f) === dir && !f.includes(".part"))).toBe(true);
  });

  it("lists the bucket (paginated ListObjectsV2) when the server lacks the results capability", async () => {
    env = await setup();
    env.server.capabilities = [];
    const out = await deliver(spec(DID, "ttbar", { NFiles: 3 }), env.opts);
    expect(contents(out.ttbar)).toEqual(expectedContents(env, 3));
    expect(env.server.s3Log.filter((l) => l.includes("list-type=2")).length).toBeGreaterThan(1);
    expect(env.server.log.some((l) => l.includes("/results"))).toBe(false);
    const [req] = env.server.requests.values();
    expect(req.did).toBe(`${DID}?files=3`);
  });

  it("rejects a download whose signature is wrong (the fake S3 really checks SigV4)", async () => {
    env = await setup();
    // Tamper with the secret the server hands out: the client's signature can no longer match.
    const server = env.server as unknown as { record: (r: unknown) => Record<string, unknown> };
    const original = server.record.bind(env.server);
    server.record = (r) => ({ ...original(r), "minio-secret-key": "wrong-secret" });
    const err = await failure(deliver(spec(DID), { ...env.opts, downloadAttempts: 2 }));
    expect(err.message).toMatch(/download of .* failed after 2 attempts: .*403 SignatureDoesNotMatch/);
    expect(env.server.signatureFailures).toBeGreaterThan(0);
  });

  it("retries 500s with HTML bodies on idempotent calls and reports a non-JSON submit error verbatim", async () => {
    env = await setup();
    env.server.failNext("GET", /^\/servicex$/, 502, "<html><body><h1>502 Bad Gateway</h1></body></html>", 2);
    env.server.failNext("GET", /^\/servicex\/transformation\/[^/]+$/, 500, "upstream connect error", 1);
    const out = await deliver(spec(DID), env.opts);
    expect(out.ttbar).toHaveLength(4);

    env.server.failNext("POST", /^\/servicex\/transformation$/, 500, "<html><body>Internal Server Error: proxy</body></html>", 1);
    const err = await failure(deliver(spec(DID, "other", { NFiles: 1 }), env.opts), "other");
    expect(err.message).toContain("submit of \"other\" failed: HTTP 500: Internal Server Error: proxy");
  });

  it("refreshes the access token after a 401 and retries the call once", async () => {
    env = await setup();
    const seen: string[] = [];
    // The access token expires just as the first status poll arrives: that poll gets a 401.
    env.server.onRequest = (call) => {
      if (call.startsWith("GET /servicex/transformation/") && seen.length === 0) {
        seen.push("revoked");
        env.server.revokeAccessTokens();
      }
    };
    const out = await deliver(spec(DID), env.opts);
    expect(seen).toEqual(["revoked"]);
    expect(out.ttbar).toHaveLength(4);
    expect(env.server.log.filter((l) => l === "POST /token/refresh").length).toBe(2);
  });

  it("explains a rejected refresh token, naming the configuration file", async () => {
    env = await setup();
    env.server.refreshToken = "regenerated";
    const err = await failure(deliver(spec(DID), env.opts));
    expect(err.message).toContain("rejected the refresh token in");
    expect(err.message).toContain(env.configPath);
    expect(err.message).toContain("Invalid or outdated refresh token");
  });

  it("works without a token against a server with authentication disabled", async () => {
    env = await setup((s) => `api_endpoints:\n  - name: open\n    endpoint: ${s.url}\n`);
    env.server.authEnabled = false;
    const out = await deliver(spec(DID), { ...env.opts, cacheDir: env.cacheDir });
    expect(out.ttbar).toHaveLength(4);
    expect(env.server.log).not.toContain("POST /token/refresh");
  });

  it("retries a connection dropped mid-download and writes the complete file", async () => {
    env = await setup();
    const key = "root:::eos.example.org::atlas:user:uproot-HZZ.root";
    env.server.dropDownloads.set(key, 2);
    const out = await deliver(spec(DID), env.opts);
    expect(contents(out.ttbar)).toEqual(expectedContents(env));
    expect(env.server.s3Log.filter((l) => l.endsWith(encodeURIComponent(key))).length).toBe(3);
  });

  it("fails clearly on a file whose size never matches, and keeps no partial file", async () => {
    env = await setup();
    const key = "root:::eos.example.org::atlas:user:unroot-tree_with_clusters.root";
    env.server.truncate.add(key);
    const err = await failure(deliver(spec(DID), env.opts));
    expect(err.message).toMatch(/download of root___eos\.example\.org__atlas_user_unroot-tree_with_clusters\.root failed after 3 attempts: got \d+ bytes, expected \d+/);
    const [id] = env.server.requests.keys();
    const leftovers = existsSync(path.join(env.cacheDir, id)) ? readdirSync(path.join(env.cacheDir, id)) : [];
    expect(leftovers.filter((f) => f.includes(".part"))).toEqual([]);
  });

  it("times out a request stuck in Running, saying what it waited for", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:stuck", { inputs: ["root://x//a.root"], stuck: true });
    const err = await failure(deliver(spec("user.test:stuck"), env.opts));
    expect(err.message).toMatch(/made no progress for \d+ s while waiting for transformers \(status Running, 0 of 1 files done\)/);
  });

  it("ends Fatal and Bad Dataset requests with the server's reason", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:fatal", { inputs: ["root://eos.example.org//atlas/user/uproot-HZZ.root", "root://x//b.root"], fatal: true });
    env.server.datasets.set("rucio://user.test:badname", { inputs: [], badDataset: "bad_name" });
    const out = deliver(
      {
        Sample: [
          { Name: "fatal", Dataset: "user.test:fatal", Query: { tree: "events" } },
          { Name: "missing", Dataset: { rucio: "user.test:nosuchthing" }, Query: { tree: "events" } },
          { Name: "badname", Dataset: "user.test:badname", Query: { tree: "events" } },
          { Name: "good", Dataset: DID, Query: { tree: "events" }, NFiles: 1 },
        ],
      },
      env.opts,
    );
    const err = (await out.then(
      () => undefined,
      (e: unknown) => e,
    )) as DeliverError;
    expect(err).toBeInstanceOf(DeliverError);
    expect(err.errors.fatal.message).toMatch(/failed \(Fatal\): transformer pods crashed \(OOMKilled\); logs: http/);
    expect(err.errors.missing.message).toContain("bad dataset: Dataset does not exist: rucio://user.test:nosuchthing");
    expect(err.errors.badname.message).toContain("bad dataset: Bad dataset specification");
    expect(err.results.good).toHaveLength(1);
    expect(err.message).toContain('sample "fatal"');
  });

  it("transforms fixture files on the server with the query: parquet holding several trees, and failures with the reason", async () => {
    env = await setup();
    const inputs = ["root://eos.example.org//hzz/a.root", "root://eos.example.org//hzz/b.root"];
    env.server.sources.set(inputs[0], path.join(ROOT_FIXTURES, "uproot-HZZ.root"));
    env.server.sources.set(inputs[1], path.join(ROOT_FIXTURES, "uproot-HZZ-zlib.root"));
    env.server.datasets.set("rucio://user.test:user.test.hzz.v1", { inputs });
    const query = JSON.stringify([
      { treename: { events: "two" }, filter_name: ["NMuon", "Muon_Px"], cut: "NMuon >= 2" },
      { treename: { events: "fewer" }, filter_name: ["NMuon", "Muon_Px"], cut: "NMuon < 2" },
    ]);
    const hzz = (q: string): DeliverSpec => ({
      General: { OutputFormat: "parquet" },
      Sample: [{ Name: "hzz", Dataset: "user.test:user.test.hzz.v1", Query: q }],
    });
    const out = await deliver(hzz(query), env.opts);
    expect(out.hzz.map((f) => path.basename(f)).sort()).toEqual(inputs.map((i) => objectName(i, "parquet").replace(/[:/]/g, "_")).sort());
    for (const file of out.hzz) {
      const reader = await openParquet(file);
      expect(reader.trees.map((t) => t.name)).toEqual(["two", "fewer"]);
      expect(reader.entries).toBe(2421);
      reader.close();
      for (const [tree, pass] of [["two", (n: number) => n >= 2], ["fewer", (n: number) => n < 2]] as const) {
        const r = await openParquet(file, { tree });
        const n = (await r.read(["NMuon"], 0, r.entries)).columns.NMuon!.values as Int32Array;
        expect(Array.from(n).every(pass)).toBe(true);
        r.close();
      }
    }
    // A query the transformer cannot run fails the files, with the transformer's reason.
    const err = await failure(deliver(hzz(JSON.stringify([{ treename: "events", filter_name: ["Muon_Pxx"] }])), env.opts), "hzz");
    expect(err.message).toMatch(/2 of 2 input files failed to transform \(Failed to transform input file root:\/\/eos\.example\.org\/\/hzz\/b\.root: unknown branch "Muon_Pxx" in tree "events"/);
  });

  it("reports failed files with the failure link, or returns the partial result uncached on request", async () => {
    env = await setup();
    const inputs = [...env.expected.keys()];
    env.server.datasets.set("rucio://user.test:flaky", { inputs, failInputs: [inputs[1]] });
    const err = await failure(deliver(spec("user.test:flaky"), env.opts));
    expect(err.message).toMatch(/1 of 4 input files failed to transform \(root:\/\/eos.example.org\/\/atlas\/user\/unroot-tree_with_jagged_array.root\); failed files: http.*\/transformation-request\/.*\/results\?status=failure/);
    expect((err as TransformFailedError).failedInputs).toEqual([inputs[1]]);

    const partial = await deliver(spec("user.test:flaky"), { ...env.opts, failIfIncomplete: false });
    expect(partial.ttbar).toHaveLength(3);
    expect(await new QueryCache(env.cacheDir).list()).toEqual([]);
  });

  it("refuses an unknown codegen and a Rucio DID without scope before submitting", async () => {
    env = await setup();
    let err = await failure(deliver(spec(DID, "ttbar", { Codegen: "atlasr25" }), env.opts));
    expect(err.message).toContain('codegen "atlasr25" is not offered by');
    expect(err.message).toContain("available: uproot-raw, python");
    await expect(deliver(spec("no_scope_dataset"), env.opts)).rejects.toThrow(/needs a scope: write it as scope:name/);
    err = await failure(deliver(spec(DID, "ttbar", { Query: '[{"filter_name": ["x"]}]' }), env.opts));
    expect(err.message).toContain('needs a non-empty "treename"');
    expect(env.server.submits()).toBe(0);
  });

  it("truncates titles to the server's limit", async () => {
    env = await setup();
    env.server.capabilities = ["poll_local_transformation_results"];
    const long = "x".repeat(300);
    const out = await deliver(spec(DID, long, { NFiles: 1 }), env.opts);
    expect(out[long]).toHaveLength(1);
    const [req] = env.server.requests.values();
    expect(req.title).toBe("x".repeat(128));
  });

  it("cancels the request on the server when aborted, or leaves it running when told to", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:stuck", { inputs: ["root://x//a.root"], stuck: true });
    const ac = new AbortController();
    // Aborts once the request is Running (its second status poll), however loaded the machine is.
    const abortOnFirstPoll = (controller: AbortController) => {
      let polls = 0;
      return (call: string) => {
        if (/^GET \/servicex\/transformation\/[^/?]+$/.test(call) && ++polls === 2) setTimeout(() => controller.abort(), 10);
      };
    };
    env.server.onRequest = abortOnFirstPoll(ac);
    const err = await deliver(spec("user.test:stuck"), { ...env.opts, stallTimeoutMs: 60_000, signal: ac.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliverAbortedError);
    expect((err as Error).message).toMatch(/canceled on http/);
    const [req] = env.server.requests.values();
    expect(req.status).toBe("Canceled");
    expect(await new QueryCache(env.cacheDir).list()).toEqual([]);

    const ac2 = new AbortController();
    env.server.onRequest = abortOnFirstPoll(ac2);
    const err2 = await deliver(spec("user.test:stuck", "again"), {
      ...env.opts,
      ignoreLocalCache: true,
      stallTimeoutMs: 60_000,
      signal: ac2.signal,
      leaveRunningOnAbort: true,
    }).catch((e: unknown) => e);
    expect((err2 as Error).message).toMatch(/left running/);
    const running = [...env.server.requests.values()].filter((r) => r.status === "Running");
    expect(running).toHaveLength(1);
    expect((await new QueryCache(env.cacheDir).list())[0].status).toBe("SUBMITTED");
  });
});

