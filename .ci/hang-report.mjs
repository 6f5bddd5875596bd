// Says what a test tier stopped by CI's time limit was doing: the test files and cases that had
// started and not ended (from .ci/running-reporter.mjs's trace), then, for every Node process that
// answered SIGUSR2 with a diagnostic report (--report-on-signal), its command line and JavaScript
// stack. Usage: node .ci/hang-report.mjs <trace file> <report directory>
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const [trace, reports] = process.argv.slice(2);
const open = new Map();
for (const line of existsSync(trace) ? readFileSync(trace, "utf8").split("\n") : []) {
  const m = /^(\S+) (file|case)-(start|end) (.*)$/.exec(line);
  if (!m) continue;
  const [, when, kind, edge, what] = m;
  if (edge === "start") open.set(`${kind} ${what}`, when);
  else open.delete(`${kind} ${what}`);
}
console.log(open.size ? "still running when stopped:" : "no test file or case was running (the hang was outside the tests)");
for (const [what, since] of open) console.log(`  ${what} (since ${since})`);

for (const name of existsSync(reports) ? readdirSync(reports).filter((f) => f.endsWith(".json")) : []) {
  try {
    const r = JSON.parse(readFileSync(path.join(reports, name), "utf8"));
    console.log(`\nprocess ${r.header.processId}: ${r.header.commandLine.join(" ")}`);
    console.log(`  JavaScript stack: ${r.javascriptStack.message}`);
    for (const frame of r.javascriptStack.stack ?? []) console.log(`    ${frame}`);
    const active = (r.libuv ?? []).filter((h) => h.is_active).map((h) => h.type);
    console.log(`  active libuv handles: ${active.join(", ") || "none"}`);
  } catch (err) {
    console.log(`\n${name}: unreadable report (${err.message})`);
  }
}
