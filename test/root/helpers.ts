import path from "node:path";
import { openRoot, type RootFile } from "../../src/index.js";
import { FIXTURES_DIR } from "../shared-data.js";

/** A committed ROOT file (fixtures/root). */
export const fixture = (name: string): string => path.join(FIXTURES_DIR, "root", name);

/** Runs `f` on an open committed ROOT file, closing it afterwards. */
export async function withFile<T>(name: string, f: (file: RootFile) => Promise<T>): Promise<T> {
  const file = await openRoot(fixture(name));
  try {
    return await f(file);
  } finally {
    await file.close();
  }
}
