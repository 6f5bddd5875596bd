import { writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jwtExpiry } from "../../src/servicex/auth.js";
import { DeliverError, deliver } from "../../src/servicex/index.js";
import { progressLine } from "../../src/servicex/progress.js";
import { ProgressDisplay } from "../../src/servicex/progress.js";
import { type Env, setup, spec } from "./helpers.js";

const DID = "rucio://user.test:user.test.ttbar.v1";
let env: Env;
afterEach(async () => {
  delete process.env.BEARER_TOKEN_FILE;
  await env?.cleanup();
});

describe("authentication", () => {
  it("refreshes an access token that is about to expire before using it", async () => {
    env = await setup();
    env.server.accessTokenLifetimeS = 30; // always inside the 60 s refresh margin
    const out = await deliver(spec(DID, "t", { NFiles: 2 }), env.opts);
    expect(out.t).toHaveLength(2);
    const refreshes = env.server.log.filter((l) => l === "POST /token/refresh").length;
    const authorised = env.server.log.filter((l) => !l.startsWith("POST /token") && l !== "GET /servicex").length;
    expect(refreshes).toBe(authorised);
    // And never hit a 401 along the way: each call used the token just issued.
    expect(jwtExpiry(String(env.server.authHeaders.at(-1)).replace("Bearer ", ""))).toBeGreaterThan(Date.now() / 1000);
  });

  it("uses BEARER_TOKEN_FILE as the access token, without refreshing", async () => {
    env = await setup();
    const file = path.join(env.dir, "token");
    writeFileSync(file, "hub-issued-token\n");
    env.server.allowAccessToken("hub-issued-token");
    process.env.BEARER_TOKEN_FILE = file;
    const out = await deliver(spec(DID, "t", { NFiles: 1 }), env.opts);
    expect(out.t).toHaveLength(1);
    expect(env.server.log).not.toContain("POST /token/refresh");
    expect(env.server.authHeaders.filter((h) => h !== undefined).every((h) => h === "Bearer hub-issued-token")).toBe(true);
  });
});

describe("servers that misreport", () => {
  it("does not wait forever for files the server reports but never lists", async () => {
    env = await setup();
    env.server.datasets.set("rucio://user.test:over", { inputs: [...env.expected.keys()].slice(0, 2), overReport: true });
    const err = (await deliver(spec("user.test:over"), env.opts).catch((e: unknown) => e)) as DeliverError;
    expect(err.errors.ttbar.message).toMatch(/waiting for the result list: the server reports 3 files completed but lists only 2/);
  });
});

describe("progress display", () => {
  it("draws one line per sample on a terminal and nothing elsewhere", async () => {
    expect(progressLine("ttbar", { status: "Running", files: 4, completed: 2, failed: 1, downloaded: 1 })).toMatch(
      /^ttbar {26}transform \[#{10}-{10}\] 2\/4 .*1 failed.* {2}download \[#{10}-{10}\] 1\/2 {2}Running$/,
    );
    // A streaming run: conversion beside the transform, large counts shortened.
    expect(progressLine("ttbar", { status: "Running", files: 40, completed: 12, failed: 0, downloaded: 12, converted: { files: 9, events: 1_234_567 } })).toBe(
      `ttbar${" ".repeat(25)} transform [######--------------] 12/40 files · converted 9 files, 1.2M events  Running`,
    );
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const display = new ProgressDisplay(tty);
    display.update("a", { status: "Running", files: 2 });
    display.update("b", { status: "Lookup" });
    display.stop();
    display.update("a", { completed: 2, downloaded: 2, status: "Complete" });
    display.stop();
    expect(written).toHaveLength(2);
    expect(written[0].split("\n")).toHaveLength(3);
    expect(written[1].startsWith("\x1b[2A")).toBe(true);
    expect(written[1]).toContain("2/2  Complete");
    const silent: string[] = [];
    const pipe = { isTTY: false, write: (s: string) => silent.push(s) } as unknown as NodeJS.WriteStream;
    const quiet = new ProgressDisplay(pipe);
    quiet.update("a", { status: "Running" });
    quiet.stop();
    expect(silent).toEqual([]);
  });
});
