/** A process that takes an output directory's lock when told: one of the racers of lock-race.test.ts. */
import { createInterface } from "node:readline";
import { acquireLock } from "../../src/output-dir/lock.js";

const dir = process.argv[2]!;
let release: (() => void) | undefined;
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "go") {
    try {
      release = acquireLock(dir, () => undefined);
      process.stdout.write("acquired\n");
    } catch (err) {
      process.stdout.write(`refused ${(err as Error).message.replace(/\n/g, " ")}\n`);
    }
  } else if (line === "release") {
    release?.();
    release = undefined;
    process.stdout.write("released\n");
  } else break;
}
