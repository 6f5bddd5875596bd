// Run by `npm run build` after tsc (which writes only the type declarations): the package's
// JavaScript, bundled by esbuild from src/. A process loads a handful of files instead of some
// 250 modules (CLI and library) or 100 (a worker thread's pipeline), which is most of its
// start-up CPU.
//
// Layout: every bundled file sits at the top of dist/ (entries index.js, worker.js, sxflow.js and
// their shared and lazily loaded chunks), so that the paths that code resolves from
// import.meta.url (worker-module.ts, version.ts) hold as they do from src/. dist/cli/main.js, the
// `sxflow` command, only imports sxflow.js. Packages that load files of their own at run time
// (WebAssembly, piscina's worker script) stay outside the bundle.
import { build } from "esbuild";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

const dist = process.argv[2] ?? "dist";
mkdirSync(path.join(dist, "cli"), { recursive: true });

// JavaScript of an earlier build (chunk names change with their content); tsc left only .d.ts.
for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
  if (entry.isFile() && /\.(m?js|cjs)$/.test(entry.name)) rmSync(path.join(entry.parentPath, entry.name));
}

const common = { bundle: true, format: "esm", platform: "node", target: "node20", logLevel: "warning" };

// The report page's plotting library and DOM (src/report/plot-lib.ts), minified in a file of its
// own: only the page thread loads it.
await build({
  ...common,
  entryPoints: ["src/report/plot-lib.ts"],
  outfile: path.join(dist, "plot-lib.js"),
  minify: true,
  banner: {
    js:
      "// Bundled by sxflow's build from @observablehq/plot (ISC, Observable, Inc.), d3 (ISC, Mike Bostock), linkedom (ISC, Andrea Giammarchi)\n" +
      "// and their dependencies, unchanged; their licences ship with them, dependencies of sxflow.",
  },
});

/** page.ts imports the plotting library from the file above. */
const plotLibOutside = {
  name: "plot-lib-outside",
  setup(b) {
    b.onResolve({ filter: /\/plot-lib\.js$/ }, () => ({ path: "./plot-lib.js", external: true }));
  },
};

/**
 * zod's namespace export carries its error messages in 60-odd languages (360 KB, a third of the
 * configuration code every process parses at start); sxflow reports in English only, which zod
 * registers from its own module (v4/locales/en.js), so the namespace of the others is left empty.
 */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: "zod-locales", namespace: "zod-english-only" } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-english-only" }, () => ({ contents: "export {};", loader: "js" }));
  },
};

await build({
  ...common,
  entryPoints: [
    { in: "src/index.ts", out: "index" },
    { in: "src/worker.ts", out: "worker" },
    { in: "src/cli/main.ts", out: "sxflow" },
  ],
  outdir: dist,
  splitting: true,
  chunkNames: "[name]-[hash]",
  // Not minified: stack traces keep their names, and each module's code stays under a
  // `// src/<path>` comment, which bench/cpu-profile.ts reads to place profile samples.
  external: ["piscina", "parquet-wasm", "h5wasm", "@foxglove/wasm-zstd", "xz-decompress"],
  plugins: [plotLibOutside, zodEnglishOnly],
  // CommonJS packages inside an ES module bundle call require() for Node's modules.
  banner: { js: 'import { createRequire as __sxflowRequire } from "node:module";\nconst require = __sxflowRequire(import.meta.url);' },
});

writeFileSync(path.join(dist, "cli", "main.js"), '#!/usr/bin/env node\nimport "../sxflow.js";\n', { mode: 0o755 });
