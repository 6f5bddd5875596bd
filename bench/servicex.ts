/**
 * deliver() end to end on loopback against the fake ServiceX server: 8 result files of 16 MiB,
 * SigV4-signed S3 GETs, size checks, temporary names, cache records. Baseline: the same bytes
 * fetched by plain unsigned http.get into files, same concurrency, in the same run.
 * Run: npm run bench:servicex
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { deliver } from "../src/servicex/index.js";
import { FakeServiceX } from "../test/servicex/fake-server.js";

const FILES = 8;
const SIZE = 16 * 1024 * 1024;
const RUNS = 3;

const blobs = Array.from({ length: FILES }, () => randomBytes(SIZE));
const dir = mkdtempSync(path.join(os.tmpdir(), "sxflow-bench-"));

async function baseline(): Promise<number> {
  const server = http.createServer((req, res) => {
    const data = blobs[Number(req.url?.slice(1))];
    res.writeHead(200, { "Content-Length": data.length });
    res.end(data);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  const t0 = performance.now();
  await Promise.all(
    blobs.map(
      (_, i) =>
        new Promise<void>((resolve, reject) => {
          http.get(`http://127.0.0.1:${port}/${i}`, (res) => {
            pipeline(res, createWriteStream(path.join(dir, `plain-${i}`))).then(resolve, reject);
          });
        }),
    ),
  );
  const ms = performance.now() - t0;
  server.close();
  return ms;
}

async function sxflow(run: number): Promise<number> {
  const server = await new FakeServiceX().start();
  const inputs = blobs.map((b, i) => {
    const input = `root://eos.example.org//bench/file_${i}.root`;
    server.inputs.set(input, b);
    return input;
  });
  server.datasets.set("rucio://bench:bench.ds", { inputs });
  const configPath = path.join(dir, "servicex.yaml");
  writeFileSync(configPath, `api_endpoints:\n  - name: b\n    endpoint: ${server.url}\n    token: ${server.refreshToken}\ncache_path: ${path.join(dir, `cache-${run}`)}\n`);
  const t0 = performance.now();
  await deliver({ Sample: [{ Name: "b", Dataset: "bench:bench.ds", Query: { tree: "t" } }] }, { configPath, pollIntervalMs: 1, progress: false });
  const ms = performance.now() - t0;
  await server.close();
  return ms;
}

const mb = (FILES * SIZE) / 1e6;
for (let run = 0; run < RUNS; run++) {
  const b = await baseline();
  const s = await sxflow(run);
  console.log(
    `run ${run + 1}: plain http.get ${(mb / (b / 1000)).toFixed(0)} MB/s (${b.toFixed(0)} ms) | deliver() incl. submit+poll, SigV4 S3, size check, rename, cache ${(mb / (s / 1000)).toFixed(0)} MB/s (${s.toFixed(0)} ms)`,
  );
}
rmSync(dir, { recursive: true, force: true });
