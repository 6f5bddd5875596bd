import { readFile } from "node:fs/promises";
import { ungzip } from "pako";
import type { z } from "zod";
import { MetadataError } from "./errors.js";
import { rawContainerInfoSchema, type ContainerInfo, type RawContainerInfo, type SampleMetadata } from "./schema.js";

/** At most this many problems are spelled out; the rest are counted. */
const MAX_LISTED_PROBLEMS = 20;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Reads a metadata file: gzip-compressed (recognised by its magic bytes, whatever the file is
 * called) or plain JSON. The file is a few MB at most, so it is read whole.
 */
export async function loadSampleMetadata(path: string): Promise<SampleMetadata> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : String(err);
    throw new MetadataError(`cannot read sample metadata "${path}": ${why}`);
  }
  return parseSampleMetadata(decodeJson(bytes, path), path);
}

function decodeJson(bytes: Uint8Array, path: string): unknown {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = ungzip(raw);
    } catch (err) {
      throw new MetadataError(`sample metadata "${path}": corrupt gzip data (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
  } catch {
    throw new MetadataError(`sample metadata "${path}": not UTF-8 text (neither JSON nor gzip-compressed JSON)`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MetadataError(`sample metadata "${path}": not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

function issueText(issue: z.core.$ZodIssue): string {
  const message = issue.message.replace(/^Invalid input: /, "").replace(/, received undefined$/, ", but it is missing");
  return issue.path.length === 0 ? message : `field "${issue.path.join(".")}": ${message}`;
}

/** Cross-field rules the schema alone cannot state; returns the problems found. */
function consistencyProblems(raw: RawContainerInfo): string[] {
  const problems: string[] = [];
  const files = raw.files_output ?? [];
  if (raw.output !== null) {
    if (raw.files_output === null) problems.push("output is set but files_output is null");
    if (raw.size_output_GB === null) problems.push("output is set but size_output_GB is null");
    if (raw.nfiles_output !== files.length) {
      problems.push(`nfiles_output is ${String(raw.nfiles_output)} but files_output lists ${files.length} files`);
    }
    const sizes = raw.sizes_output_GB;
    if (sizes !== undefined && sizes !== null && sizes.length !== files.length) {
      problems.push(`sizes_output_GB has ${sizes.length} entries but files_output lists ${files.length} files`);
    }
  } else {
    if (files.length > 0) problems.push(`output is null but files_output lists ${files.length} files`);
    if ((raw.nfiles_output ?? 0) > 0) problems.push(`output is null but nfiles_output is ${String(raw.nfiles_output)}`);
    if ((raw.size_output_GB ?? 0) > 0) problems.push(`output is null but size_output_GB is ${String(raw.size_output_GB)}`);
  }
  return problems;
}

function normalise(raw: RawContainerInfo): ContainerInfo {
  const hasOutput = raw.output !== null;
  return {
    nevtsInput: raw.nevts_input,
    nfilesInput: raw.nfiles_input,
    sizeInputGB: raw.size_input_GB,
    output: raw.output === null ? null : raw.output.replace(/\/$/, ""),
    filesOutput: hasOutput ? (raw.files_output ?? []) : [],
    nfilesOutput: hasOutput ? (raw.nfiles_output ?? 0) : 0,
    sizeOutputGB: hasOutput ? (raw.size_output_GB ?? 0) : 0,
    sizesOutputGB: hasOutput ? (raw.sizes_output_GB ?? null) : null,
    nevtsOutput: raw.nevts_output ?? null,
    jeditaskid: raw.jeditaskid ?? null,
  };
}

/**
 * Validates an already-parsed metadata document `{category: {container: info}}`. Every problem
 * in the document is collected and reported at once, each with its category and container.
 * `source` names the document in messages.
 */
export function parseSampleMetadata(document: unknown, source = "sample metadata"): SampleMetadata {
  if (!isRecord(document)) {
    throw new MetadataError(`${source}: expected a JSON object {category: {container: info}}, found ${describe(document)}`);
  }
  const problems: string[] = [];
  const categories = Object.fromEntries(
    Object.entries(document).map(([category, containers]) => {
      if (!isRecord(containers)) {
        problems.push(`category "${category}": expected an object of containers, found ${describe(containers)}`);
        return [category, {}];
      }
      const entries = Object.entries(containers).flatMap(([container, raw]) => {
        const where = `category "${category}", container "${container}"`;
        if (container.trim() === "") {
          problems.push(`category "${category}": empty container name`);
          return [];
        }
        const parsed = rawContainerInfoSchema.safeParse(raw);
        if (!parsed.success) {
          problems.push(...parsed.error.issues.map((issue) => `${where}: ${issueText(issue)}`));
          return [];
        }
        const inconsistent = consistencyProblems(parsed.data);
        if (inconsistent.length > 0) {
          problems.push(...inconsistent.map((p) => `${where}: ${p}`));
          return [];
        }
        return [[container, normalise(parsed.data)] as const];
      });
      return [category, Object.fromEntries(entries)];
    }),
  ) as Record<string, Record<string, ContainerInfo>>;

  if (problems.length > 0) {
    const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  ${p}`);
    if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`  ... and ${problems.length - MAX_LISTED_PROBLEMS} more`);
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    throw new MetadataError(`${source}: invalid sample metadata, ${count}:\n${listed.join("\n")}`);
  }
  return { source, categories };
}
