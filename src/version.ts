import { readFileSync } from "node:fs";

function readVersion(): string {
  // package.json sits one level above both src/ (tests) and dist/ (installed package).
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

export const VERSION = readVersion();
