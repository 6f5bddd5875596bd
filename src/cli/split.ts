import path from "node:path";
import { parseCommandArgs } from "./args.js";
import { DEFAULT_KEYS, ROW_KEY, splitFile } from "../salt/split.js";
import type { Command } from "./dispatch.js";
import { count } from "../text/count.js";

const HELP = `Usage: sxflow split <file.h5> --fractions TRAIN,VAL,TEST [--by KEY,...] [--seed N] [--out DIR] [--name STEM]

Splits a SALT file (sxflow's or another tool's) into <STEM>_train.h5, <STEM>_val.h5 and
<STEM>_test.h5, as split_h5 does: each event goes where the hash of its keys sends it (the hash
of a run's split), so the same event lands in the same split whatever the file's row order.
Rows are copied as stored, block by block (bounded memory); the three files appear together,
or none does.

Options:
  --fractions A,B,C  train, val and test fractions, summing to 1 (e.g. 0.8,0.1,0.1)
  --by KEY,...       integer fields of the per-event group to hash (default: ${DEFAULT_KEYS.join(", ")},
                     those present; without any, the row number: "${ROW_KEY}")
  --seed N           the hash's seed (default 0, as a run's split.seed)
  --out DIR          output directory (default: the current directory)
  --name STEM        output name stem (default: the input's name without .h5)
`;

function fractionsOf(text: string): [number, number, number] {
  const parts = text.split(",").map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((f) => !(f >= 0 && f <= 1))) throw new Error(`--fractions needs three numbers in [0, 1] (train,val,test), got "${text}"`);
  const sum = parts[0]! + parts[1]! + parts[2]!;
  if (Math.abs(sum - 1) > 1e-9) throw new Error(`--fractions must sum to 1, "${text}" sums to ${sum}`);
  return parts as [number, number, number];
}

export const run: Command = async (args) => {
  const parsed = parseCommandArgs("split", HELP, args, {
    fractions: { type: "string" },
    by: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    name: { type: "string" },
  });
  if (typeof parsed === "number") return parsed;
  const v = parsed.values;
  if (parsed.positionals.length !== 1 || v.fractions === undefined) {
    process.stderr.write(`sxflow split: expected one file and --fractions\n\n${HELP}`);
    return 2;
  }
  let fractions: [number, number, number];
  const seed = v.seed === undefined ? 0 : Number(v.seed);
  try {
    fractions = fractionsOf(v.fractions);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got "${v.seed}"`);
  } catch (err) {
    process.stderr.write(`sxflow split: ${(err as Error).message}\n`);
    return 2;
  }
  const outDir = path.resolve(v.out ?? ".");
  try {
    const by = v.by?.split(",").map((k) => k.trim()).filter(Boolean);
    const r = await splitFile(parsed.positionals[0]!, {
      fractions,
      seed,
      outDir,
      ...(by ? { by } : {}),
      ...(v.name ? { name: v.name } : {}),
      notice: (m) => void process.stderr.write(`sxflow split: ${m}\n`),
    });
    const total = r.rows.reduce((a, b) => a + b, 0);
    const lines = [`${count(total)} events split by ${r.keys.join(", ")}`];
    (["train", "val", "test"] as const).forEach((s, i) => lines.push(`  ${s}: ${count(r.rows[i]!)} events -> ${r.files[s]}`));
    process.stdout.write(`${lines.join("\n")}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`sxflow split: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
};
