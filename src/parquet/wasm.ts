import { createRequire } from "node:module";

type ParquetWasm = typeof import("parquet-wasm");

let loaded: ParquetWasm | undefined;

/**
 * parquet-wasm, loaded with require() on first use: loading compiles and instantiates its 5 MB
 * WebAssembly module (about 50 ms), which a thread whose column chunks the own decoder reads
 * never needs. Its Node build is CommonJS, and an ESM import makes Node scan its 100 KB of glue
 * code for export names (cjs-module-lexer); optimising that scanner cost about 0.1 s of CPU in
 * every thread that imported the package, measured in the pipeline's workers.
 */
export function parquetWasm(): ParquetWasm {
  loaded ??= createRequire(import.meta.url)("parquet-wasm") as ParquetWasm;
  return loaded;
}
