import { mkdir, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { commitOutputSet, recoverCommit } from "./commit.js";
import { acquireLock } from "./lock.js";
import { makeOutputDir } from "./make-dir.js";
import { removeStaleTemporaries } from "./stale.js";

export { makeOutputDir, missingDirs } from "./make-dir.js";
export { processAlive } from "./pid.js";

/**
 * A run's hold on its output directory: created if needed, locked against a second run, a commit
 * interrupted by a killed run finished or undone, stale temporaries of dead runs removed, and a
 * staging directory where every output (and every temporary) of this run is written before
 * `commit` moves them in as one set. `close` removes what was not committed and unlocks.
 */
export class OutputDir {
  private constructor(
    readonly dir: string,
    readonly staging: string,
    private readonly release: () => void,
  ) {}

  static async open(dir: string, notice: (message: string) => void): Promise<OutputDir> {
    await makeOutputDir(dir);
    const release = acquireLock(dir, notice);
    try {
      await recoverCommit(dir, notice);
      await removeStaleTemporaries(dir, notice);
      const staging = path.join(dir, `.sxflow-run-${process.pid}`);
      await rm(staging, { recursive: true, force: true });
      await mkdir(staging);
      return new OutputDir(dir, staging, release);
    } catch (err) {
      release();
      throw err;
    }
  }

  /**
   * Moves every output staged so far (the regular files at the top of the staging directory, not
   * the temporaries and shuffle directories) into the directory, all or none.
   */
  async commit(): Promise<void> {
    const entries = await readdir(this.staging, { withFileTypes: true });
    const names = entries.filter((e) => e.isFile() && !e.name.startsWith(".") && !e.name.includes(".tmp-")).map((e) => e.name).sort();
    return commitOutputSet(this.dir, this.staging, names);
  }

  async close(): Promise<void> {
    try {
      await rm(this.staging, { recursive: true, force: true });
    } finally {
      this.release();
    }
  }
}
