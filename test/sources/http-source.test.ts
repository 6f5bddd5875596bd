/**
 * ROOT and Parquet files read over HTTP with range requests from the fake ServiceX object store
 * (presigned URLs checked with SigV4 on loopback), against the same files read locally, and with
 * the store's faults: dropped connections, 503s, expired URLs, objects replaced mid-read.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openParquet } from "../../src/parquet/reader.js";
import { openRoot } from "../../src/root/index.js";
import { HttpByteSource } from "../../src/sources/http-bytes.js";
import { ObjectChangedError, RemoteReadError, UrlExpiredError } from "../../src/sources/http-range.js";
import { presignGet } from "../../src/servicex/s3.js";
import { FakeServiceX } from "../servicex/fake-server.js";
import { FIXTURES_DIR } from "../shared-data.js";

const FAST = { retryDelayMs: 5 };
let server: FakeServiceX;

/** A presigned URL of `file` (a fixture path), uploaded under its base name. */
function upload(file: string, key = path.basename(file)): string {
  server.putObject(key, readFileSync(file));
  return presignGet(server.s3Credentials(), "objects", key, 3600);
}

beforeAll(async () => {
  server = await new FakeServiceX().start();
});
afterAll(() => server.close());

const rootFixtures = Object.entries(
  JSON.parse(readFileSync(path.join(FIXTURES_DIR, "root", "expected.json"), "utf8")) as Record<string, Record<string, { branches: Record<string, unknown> }>>,
);

describe("ROOT files over HTTP", () => {
  it.each(rootFixtures)("%s reads exactly as the local file", async (name, trees) => {
    const local = path.join(FIXTURES_DIR, "root", name);
    const remote = await openRoot(upload(local), { http: FAST });
    const file = await openRoot(local);
    try {
      expect(remote.keys()).toEqual(file.keys());
      for (const treeName of Object.keys(trees)) {
        const [rt, lt] = [await remote.tree(treeName), await file.tree(treeName)];
        const names = lt.branches.filter((b) => b.supported).map((b) => b.name);
        if (names.length === 0) continue;
        expect(await rt.read(names)).toEqual(await lt.read(names));
        const steps: unknown[] = [];
        for await (const b of rt.iterate({ branches: names, stepEntries: 7 })) steps.push(b);
        const localSteps: unknown[] = [];
        for await (const b of lt.iterate({ branches: names, stepEntries: 7 })) localSteps.push(b);
        expect(steps).toEqual(localSteps);
      }
    } finally {
      await remote.close();
      await file.close();
    }
  });
});

describe("Parquet files over HTTP", () => {
  const local = path.join(FIXTURES_DIR, "topcp", "ttbar.parquet");

  it("reads columns exactly as the local file, transferring about their share of the file", async () => {
    const url = upload(local);
    const remote = await openParquet(url, { http: FAST });
    const file = await openParquet(local);
    const columns = ["jet_pt_NOSYS", "el_charge", "eventNumber"];
    let share = 0;
    for (const c of columns) share += file.columnStorage().get(c)!.compressedBytes;
    try {
      expect(remote.entries).toBe(file.entries);
      expect(remote.branches).toEqual(file.branches);
      const sent = server.s3BytesSent;
      expect(await remote.read(columns)).toEqual(await file.read(columns));
      const transferred = server.s3BytesSent - sent;
      // Every chunk of the three columns, and the gaps between chunks close enough to coalesce.
      expect(transferred).toBeGreaterThanOrEqual(share);
      expect(transferred).toBeLessThan(1.5 * share);
      expect(transferred).toBeLessThan(readFileSync(local).length / 4);
      expect(await remote.read(columns, 1234, 4321)).toEqual(await file.read(columns, 1234, 4321));
    } finally {
      remote.close();
      file.close();
    }
  });
});

describe("HTTP byte source", () => {
  const local = path.join(FIXTURES_DIR, "topcp", "wjets.parquet");
  const bytes = readFileSync(local);

  it("coalesces ranges asked together into one request and serves announced ranges from read-ahead", async () => {
    const url = upload(local);
    const src = await HttpByteSource.open(url, FAST);
    expect(src.size).toBe(bytes.length);
    let before = server.s3RangeRequests;
    const ranges = [
      { offset: 300_000, length: 1000 },
      { offset: 100_000, length: 5000 },
      { offset: 105_100, length: 20_000 },
    ];
    const got = await src.readRanges(ranges);
    ranges.forEach((r, i) => expect(Buffer.from(got[i]!).equals(bytes.subarray(r.offset, r.offset + r.length))).toBe(true));
    expect(server.s3RangeRequests - before).toBe(2);

    src.willNeed([
      { offset: 200_000, length: 30_000 },
      { offset: 400_000, length: 50_000 },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    before = server.s3RangeRequests;
    expect(Buffer.from(await src.read(200_000, 30_000)).equals(bytes.subarray(200_000, 230_000))).toBe(true);
    expect(Buffer.from(await src.read(410_000, 20_000)).equals(bytes.subarray(410_000, 430_000))).toBe(true);
    expect(server.s3RangeRequests - before).toBe(0);
    await src.close();
  });

  it("retries a connection dropped mid-range and 503s, then succeeds", async () => {
    const url = upload(local, "faulty.parquet");
    const src = await HttpByteSource.open(url, FAST);
    server.dropRanges.set("faulty.parquet", 2);
    expect(Buffer.from(await src.read(100_000, 200_000)).equals(bytes.subarray(100_000, 300_000))).toBe(true);
    server.unavailable.set("faulty.parquet", 2);
    expect(Buffer.from(await src.read(5000, 30_000)).equals(bytes.subarray(5000, 35_000))).toBe(true);
    expect(src.stats.retries).toBe(4);
    await src.close();
  });

  it("gives up after the ServiceX client's 3 attempts, naming the object and the range", async () => {
    const url = upload(local, "broken.parquet");
    const src = await HttpByteSource.open(url, FAST);
    server.dropRanges.set("broken.parquet", 3);
    const err = await src.read(100_000, 100_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RemoteReadError);
    expect((err as Error).message).toMatch(/objects\/broken\.parquet bytes 100000-199999: connection dropped after \d+ of 100000 bytes.*gave up after 3 attempts/);
    expect((err as Error).message).not.toMatch(/X-Amz-Signature/);
    await src.close();
  });

  it("fails clearly when the object is replaced while being read", async () => {
    const url = upload(local, "replaced.parquet");
    const src = await HttpByteSource.open(url, FAST);
    server.putObject("replaced.parquet", Buffer.concat([bytes, Buffer.from("more")]));
    await expect(src.read(100_000, 50_000)).rejects.toThrow(ObjectChangedError);
    await expect(openParquet(url, { http: FAST }).then((r) => r.read(["jet_pt_NOSYS"]))).rejects.toThrow(/replaced\.parquet/);
    await src.close();
  });

  it("fails clearly on an expired URL: refused by the store, or past its expiry before sending", async () => {
    const url = upload(local, "expiring.parquet");
    const src = await HttpByteSource.open(url, FAST);
    server.expireSignedUrls = true;
    try {
      const err = await src.read(100_000, 50_000).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UrlExpiredError);
      expect((err as Error).message).toMatch(/objects\/expiring\.parquet: the signed URL has expired \(valid until .*\); get fresh URLs/);
    } finally {
      server.expireSignedUrls = false;
    }
    const old = presignGet(server.s3Credentials(), "objects", "expiring.parquet", 60, new Date(Date.now() - 120_000));
    const before = server.s3Log.length;
    await expect(openRoot(old)).rejects.toThrow(/the signed URL has expired/);
    expect(server.s3Log.length).toBe(before);
    await src.close();
  });

  it("names a missing object and a bad signature without retrying them", async () => {
    const url = upload(local, "signed.parquet");
    const missing = presignGet(server.s3Credentials(), "objects", "nothing-here.root", 60);
    await expect(openRoot(missing, { http: FAST })).rejects.toThrow(/cannot open ROOT file: .*objects\/nothing-here\.root bytes 0-65535: HTTP 404 \(NoSuchKey/);
    // Another first hex digit of the signature: always a different signature.
    const tampered = url.replace(/X-Amz-Signature=(.)/, (_m, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`);
    await expect(openParquet(tampered, { http: FAST })).rejects.toThrow(/HTTP 403 \(SignatureDoesNotMatch/);
  });
});
