import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

// The project's type libraries (ES2023 + Node) do not declare WebAssembly; this is the part used.
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
};

/** A compiled WebAssembly.Module (opaque here). */
export type WasmModule = object;

/**
 * zstd's WebAssembly module (@foxglove/wasm-zstd), compiled once per process. The pipeline's pool
 * compiles it on the main thread and hands it to its threads (see worker.ts), which instantiate
 * it without compiling: V8 then keeps one copy of its machine code for all of them, so the code
 * that one thread's decoding makes hot and optimises (dynamic tiering) serves the others too.
 * Each thread compiling and tiering up its own copy cost its first tasks about 100 ms of CPU
 * more (decoding 100 zstd pages took 80-130 ms in a fresh thread, against 33-42 ms in a thread
 * given the module another thread had warmed, and 32 ms at steady state).
 */
let compiled: WasmModule | undefined;

/** The module: the one handed to this thread, else compiled here (once). */
export function zstdModule(): WasmModule {
  compiled ??= new WebAssembly.Module(readFileSync(createRequire(import.meta.url).resolve("@foxglove/wasm-zstd/dist/wasm-zstd.wasm")));
  return compiled;
}

/** Uses `module` (compiled by another thread) from now on, unless this thread has its own already. */
export function adoptZstdModule(module: WasmModule): void {
  compiled ??= module;
}

/** An instance of the module with Emscripten's `imports`, and the module. */
export function instantiateZstd(imports: object): { instance: { exports: object }; module: WasmModule } {
  const module = zstdModule();
  return { instance: new WebAssembly.Instance(module, imports), module };
}

/** What a conversion pool gives its threads (see pool/worker-pool.ts, `shared`). */
export interface ConversionShared {
  zstd?: WasmModule;
}
