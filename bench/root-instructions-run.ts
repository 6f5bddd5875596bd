/**
 * One reader's open + read calls on one file, for bench/root-instructions.ts, which runs this
 * under callgrind: `warm` calls, then "ready" and a wait for a line on stdin (the parent reads
 * callgrind's counters), `runs` calls, then "done" with the per-branch sums and a wait again.
 */
import path from "node:path";
import { createInterface } from "node:readline";
import { SHARED_ROOT_DIR } from "../test/shared-data.js";
import { jsrootRead } from "./root-jsroot.js";
import { sxflowRead } from "./root-sxflow.js";

const [reader, file, tree, branches, warm, runs] = process.argv.slice(2);
const read = reader === "jsroot" ? jsrootRead : sxflowRead;
const full = path.join(SHARED_ROOT_DIR, file!);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
let sums = new Map<string, number>();
for (let i = 0; i < Number(warm); i++) sums = await read(full, tree!, branches!.split(","));
console.log("ready");
await lines.next();
for (let i = 0; i < Number(runs); i++) sums = await read(full, tree!, branches!.split(","));
console.log(`done ${JSON.stringify([...sums])}`);
await lines.next();
process.exit(0);
