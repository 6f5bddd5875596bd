import { configDefaults, defineConfig } from "vitest/config";

/** Settings both test tiers share. */
export const common = { testTimeout: 60_000, hookTimeout: 60_000, pool: "forks" } as const;

// First tier (`npm test`): needs nothing but Node and this repository. Files named
// `*.interop.test.ts` need external oracles and run with `npm run test:interop` (test/interop.ts).
export default defineConfig({
  test: { ...common, include: ["test/**/*.test.ts"], exclude: [...configDefaults.exclude, "test/**/*.interop.test.ts"] },
});
