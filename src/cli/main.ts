#!/usr/bin/env node
// First: it sets V8 flags that the worker threads started later must see.
import "./v8-flags.js";
import { runCli } from "./dispatch.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sxflow: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
