// interop: chromium
/**
 * The report page in a real browser (Debian's chromium through playwright-core): it loads from
 * disk with no console error and no request but its own file, and every plot has drawn marks.
 * The screenshot is kept in .sxflow-tmp/artifacts/report-page.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { runPipeline } from "../../src/pipeline/index.js";
import { FIXTURES_DIR, REPO_ROOT } from "../shared-data.js";
import { tempDir, writeConfig } from "../pipeline/helpers.js";

const CHROMIUM = "/usr/bin/chromium";
const dir = tempDir("page-browser");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("report page in chromium", () => {
  it("loads offline without errors and draws every plot", async () => {
    const out = path.join(dir, "out");
    await runPipeline(
      writeConfig(dir, {
        tree: "reco",
        samples: ["ttbar", "wjets"].map((name, label) => ({ name, label, files: [path.join(FIXTURES_DIR, "topcp", `${name}.parquet`)] })),
        cuts: ["num(jet_pt_NOSYS[jet_pt_NOSYS > 26000]) > 1"],
        objects: {
          event: { global: true, fields: { met: "met_met_NOSYS" } },
          jet: { max: 4, fields: { pt: "jet_pt_NOSYS", eta: "jet_eta" } },
        },
        split: { fractions: { train: 0.6, val: 0.2, test: 0.2 } },
        output: { dir: out, name: "page", compression: "none" },
      }),
      { workers: 0 },
    );
    const page = path.join(out, "page_report.html");
    const profile = mkdtempSync(path.join(tmpdir(), "sxflow-chromium-"));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const tab = await browser.newPage();
      const errors: string[] = [];
      const requests: string[] = [];
      tab.on("console", (m) => m.type() === "error" && errors.push(m.text()));
      tab.on("pageerror", (e) => errors.push(e.message));
      tab.on("request", (r) => requests.push(r.url()));
      const url = pathToFileURL(page).href;
      await tab.goto(url, { waitUntil: "load" });
      await tab.setViewportSize({ width: 1300, height: 900 });
      // Per plot: its id and the marks it drew (lines with a path, bars, ticks), axes and rules aside.
      const plots = await tab.$$eval("figure.plot", (figures) =>
        figures.map((f) => ({
          id: f.getAttribute("data-plot"),
          marks: f.querySelectorAll('g[aria-label="line"] path, g[aria-label="bar"] rect, g[aria-label="tick"] line').length,
          width: f.querySelector("svg")?.getBoundingClientRect().width ?? 0,
        })),
      );
      const artifacts = path.join(REPO_ROOT, ".sxflow-tmp", "artifacts");
      mkdirSync(artifacts, { recursive: true });
      await tab.screenshot({ path: path.join(artifacts, "report-page.png"), fullPage: true });
      expect(errors).toEqual([]);
      expect(requests).toEqual([url]);
      expect(plots.map((p) => p.id)).toEqual([
        "cutflow:ttbar", "cutflow:wjets", "splits", "class-weights", "multiplicity:jet",
        "field:event.met", "normalised:event.met", "field:jet.pt", "normalised:jet.pt", "field:jet.eta", "normalised:jet.eta", "timing",
      ]);
      for (const p of plots) {
        expect(p.marks, p.id!).toBeGreaterThan(0);
        expect(p.width, p.id!).toBeGreaterThan(100);
      }
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
