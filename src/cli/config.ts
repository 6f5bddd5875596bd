import { loadRunConfig, RunConfigError } from "../config/index.js";
import type { Command } from "./dispatch.js";

const HELP = `Usage: sxflow config <run.yaml> [--json]

Validates a run configuration: schema, cross-references, sample globs (resolved against the
file's directory) and each input file's format. Prints a summary, or with --json the resolved
configuration; on errors prints one line per problem, each naming its config path, and exits 1.
`;

/** `sxflow config`: validate a run configuration and show what it resolves to. */
export const configCommand: Command = async (args) => {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = args.includes("--json");
  const files = args.filter((a) => a !== "--json");
  if (files.length !== 1 || files[0]!.startsWith("-")) {
    process.stderr.write(HELP);
    return 2;
  }
  let config;
  try {
    config = await loadRunConfig(files[0]!);
  } catch (err) {
    if (!(err instanceof RunConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return 0;
  }
  const lines = [`${config.source}: valid (tree "${config.tree}")`, "samples:"];
  for (const s of config.samples) {
    const formats = [...new Set(s.files.map((f) => f.format))].join("+");
    lines.push(`  ${s.name}: label ${s.label} (${config.classes[s.label]}), ${s.files.length} ${formats} file(s)`);
  }
  lines.push(`cuts: ${config.cuts.length}, aliases: ${Object.keys(config.aliases).length}`, "objects:");
  for (const [name, g] of Object.entries(config.objects)) {
    const shape = g.global ? "(N,)" : `(N, ${g.max})`;
    const extra = [g.sort ? `sorted by ${g.sort}` : "", g.select ? `select ${g.select}` : "", `padding ${g.padding}`].filter(Boolean).join(", ");
    lines.push(`  ${name} ${shape}: ${Object.keys(g.fields).join(", ")}${g.global ? "" : `; ${extra}`}`);
  }
  const split = config.split.rules
    ? `rules on ${[...new Set(Object.values(config.split.rules).flat().map((t) => t[0]))].join(", ")}`
    : `hash of (${config.split.by.join(", ")}), train/val/test ${config.split.fractions!.train}/${config.split.fractions!.val}/${config.split.fractions!.test}`;
  lines.push(`split: ${split}`);
  lines.push(`shuffle: ${config.shuffle.enabled ? `seed ${config.shuffle.seed}` : "off"}`);
  lines.push(`output: ${config.output.dir}/${config.output.name}_{train,val,test}.h5, ${config.output.compression}, ${config.output.precision} precision`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
};
