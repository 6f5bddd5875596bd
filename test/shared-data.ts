import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

/** Repository root (tests live in test/). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * The full shared reference data lives beside the repository (`../shared`), as on developer
 * machines and in CI; SXFLOW_SHARED overrides it. Only the second test tier reads it.
 */
export const SHARED_DIR = process.env.SXFLOW_SHARED ?? path.resolve(REPO_ROOT, "../shared");

export const SHARED_ROOT_DIR = path.join(SHARED_DIR, "data", "root");
export const FIXTURES_DIR = path.join(REPO_ROOT, "fixtures");
/** The curated real ROOT files committed in the repository, with their uproot reference values. */
export const ROOT_FIXTURES = path.join(FIXTURES_DIR, "root");
/** The integration challenge's metadata and branch list, committed in the repository. */
export const IC_FIXTURES = path.join(FIXTURES_DIR, "ic");

export const HAVE_SHARED = existsSync(SHARED_ROOT_DIR);

/** Debian's python with numpy and h5py: the reader SALT uses. */
export const SYSTEM_PYTHON = "/usr/bin/python3";
