/**
 * Delivery: SignedURLs against the fake ServiceX server: presigned URLs instead of downloads,
 * handed out while the transform runs, read with range requests (SigV4 checked by the store).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openRoot } from "../../src/root/index.js";
import { type DeliverOptions, type DeliverSpec, deliver } from "../../src/servicex/index.js";
import { run as runCli } from "../../src/cli/deliver.js";
import { FIXTURES_DIR } from "../shared-data.js";
import { FakeServiceX } from "./fake-server.js";

const FILES = ["uproot-issue-172.root", "uproot-small-dy-withoffsets.root", "uproot-sample-6.20.04-zlib.root"];
let server: FakeServiceX;
let dir: string;
let opts: DeliverOptions;

beforeEach(async () => {
  server = await new FakeServiceX().start();
  dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-urls-"));
  const inputs = FILES.map((f) => `root://eos.example.org//atlas/${f}`);
  inputs.forEach((input, i) => server.inputs.set(input, readFileSync(path.join(FIXTURES_DIR, "root", FILES[i]!))));
  server.datasets.set("rucio://user.test:signed.v1", { inputs, slowInputs: { [inputs[2]!]: 4 } });
  const configPath = path.join(dir, "servicex.yaml");
  writeFileSync(configPath, `api_endpoints:\n  - name: fake\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${path.join(dir, "cache")}\n`);
  opts = { configPath, pollIntervalMs: 5, stallTimeoutMs: 2000, retryDelayMs: 5, progress: false };
});
afterEach(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const spec = (delivery: "SignedURLs" | "URLs" = "SignedURLs"): DeliverSpec => ({
  General: { OutputFormat: "root-ttree", Delivery: delivery },
  Sample: [{ Name: "dy", Dataset: "rucio://user.test:signed.v1", Query: { tree: "events" } }],
});

describe("Delivery: SignedURLs", () => {
  it("returns presigned URLs of the results, each as soon as it is transformed, downloading nothing", async () => {
    const seen: { url: string; status: string }[] = [];
    const out = await deliver(spec(), {
      ...opts,
      onFile: (sample, url) => {
        expect(sample).toBe("dy");
        seen.push({ url, status: [...server.requests.values()][0]!.status });
      },
    });
    expect(out.dy).toHaveLength(3);
    expect(out.dy.every((u) => /^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]{36}\/root%3A.*X-Amz-Expires=604800.*X-Amz-Signature=/.test(u))).toBe(true);
    // The first files were handed out while the slow third one was still being transformed.
    expect(seen.map((s) => s.url).sort()).toEqual([...out.dy].sort());
    expect(seen[0]!.status).toBe("Running");
    // Nothing was downloaded: the store saw no whole-object GET.
    expect(server.s3Log).toEqual([]);
    expect(readdirSync(path.join(dir, "cache")).filter((n) => n !== ".sxflow")).toEqual([]);
    // Each URL opens as the ROOT file it names, read with range requests.
    for (const url of out.dy) {
      const name = FILES.find((f) => decodeURIComponent(url).includes(f))!;
      const [remote, local] = [await openRoot(url), await openRoot(path.join(FIXTURES_DIR, "root", name))];
      const tree = local.treeNames()[0]!;
      const [rt, lt] = [await remote.tree(tree), await local.tree(tree)];
      const names = lt.branches.filter((b) => b.supported).map((b) => b.name);
      expect(await rt.read(names)).toEqual(await lt.read(names));
      await remote.close();
      await local.close();
    }
    expect(server.signatureFailures).toBe(0);
    expect(server.s3RangeRequests).toBeGreaterThan(0);
  });

  it("signs afresh on a second run from the completed request, without resubmitting (the Python client's URLs spelling too)", async () => {
    const first = await deliver(spec(), opts);
    const second = await deliver(spec("URLs"), { ...opts, signedUrlLifetimeS: 600 });
    expect(server.submits()).toBe(1);
    expect(second.dy.map((u) => u.replace(/\?.*/, ""))).toEqual(first.dy.map((u) => u.replace(/\?.*/, "")));
    expect(second.dy.every((u) => u.includes("X-Amz-Expires=600"))).toBe(true);
  });

  it("refuses lifetimes the object store would refuse", async () => {
    await expect(deliver(spec(), { ...opts, signedUrlLifetimeS: 8 * 24 * 3600 })).rejects.toThrow(/lifetime must be 1 to 604800 seconds/);
  });

  it("sxflow deliver --signed-urls prints the URLs", async () => {
    const specFile = path.join(dir, "spec.yaml");
    writeFileSync(
      specFile,
      `General: {OutputFormat: root-ttree}\nSample:\n  - Name: dy\n    Dataset: !Rucio user.test:signed.v1\n    Query: !UprootRaw '[{"treename": "events"}]'\n`,
    );
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string | Uint8Array) => (chunks.push(String(c)), true)) as typeof process.stdout.write;
    let code: number;
    try {
      code = await runCli([specFile, "--config", opts.configPath!, "--signed-urls", "--poll-interval", "0.01", "--no-progress", "--json"]);
    } finally {
      process.stdout.write = write;
    }
    expect(code).toBe(0);
    const printed = JSON.parse(chunks.join("")) as Record<string, string[]>;
    expect(printed.dy).toHaveLength(3);
    expect(printed.dy!.every((u) => u.startsWith(`http://${server.s3Host}/`) && u.includes("X-Amz-Signature="))).toBe(true);
  });
});
