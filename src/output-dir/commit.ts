import { existsSync, readFileSync } from "node:fs";
import { lstat, mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * Committing a run's output set: every output is first complete in the run's staging directory;
 * then a journal is written, the previous outputs of those names are moved aside, the new ones
 * moved in (renames within one file system), and the old ones deleted. A failed rename moves
 * everything back; a run killed in between leaves the journal, and the next run into the
 * directory finishes the commit (the new set was complete before the journal existed) or, if
 * that fails too, rolls it back. Either way the directory never holds a mix of two runs' outputs
 * once a run has started in it.
 */
export const JOURNAL_NAME = ".sxflow-commit.json";

interface Journal {
  pid: number;
  /** Directory names (in the output directory) of the new set and of the previous outputs. */
  staging: string;
  backup: string;
  files: string[];
}

async function moveIn(dir: string, j: Journal): Promise<void> {
  const staging = path.join(dir, j.staging);
  const backup = path.join(dir, j.backup);
  await mkdir(backup, { recursive: true });
  for (const f of j.files) {
    if (!existsSync(path.join(staging, f))) continue; // already moved in
    if (existsSync(path.join(dir, f)) && !existsSync(path.join(backup, f))) await rename(path.join(dir, f), path.join(backup, f));
  }
  for (const f of j.files) {
    if (existsSync(path.join(staging, f))) await rename(path.join(staging, f), path.join(dir, f));
  }
}

async function moveBack(dir: string, j: Journal): Promise<void> {
  const staging = path.join(dir, j.staging);
  const backup = path.join(dir, j.backup);
  for (const f of j.files) {
    const target = path.join(dir, f);
    if (!existsSync(path.join(staging, f)) && existsSync(target)) await rename(target, path.join(staging, f));
    if (existsSync(path.join(backup, f))) await rename(path.join(backup, f), target);
  }
}

async function finish(dir: string, j: Journal): Promise<void> {
  await rm(path.join(dir, j.backup), { recursive: true, force: true });
  await rm(path.join(dir, JOURNAL_NAME), { force: true });
}

/** Moves `files` (names) from `staging` (a directory inside `dir`) into `dir` as one set. */
export async function commitOutputSet(dir: string, staging: string, files: string[]): Promise<void> {
  const j: Journal = { pid: process.pid, staging: path.basename(staging), backup: `.sxflow-old-${process.pid}`, files };
  for (const f of files) {
    const s = await lstat(path.join(dir, f)).catch(() => undefined);
    if (s && !s.isFile()) throw new Error(`cannot commit the outputs into "${dir}" (the previous outputs are unchanged): "${path.join(dir, f)}" is in the way and is not a file`);
  }
  const journal = path.join(dir, JOURNAL_NAME);
  await writeFile(`${journal}.tmp-${process.pid}-0`, JSON.stringify(j));
  await rename(`${journal}.tmp-${process.pid}-0`, journal);
  try {
    await moveIn(dir, j);
  } catch (err) {
    try {
      await moveBack(dir, j);
      await finish(dir, j);
    } catch (back) {
      throw new Error(
        `cannot commit the outputs into "${dir}": ${(err as Error).message}; moving the previous outputs back failed too ` +
          `(${(back as Error).message}): the next run into this directory completes or undoes it`,
      );
    }
    throw new Error(`cannot commit the outputs into "${dir}" (the previous outputs are unchanged): ${(err as Error).message}`);
  }
  await finish(dir, j);
}

/**
 * Completes (or, failing that, undoes) the commit of a run killed while committing. Call it holding
 * the directory's lock; says what it did through `notice`.
 */
export async function recoverCommit(dir: string, notice: (message: string) => void): Promise<void> {
  const journal = path.join(dir, JOURNAL_NAME);
  if (!existsSync(journal)) return;
  let j: Journal;
  try {
    j = JSON.parse(readFileSync(journal, "utf8")) as Journal;
  } catch (err) {
    throw new Error(`output directory "${dir}": unreadable commit journal "${journal}" (${(err as Error).message}); inspect the directory and remove it`);
  }
  try {
    await moveIn(dir, j);
    await finish(dir, j);
    await rm(path.join(dir, j.staging), { recursive: true, force: true });
    notice(`finished committing the outputs of an interrupted run (pid ${j.pid}) in "${dir}": ${j.files.join(", ")}`);
  } catch (err) {
    await moveBack(dir, j);
    await finish(dir, j);
    notice(`could not finish committing the outputs of an interrupted run (pid ${j.pid}) in "${dir}" (${(err as Error).message}): the previous outputs were put back`);
  }
}
