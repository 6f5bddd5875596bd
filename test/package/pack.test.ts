import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, ROOT_FIXTURES } from "../shared-data.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-pack-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Asynchronous: a long synchronous call would stall vitest's worker channel. */
async function run(cwd: string, command: string, args: string[]): Promise<string> {
  return (await promisify(execFile)(command, args, { cwd, encoding: "utf8", maxBuffer: 1 << 26 })).stdout;
}

/**
 * An app depending on the tarball, locked to the versions the repository's lockfile resolves: npm
 * then installs offline from its cache (`npm install <tarball>` would first ask the registry for
 * every dependency's version list, which the cache of an `npm ci` does not hold).
 */
function writeAppLock(app: string, tarball: string, pkg: Record<string, unknown>): void {
  const lock = JSON.parse(readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
  const packages: Record<string, unknown> = {
    "": { name: "app", dependencies: { sxflow: tarball } },
    "node_modules/sxflow": {
      version: pkg.version, resolved: tarball, license: pkg.license,
      dependencies: pkg.dependencies, bin: pkg.bin, engines: pkg.engines,
    },
  };
  for (const [key, entry] of Object.entries(lock.packages)) if (key !== "" && !entry.dev) packages[key] = entry;
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, dependencies: { sxflow: tarball } }));
  writeFileSync(path.join(app, "package-lock.json"), JSON.stringify({ name: "app", lockfileVersion: 3, requires: true, packages }));
}

// The package as a user gets it: packed from a copy of the working tree without dist/ (so that
// `prepack` must build it), installed from the tarball into an empty folder with the npm cache
// only (the dependencies are there after `npm ci`), and run through npx.
describe("the npm package", () => {
  it("packs with its licence and no source maps, installs offline and runs `sxflow --version` and `inspect`", { timeout: 600_000 }, async () => {
    const copy = path.join(dir, "copy");
    const files = (await run(REPO_ROOT, "git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"])).split("\0").filter(Boolean);
    for (const f of files) {
      if (f.startsWith("dist/")) continue;
      mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      try {
        copyFileSync(path.join(REPO_ROOT, f), path.join(copy, f));
      } catch (err) {
        // A file deleted from the working tree but not yet from the index.
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(copy, "node_modules"));

    const packed = JSON.parse(await run(copy, "npm", ["pack", "--json", "--pack-destination", dir])) as { filename: string; files: { path: string }[] }[];
    const shipped = packed[0]!.files.map((f) => f.path);
    expect(shipped).toContain("LICENSE");
    expect(shipped).toContain("dist/cli/main.js");
    expect(shipped).toContain("dist/index.d.ts");
    expect(shipped.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(shipped.filter((f) => !f.startsWith("dist/") && !["LICENSE", "README.md", "package.json"].includes(f))).toEqual([]);
    expect(readFileSync(path.join(copy, "LICENSE"), "utf8")).toMatch(/^BSD 3-Clause License/);

    const app = path.join(dir, "app");
    mkdirSync(app);
    const pkg = JSON.parse(readFileSync(path.join(copy, "package.json"), "utf8")) as { version: string };
    writeAppLock(app, `file:../${packed[0]!.filename}`, pkg);
    await run(app, "npm", ["ci", "--offline", "--no-audit", "--no-fund"]);
    const { version } = pkg;
    expect((await run(app, "npx", ["--offline", "sxflow", "--version"])).trim()).toContain(version);
    const inspect = JSON.parse(await run(app, "npx", ["--offline", "sxflow", "inspect", path.join(ROOT_FIXTURES, "uproot-HZZ.root"), "--json"]));
    expect(JSON.stringify(inspect)).toContain("NMuon");
    expect(JSON.stringify(inspect)).toContain("2421");
  });
});
