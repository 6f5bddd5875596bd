/**
 * The external oracles of the second test tier (`npm run test:interop`), each detected by really
 * trying it (an import, a command), never by an environment switch, so that a machine without the
 * tool is told so instead of failing or passing silently.
 *
 * Convention: a test file that needs one of these is named `*.interop.test.ts` and its first line
 * is `// interop: <need> [<need> ...]` with needs from ORACLES below. `npm test` never runs those
 * files; `npm run test:interop` runs the ones whose needs this machine meets and names the rest.
 */
import { spawnSync } from "node:child_process";
import { existsSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { SHARED_ROOT_DIR, SYSTEM_PYTHON } from "./shared-data.js";

export interface Oracle {
  /** What the tests use it for. */
  what: string;
  /** How to get it on a Debian machine. */
  enable: string;
  available(): boolean;
}

function runs(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: "ignore", timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

const pythonImports = (modules: string) => () => runs(SYSTEM_PYTHON, ["-c", `import ${modules}`]);

export const ORACLES: Record<string, Oracle> = {
  python: {
    what: `${SYSTEM_PYTHON} (json, gzip)`,
    enable: "apt-get install python3",
    available: pythonImports("json, gzip"),
  },
  h5py: {
    what: `h5py and numpy in ${SYSTEM_PYTHON}`,
    enable: "apt-get install python3-h5py",
    available: pythonImports("h5py, numpy"),
  },
  pyyaml: {
    what: `PyYAML in ${SYSTEM_PYTHON}`,
    enable: "apt-get install python3-yaml",
    available: pythonImports("yaml"),
  },
  chromium: {
    what: "Debian's chromium at /usr/bin/chromium (driven by playwright-core)",
    enable: "apt-get install chromium",
    available: () => runs("/usr/bin/chromium", ["--headless", "--no-sandbox", "--version"]),
  },
  h5dump: {
    what: "h5dump (libhdf5 tools)",
    enable: "apt-get install hdf5-tools",
    available: () => runs("h5dump", ["--version"]),
  },
  slurm: {
    what: "a running Slurm cluster named by SLURM_CONF (sinfo answers)",
    enable: "start one with .ci/slurm-local.sh start DIR (apt-get install slurm-wlm munge) and export SLURM_CONF=DIR/slurm.conf",
    available: () => process.env.SLURM_CONF !== undefined && runs("sinfo", ["-h"]),
  },
  disk: {
    what: "10 GB free in the temporary directory (files past 4 GiB)",
    enable: "free some disk space, or set TMPDIR to a larger disk",
    available: () => {
      const fs = statfsSync(tmpdir());
      return fs.bavail * fs.bsize >= 10e9;
    },
  },
  shared: {
    what: `the full reference data set ${SHARED_ROOT_DIR}`,
    enable: "put the shared data beside the repository as ../shared or set SXFLOW_SHARED",
    available: () => existsSync(SHARED_ROOT_DIR),
  },
};

/** The needs a file declares on its first line (`// interop: h5py shared`). */
export function declaredNeeds(firstLine: string): string[] | null {
  const m = /^\/\/\s*interop:\s*(.*)$/.exec(firstLine.trim());
  return m ? m[1]!.split(/[\s,]+/).filter(Boolean) : null;
}
