import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, describe, expect, it } from "vitest";
import { acquireLock } from "../../src/output-dir/lock.js";
import { tempDir } from "./helpers.js";

const dir = tempDir("lock-race");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const RACER = path.join(path.dirname(new URL(import.meta.url).pathname), "lock-racer.ts");
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill();
});

/** A racer process and the lines it writes, one at a time. */
function racer(): { child: ChildProcess; next: () => Promise<string>; send: (line: string) => void } {
  const child = spawn(process.execPath, ["--import", "tsx", RACER, dir], { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else lines.push(line);
  });
  return {
    child,
    next: () => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    send: (line) => void child.stdin!.write(`${line}\n`),
  };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

describe("the output directory's lock, taken over by racing runs", () => {
  it("goes to exactly one of several processes that find the same stale lock at once", { timeout: 300_000 }, async () => {
    const racers = Array.from({ length: 6 }, racer);
    for (const r of racers) expect(await r.next()).toBe("ready");
    const lock = path.join(dir, ".sxflow.lock");
    for (let round = 0; round < 25; round++) {
      const dead = await deadPid();
      writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), started: `round ${round}` }));
      // All racers are waiting on stdin: they start within microseconds of each other.
      for (const r of racers) r.send("go");
      const answers = await Promise.all(racers.map((r) => r.next()));
      const winners = racers.filter((_, i) => answers[i] === "acquired");
      expect(winners.length, `round ${round}: ${answers.join(" | ")}`).toBe(1);
      for (const a of answers) if (a !== "acquired") expect(a).toMatch(/^refused output directory ".*" is in use by another sxflow run \(pid \d+/);
      // The lock on disk is the winner's (a loser that removed it and wrote its own would show).
      expect(JSON.parse(readFileSync(lock, "utf8")).pid).toBe(winners[0]!.child.pid);
      for (const r of racers) r.send("release");
      for (const r of racers) expect(await r.next()).toBe("released");
    }
    for (const r of racers) r.send("exit");
  });

  it("refuses, naming the files to remove, when a takeover was killed half-way", async () => {
    const lock = path.join(dir, ".sxflow.lock");
    const dead = await deadPid();
    writeFileSync(lock, JSON.stringify({ pid: dead, host: hostname(), started: "then" }));
    writeFileSync(`${lock}.takeover`, JSON.stringify({ pid: dead, host: hostname(), started: "then" }));
    expect(() => acquireLock(dir, () => undefined)).toThrow(
      `the takeover of the stale lock "${lock}" by pid ${dead} was interrupted (that run was killed); remove "${lock}.takeover" and "${lock}"`,
    );
  });
});
