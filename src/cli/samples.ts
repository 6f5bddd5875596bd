import { parseArgs } from "node:util";
import YAML from "yaml";
import {
  MetadataError,
  categoryStats,
  loadSampleMetadata,
  ntupleSamples,
  roundToHundredths,
  type CategoryStats,
  type NtupleSample,
} from "../metadata/index.js";
import type { Command } from "./dispatch.js";
import { count } from "../text/count.js";

const HELP = `Usage: sxflow samples <metadata> [options]

Summarises an analysis sample-metadata file (file_metadata.json or .json.gz): per category the
containers, those with ntuples, their ntuple size, files and input events. With --datasets,
prints the ntuple datasets of the selected samples, ready to paste into a run config (YAML) or
a ServiceX request.

Options:
  -c, --category <name>       category to include (repeatable, or comma-separated); default all
      --campaign <c>          mc20a mc20d mc20e mc23a mc23d mc23e, or a data year data15..data24
                              (a campaign also selects the data years it simulates)
      --dsid <n>              DSID to include (repeatable, or comma-separated)
      --datasets              print <category>_<dsid>_<campaign>: <scope>:<ntuple container>
      --files                 print the ntuple file URLs of each dataset instead
      --servicex              print the datasets (or, with --files, the file lists) as the
                              Sample list of a ServiceX YAML spec (!Rucio / !FileList)
      --scope <scope>         rucio scope of the dataset names (default: the container owner's)
      --on-duplicate <mode>   error (default) or suffix, for two containers with the same key
      --skip-unknown-campaigns  leave out containers whose r-tags name no known campaign
      --json                  JSON output instead of the table or YAML
  -h, --help                  this help

The "events" column counts the input events of the containers that have ntuples.
`;

class UsageError extends Error {}

/** Splits repeated and comma-separated option values. */
function listOption(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

function parse(args: string[]) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        category: { type: "string", short: "c", multiple: true },
        campaign: { type: "string", multiple: true },
        dsid: { type: "string", multiple: true },
        datasets: { type: "boolean" },
        files: { type: "boolean" },
        scope: { type: "string" },
        "on-duplicate": { type: "string" },
        "skip-unknown-campaigns": { type: "boolean" },
        json: { type: "boolean" },
        servicex: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return null;
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? "missing <metadata> file" : `one metadata file expected, got ${positionals.length}`);
  }
  if (values.json && values.servicex) throw new UsageError("--json and --servicex are two output formats: choose one");
  const duplicates = values["on-duplicate"] ?? "error";
  if (duplicates !== "error" && duplicates !== "suffix") {
    throw new UsageError(`--on-duplicate must be "error" or "suffix", not "${duplicates}"`);
  }
  return {
    path: positionals[0]!,
    categories: listOption(values.category),
    campaigns: listOption(values.campaign),
    dsids: listOption(values.dsid),
    mode: values.files ? "files" : values.datasets || values.servicex ? "datasets" : "table",
    scope: values.scope,
    duplicates,
    skipUnknown: values["skip-unknown-campaigns"] ?? false,
    format: values.json ? "json" : values.servicex ? "servicex" : "yaml",
  } as const;
}

function table(rows: CategoryStats[]): string {
  const total = rows.reduce(
    (t, r) => ({
      ...t,
      containers: t.containers + r.containers,
      withNtuples: t.withNtuples + r.withNtuples,
      outputGB: t.outputGB + r.outputGB,
      outputFiles: t.outputFiles + r.outputFiles,
      inputEvents: t.inputEvents + r.inputEvents,
    }),
    { category: "total", containers: 0, withNtuples: 0, outputGB: 0, outputFiles: 0, inputEvents: 0, unknownCampaign: 0 },
  );
  const header = ["category", "containers", "with ntuples", "output TB", "files", "events"];
  const cells = [...rows, total].map((r) => [
    r.category,
    String(r.containers),
    String(r.withNtuples),
    (r.outputGB / 1000).toFixed(3),
    String(r.outputFiles),
    count(r.inputEvents),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...cells.slice(0, -1).map(line), rule, line(cells[cells.length - 1]!)].join("\n") + "\n";
}

/**
 * The `Sample:` section of a ServiceX YAML spec. Written by hand because the yaml package cannot
 * emit the spec's custom tags on plain values; JSON string quoting is valid YAML.
 */
function servicexSamples(found: NtupleSample[], files: boolean): string {
  const entries = found.map((s) => {
    const dataset = files ? `!FileList [${s.files.map((f) => JSON.stringify(f)).join(", ")}]` : `!Rucio ${JSON.stringify(s.dataset)}`;
    return `  - Name: ${JSON.stringify(s.key)}\n    Dataset: ${dataset}\n`;
  });
  return `Sample:\n${entries.join("")}`;
}

export const samples: Command = async (args) => {
  let options;
  try {
    options = parse(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`sxflow samples: ${err.message}\n\n${HELP}`);
    return 2;
  }
  if (options === null) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const meta = await loadSampleMetadata(options.path);
    const filter = { campaigns: options.campaigns, dsids: options.dsids };
    if (options.mode === "table") {
      const rows = categoryStats(meta, { ...filter, categories: options.categories });
      const unknown = rows.filter((r) => r.unknownCampaign > 0);
      if (unknown.length > 0) {
        const list = unknown.map((r) => `${r.category} ${r.unknownCampaign}`).join(", ");
        process.stderr.write(`sxflow samples: note: containers of unknown campaign not counted by --campaign: ${list}\n`);
      }
      process.stdout.write(
        options.format === "json"
          ? `${JSON.stringify(rows.map((r) => ({ ...r, outputGB: roundToHundredths(r.outputGB) })), null, 2)}\n`
          : table(rows),
      );
      return 0;
    }
    const categories = options.categories.length > 0 ? options.categories : Object.keys(meta.categories);
    const found = ntupleSamples(meta, categories, {
      ...filter,
      scope: options.scope,
      duplicates: options.duplicates,
      unknownCampaigns: options.skipUnknown ? "skip" : "error",
    });
    if (found.length === 0) process.stderr.write("sxflow samples: note: no ntuple dataset matches\n");
    if (options.format === "servicex") {
      process.stdout.write(servicexSamples(found, options.mode === "files"));
      return 0;
    }
    const output = Object.fromEntries(found.map((s) => [s.key, options.mode === "files" ? s.files : s.dataset]));
    process.stdout.write(options.format === "json" ? `${JSON.stringify(output, null, 2)}\n` : YAML.stringify(output, { lineWidth: 0 }));
    return 0;
  } catch (err) {
    if (!(err instanceof MetadataError)) throw err;
    process.stderr.write(`sxflow samples: ${err.message}\n`);
    return 1;
  }
};
