import { createRequire } from "node:module";

/**
 * parquet-wasm, loaded with require(). Its Node build is CommonJS, and an ESM import makes Node
 * scan its 100 KB of glue code for export names (cjs-module-lexer); optimising that scanner cost
 * about 0.1 s of CPU in every thread that imported the package, measured in the pipeline's workers.
 */
export const parquetWasm = createRequire(import.meta.url)("parquet-wasm") as typeof import("parquet-wasm");
