import { defineConfig } from "vitest/config";
import { common } from "./vitest.config.js";

// Second tier: only the `*.interop.test.ts` files; run it through `npm run test:interop`, which
// picks the files whose oracles this machine has (test/interop.ts).
export default defineConfig({ test: { ...common, include: ["test/**/*.interop.test.ts"] } });
