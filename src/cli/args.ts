import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * Parses a command's arguments with `-h/--help` added. A usage error (exit 2) or a help request
 * (exit 0) is answered here, and the exit code comes back instead of the parsed values.
 */
export function parseCommandArgs<T extends ParseArgsConfig["options"]>(
  command: string,
  help: string,
  args: string[],
  options: T,
  write: (s: string) => void = (s) => process.stdout.write(s),
  writeError: (s: string) => void = (s) => process.stderr.write(s),
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: T & { help: { type: "boolean"; short: "h" } } }>> | number {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { ...options, help: { type: "boolean", short: "h" } } as T & { help: { type: "boolean"; short: "h" } } });
  } catch (err) {
    writeError(`sxflow ${command}: ${(err as Error).message}\n\n${help}`);
    return 2;
  }
  if ((parsed.values as { help?: boolean }).help) {
    write(help);
    return 0;
  }
  return parsed;
}
