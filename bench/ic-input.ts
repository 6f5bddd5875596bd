/**
 * What the end-to-end benchmarks share: their command-line options, the IC example's generated
 * TopCP-like samples (made once per size and reused) and the IC configuration pointed at them.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseDocument } from "yaml";
import type { Document } from "yaml";
import { writeTopcpSample } from "../fixtures/generate-topcp.js";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The value of `--name value` on the command line, else `fallback`. */
export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/**
 * `events` generated IC events (half ttbar, half W+jets, row groups of 100,000, the generator's
 * `dielectron` selection knob) in `<dir>/events-<events>[-ee<dielectron>]/`, made once: generated
 * under a temporary name, so that an interrupted generation is never taken for a complete one.
 */
export async function icSamples(dir: string, events: number, dielectron = 0): Promise<string> {
  const out = path.join(dir, `events-${events}${dielectron ? `-ee${dielectron}` : ""}`);
  if (existsSync(out)) return out;
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true });
  for (const [sample, n] of [["ttbar", Math.ceil(events / 2)], ["wjets", Math.floor(events / 2)]] as const) {
    const t = performance.now();
    process.stderr.write(`generating ${n} ${sample} events (dielectron ${dielectron}) into ${out} ...`);
    await writeTopcpSample({ sample, events: n, seed: 20251126, out: partial, rowGroupSize: 100_000, dielectron });
    process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(0)} s\n`);
  }
  renameSync(partial, out);
  return out;
}

/**
 * Writes `<out>/<name>` (and creates `out`): the IC example configuration reading `inputs`,
 * writing uncompressed into `out`, then changed by `edit`. Returns its path.
 */
export function icConfig(inputs: string, out: string, name: string, edit: (doc: Document) => void = () => {}): string {
  const doc = parseDocument(readFileSync(path.join(ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8"));
  doc.setIn(["samples", 0, "files"], [path.join(inputs, "ttbar.parquet")]);
  doc.setIn(["samples", 1, "files"], [path.join(inputs, "wjets.parquet")]);
  doc.setIn(["output", "dir"], out);
  doc.setIn(["output", "compression"], "none");
  edit(doc);
  mkdirSync(out, { recursive: true });
  const file = path.join(out, name);
  writeFileSync(file, doc.toString());
  return file;
}
