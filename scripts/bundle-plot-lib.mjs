// Run by `npm run build` after tsc: replaces dist/report/plot-lib.js (what src/report/plot-lib.ts
// re-exports from Observable Plot, d3 and linkedom) by one bundled, minified file, so that the
// report page's thread loads one file rather than some 120 modules (about half the CPU).
import { build } from "esbuild";

await build({
  entryPoints: ["src/report/plot-lib.ts"],
  outfile: "dist/report/plot-lib.js",
  bundle: true,
  minify: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  banner: {
    js:
      "// Bundled by sxflow's build from @observablehq/plot (ISC, Observable, Inc.), d3 (ISC, Mike Bostock), linkedom (ISC, Andrea Giammarchi)\n" +
      "// and their dependencies, unchanged; their licences ship with them, dependencies of sxflow.",
  },
});
