import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { RecordBatch, tableFromArrays } from "apache-arrow";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../shared-data.js";

const dir = mkdtempSync(path.join(tmpdir(), "sxflow-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exec = promisify(execFile);
const pkg = path.join(dir, "pkg");
const out = path.join(dir, "out");
const NAME = "ic_ttbar_wjets";
/** The files of a run that do not record times (the report JSON and page do). */
const FILES = [`${NAME}_train.h5`, `${NAME}_val.h5`, `${NAME}_test.h5`, "norm_dict.yaml", "class_dict.yaml", "salt_config.yaml", `${NAME}_histograms.json`];

/** `sxflow <args>`, from the bundled build or from the sources (tsx). */
async function sxflow(from: "bundle" | "sources", ...args: string[]): Promise<string> {
  const entry = from === "bundle" ? [path.join(pkg, "dist", "cli", "main.js")] : ["--import", "tsx", path.join(REPO_ROOT, "src", "cli", "main.ts")];
  return (await exec(process.execPath, [...entry, ...args], { cwd: REPO_ROOT, encoding: "utf8" })).stdout;
}

function outputs(): Map<string, Buffer> {
  return new Map(FILES.map((f) => [f, readFileSync(path.join(out, f))]));
}

// The package's JavaScript is bundled by scripts/build.mjs (every file at the top of dist/): the
// command, its worker threads (conversion, the report page's plotting library, the merge's second
// pass) must find their modules there and write what the sources write.
describe("the bundled build", () => {
  it("runs, shards and merges the example with worker threads, byte for byte as the sources do", { timeout: 300_000 }, async () => {
    mkdirSync(path.join(pkg, "dist", "cli"), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, "package.json"), path.join(pkg, "package.json"));
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(pkg, "node_modules"));
    await exec(process.execPath, [path.join(REPO_ROOT, "scripts", "build.mjs"), path.join(pkg, "dist")], { cwd: REPO_ROOT });
    // Only bundled files: no module of src/ compiled one by one.
    const js = readdirSync(path.join(pkg, "dist"), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".js"));
    expect(js).toContain("plot-lib.js");
    expect(js.filter((f) => f.includes(path.sep) && f !== path.join("cli", "main.js"))).toEqual([]);

    const example = readFileSync(path.join(REPO_ROOT, "examples", "ic-ttbar-wjets.yaml"), "utf8");
    const config = path.join(dir, "config.yaml");
    writeFileSync(
      config,
      example.replaceAll("../fixtures/", `${path.join(REPO_ROOT, "fixtures")}/`).replace(/^output:.*$/m, `output: {dir: ${out}, name: ${NAME}, compression: lzf}\nworkers: 2`),
    );
    expect(readFileSync(config, "utf8")).toContain(`dir: ${out}`);

    expect((await sxflow("bundle", "--version")).trim()).toBe(JSON.parse(readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).version);
    await sxflow("sources", "run", config, "--quiet");
    const expected = outputs();
    rmSync(out, { recursive: true });
    await sxflow("bundle", "run", config, "--quiet");
    expect(outputs()).toEqual(expected);
    // The page thread drew its plots with the bundled library.
    expect(readFileSync(path.join(out, `${NAME}_report.html`), "utf8")).toMatch(/<figure class="plot"[^>]*><h3>[^<]*<\/h3><svg/);

    rmSync(out, { recursive: true });
    await sxflow("bundle", "run", config, "--shard", "0/2", "--quiet");
    await sxflow("bundle", "run", config, "--shard", "1/2", "--quiet");
    await sxflow("bundle", "merge", config, "--quiet");
    expect(outputs()).toEqual(expected);

    // Arrow objects cross the API: tables and record batches of the caller's apache-arrow and of the
    // bundled one must pass for each other (apache-arrow marks its classes for instanceof).
    const built = (await import(pathToFileURL(path.join(pkg, "dist", "index.js")).href)) as typeof import("../../src/index.js");
    const table = tableFromArrays({ pt: new Float32Array([1.5, 2.5]), n: new Int32Array([3, 4]) });
    const batch = built.arrowToBatch(table);
    expect(batch.length).toBe(2);
    expect(built.batchToArrow(batch)).toBeInstanceOf(RecordBatch);
  });
});
