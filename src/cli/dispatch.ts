import { VERSION } from "../version.js";

/** A CLI command: parses its own arguments, returns the process exit code. */
export type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  inspect: {
    summary: "list the trees and branches of a ROOT file, or with --remote of a ServiceX dataset",
    load: async () => (await import("./inspect.js")).inspectCommand,
  },
  samples: {
    summary: "categories, ntuple sizes and dataset names of a sample-metadata file",
    load: async () => (await import("./samples.js")).samples,
  },
  deliver: { summary: "fetch the samples of a ServiceX deliver spec", load: async () => (await import("./deliver.js")).run },
  run: {
    summary: "convert samples into SALT train/val/test HDF5 files, norm and class dicts",
    load: async () => (await import("./run.js")).run,
  },
  merge: {
    summary: "write a run's outputs from its shards (sxflow run --shard I/N)",
    load: async () => (await import("./merge.js")).run,
  },
  submit: {
    summary: "run a configuration as shards on Slurm, HTCondor or Kubernetes, then merge them",
    load: async () => (await import("./submit.js")).run,
  },
  report: {
    summary: "rebuild a run's report page, or overlay two runs on one page",
    load: async () => (await import("./report.js")).run,
  },
  norm: {
    summary: "norm_dict.yaml and class_dict.yaml from SALT training files (make_norm_dict)",
    load: async () => (await import("./norm.js")).run,
  },
  split: {
    summary: "split a SALT file into train/val/test files by its event keys (split_h5)",
    load: async () => (await import("./split.js")).run,
  },
  cache: { summary: "list, delete or clear the local ServiceX cache", load: async () => (await import("./cache.js")).run },
  config: {
    summary: "validate a run configuration and show what it resolves to",
    load: async () => (await import("./config.js")).configCommand,
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `sxflow ${VERSION}: ServiceX output to ML-ready data\n\nUsage: sxflow <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun "sxflow <command> --help" for a command's options.\n`;
}

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return 0;
  }
  if (name === "--version" || name === "-V") {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    process.stderr.write(`sxflow: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  return command(rest);
}
