import { loadRunConfig, RunConfigError } from "../config/index.js";
import { validateRunConfig } from "../pipeline/index.js";
import type { Command } from "./dispatch.js";

const HELP = `Usage: sxflow config <run.yaml> [--json]

Validates a run configuration with every check \`sxflow run\` makes before reading events: schema,
cross-references, sample globs (resolved against the file's directory), each input file's format,
the ServiceX datasets of \`servicex\` and \`category\` samples (categories are looked up in the
metadata file; nothing is fetched), the output directory's path, and every expression, branch,
split key and row size against the branches of the first file of each sample.
Prints a summary, or with --json the resolved configuration; on errors prints one line per problem, each naming its config path, and exits 1.
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
  // Every check a run makes before reading events, so that "valid" means `run` accepts it too.
  let opened: number;
  try {
    opened = await validateRunConfig(config);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return 0;
  }
  const checked = opened > 0 ? `branches checked in the first file of each sample (${opened})` : "branches not checked: every sample comes from ServiceX";
  const lines = [`${config.source}: valid (tree "${config.tree}"; ${checked})`, "samples:"];
  for (const s of config.samples) {
    const head = `  ${s.name}: label ${s.label} (${config.classes[s.label]}), `;
    if (s.servicex) {
      const from = s.servicex.from === "category" ? ` of category "${s.servicex.category}"` : "";
      lines.push(`${head}${s.servicex.datasets.length} ServiceX dataset(s)${from}, fetched when the run starts:`);
      for (const p of s.patterns) lines.push(`    ${p}`);
      continue;
    }
    const formats = [...new Set(s.files.map((f) => f.format))].join("+");
    lines.push(`${head}${s.files.length} ${formats} file(s)`);
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
