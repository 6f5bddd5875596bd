/**
 * The plotting library and the DOM it draws on: the only module that imports them. `npm run build`
 * bundles what is imported here into a minified file of its own, dist/plot-lib.js (esbuild,
 * scripts/build.mjs), which only the page thread loads: one file instead of some 120 modules
 * (Plot's sources, d3's packages), about half the CPU. Run from sources (tests, tsx), the packages
 * load as usual; the drawn page is the same.
 */
export { barX, line, plot, ruleX, ruleY, text, tickX } from "@observablehq/plot";
// linkedom's own single-file build (no canvas); the same DOM as its main entry.
export { parseHTML } from "linkedom/worker";
