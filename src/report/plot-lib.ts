/**
 * The plotting library and the DOM it draws on: the only module that imports them. `npm run build`
 * replaces its compiled form, dist/report/plot-lib.js, by one bundled file of what is imported
 * here (esbuild, scripts/bundle-plot-lib.mjs): the page thread then loads one file instead of
 * some 120 modules (Plot's sources, d3's packages), about half the CPU. Run from sources (tests,
 * tsx), the packages load as usual; the drawn page is the same.
 */
export { barX, line, plot, ruleX, ruleY, text, tickX } from "@observablehq/plot";
// linkedom's own single-file build (no canvas); the same DOM as its main entry.
export { parseHTML } from "linkedom/worker";
