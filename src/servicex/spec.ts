import { readFileSync } from "node:fs";
import path from "node:path";
import { type Tags, parse as parseYaml, type YAMLMap, type YAMLSeq } from "yaml";
import { z } from "zod";
import type { ResultFormat, TransformRequest } from "./backend.js";
import { type DatasetSpec, resolveDataset } from "./dataset.js";
import { ServiceXError } from "./errors.js";
import { UPROOT_RAW_CODEGEN, type UprootRawQuery, buildUprootRaw, validateUprootRaw } from "./query.js";

/** A query: verbatim UprootRaw JSON text, sxflow's structured form, or a tagged form from YAML. */
export type QuerySpec =
  | string
  | UprootRawQuery
  | UprootRawQuery[]
  | { UprootRaw: string | UprootRawQuery | UprootRawQuery[] }
  | { PythonFunction: string };

export type Delivery = "LocalCache" | "SignedURLs" | "URLs";

export interface SampleSpec {
  Name: string;
  Dataset?: DatasetSpec;
  /** Deprecated Python-client spellings of Dataset. */
  RucioDID?: string;
  XRootDFiles?: string | string[];
  Query: QuerySpec;
  NFiles?: number;
  Codegen?: string;
  IgnoreLocalCache?: boolean;
}

export interface DeliverSpec {
  General?: {
    Codegen?: string;
    /** root-ttree (default, as in the Python client) or parquet. */
    OutputFormat?: "root-ttree" | "root-file" | "parquet";
    /**
     * LocalCache (default): download into the cache. SignedURLs (the Python client's "URLs"):
     * presigned URLs of the files in the object store, read over HTTP with range requests.
     */
    Delivery?: Delivery;
    IgnoreLocalCache?: boolean;
    OutputDirectory?: string;
    OutFilesetName?: string;
  };
  Sample: SampleSpec[];
  /** Holder for YAML anchors; ignored. */
  Definition?: unknown[];
}

const datasetSchema = z.union([
  z.string().min(1),
  z.object({ rucio: z.string().min(1) }).strict(),
  z.object({ fileList: z.array(z.string().min(1)) }).strict(),
  z.object({ xrootd: z.string().min(1) }).strict(),
  z.object({ cernOpenData: z.union([z.number().int(), z.string()]) }).strict(),
]);

const treeQuerySchema = z
  .object({
    tree: z.union([z.string().min(1), z.array(z.string().min(1)).min(1), z.record(z.string(), z.string())]),
    branches: z.array(z.string().min(1)).optional(),
    cuts: z.array(z.string().min(1)).optional(),
    aliases: z.record(z.string(), z.string()).optional(),
    expressions: z.array(z.string().min(1)).optional(),
    failOnMissingTrees: z.boolean().optional(),
  })
  .strict();
const copyQuerySchema = z.object({ copyHistograms: z.union([z.string(), z.array(z.string())]) }).strict();
const structuredSchema = z.union([treeQuerySchema, copyQuerySchema]);
const structuredListSchema = z.union([structuredSchema, z.array(structuredSchema).min(1)]);

const querySchema = z.union([
  z.string().min(1),
  structuredListSchema,
  z.object({ UprootRaw: z.union([z.string().min(1), structuredListSchema]) }).strict(),
  z.object({ PythonFunction: z.string().min(1) }).strict(),
]);

const sampleSchema = z
  .object({
    Name: z.string().min(1),
    Dataset: datasetSchema.optional(),
    RucioDID: z.string().optional(),
    XRootDFiles: z.union([z.string(), z.array(z.string())]).optional(),
    Query: querySchema,
    NFiles: z.number().int().positive().optional(),
    Codegen: z.string().min(1).optional(),
    IgnoreLocalCache: z.boolean().optional(),
  })
  .strict();

const specSchema = z
  .object({
    General: z
      .object({
        Codegen: z.string().min(1).optional(),
        OutputFormat: z.enum(["root-ttree", "root-file", "parquet"]).optional(),
        Delivery: z.enum(["LocalCache", "SignedURLs", "URLs"]).optional(),
        IgnoreLocalCache: z.boolean().optional(),
        OutputDirectory: z.string().optional(),
        OutFilesetName: z.string().optional(),
      })
      .strict()
      .optional(),
    Sample: z.array(sampleSchema).min(1),
    Definition: z.array(z.unknown()).optional(),
  })
  .strict();

/** One sample ready to submit. */
export interface SampleRequest {
  name: string;
  request: TransformRequest;
  ignoreLocalCache: boolean;
}

function zodIssues(err: z.ZodError, where: string): ServiceXError {
  const lines = err.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
  return new ServiceXError(`${where}: invalid deliver spec:\n  ${lines.join("\n  ")}`);
}

/** Validates a spec object (from code or YAML). */
export function validateSpec(raw: unknown, where = "spec"): DeliverSpec {
  const r = specSchema.safeParse(raw);
  if (!r.success) throw zodIssues(r.error, where);
  return r.data as DeliverSpec;
}

function querySelection(q: QuerySpec, where: string, codegen: string | undefined): { codegen: string; selection: string } {
  // A plain string for another codegen (FuncADL text, say) goes to the server verbatim.
  if (typeof q === "string" && codegen !== undefined && codegen !== UPROOT_RAW_CODEGEN) return { codegen, selection: q };
  if (typeof q === "string") return { codegen: UPROOT_RAW_CODEGEN, selection: validateUprootRaw(q, where) };
  if (!Array.isArray(q) && "PythonFunction" in q) {
    return { codegen: "python", selection: Buffer.from(q.PythonFunction, "utf8").toString("base64") };
  }
  if (!Array.isArray(q) && "UprootRaw" in q) return querySelection(q.UprootRaw, where, undefined);
  return { codegen: UPROOT_RAW_CODEGEN, selection: buildUprootRaw(q) };
}

/** Turns a validated spec into transform requests, one per sample. */
export function sampleRequests(spec: DeliverSpec, where = "spec"): SampleRequest[] {
  const g = spec.General ?? {};
  const resultFormat: ResultFormat = g.OutputFormat === "parquet" ? "parquet" : "root-file";
  const names = new Set<string>();
  return spec.Sample.map((s, i) => {
    const at = `${where}: Sample[${i}] "${s.Name}"`;
    if (names.has(s.Name)) throw new ServiceXError(`${at}: sample name used twice`);
    names.add(s.Name);
    const given = [s.Dataset, s.RucioDID, s.XRootDFiles].filter((d) => d !== undefined);
    if (given.length !== 1) throw new ServiceXError(`${at}: give exactly one of Dataset, RucioDID, XRootDFiles`);
    const dataset: DatasetSpec =
      s.Dataset ??
      (s.RucioDID !== undefined
        ? { rucio: s.RucioDID }
        : Array.isArray(s.XRootDFiles)
          ? { fileList: s.XRootDFiles }
          : { xrootd: s.XRootDFiles as string });
    const resolved = resolveDataset(dataset, s.NFiles, at);
    const q = querySelection(s.Query, at, s.Codegen ?? g.Codegen);
    const request: TransformRequest = {
      title: s.Name,
      codegen: s.Codegen ?? g.Codegen ?? q.codegen,
      selection: q.selection,
      resultFormat,
      ...resolved,
    };
    return { name: s.Name, request, ignoreLocalCache: s.IgnoreLocalCache ?? g.IgnoreLocalCache ?? false };
  });
}

function seqValues(node: YAMLSeq): unknown[] {
  return node.toJSON() as unknown[];
}

/** Python-client tags sxflow cannot honour, with the reason. */
const UNSUPPORTED_TAGS: Record<string, string> = {
  "!TopCP": "TopCP queries are not supported by sxflow; use !UprootRaw on TopCP output",
  ...Object.fromEntries(
    ["!FuncADL_Uproot", "!FuncADL_ATLASr21", "!FuncADL_ATLASr22", "!FuncADL_ATLASxAOD", "!FuncADL_CMS"].map((t) => [
      t,
      `${t} queries need the Python client (the func_adl text must be translated to qastle in Python); use !UprootRaw`,
    ]),
  ),
};

/** The Python client's YAML tags. `!include` is resolved relative to `dir`. */
function specTags(dir: string, depth: number): Tags {
  const refuse = Object.entries(UNSUPPORTED_TAGS).map(([tag, why]) => ({
    tag,
    resolve: (): never => {
      throw new ServiceXError(why);
    },
  }));
  return [
    ...refuse,
    { tag: "!Rucio", resolve: (s: string) => ({ rucio: s.trim() }) },
    { tag: "!FileList", resolve: (s: string) => ({ fileList: [s.trim()] }) },
    { tag: "!FileList", collection: "seq", resolve: (n: YAMLSeq | YAMLMap) => ({ fileList: seqValues(n as YAMLSeq) }) },
    { tag: "!XRootD", resolve: (s: string) => ({ xrootd: s.trim() }) },
    { tag: "!CERNOpenData", resolve: (s: string) => ({ cernOpenData: s.trim() }) },
    { tag: "!UprootRaw", resolve: (s: string) => ({ UprootRaw: s }) },
    { tag: "!PythonFunction", resolve: (s: string) => ({ PythonFunction: s }) },
    {
      tag: "!include",
      resolve: (s: string) => {
        if (depth > 10) throw new ServiceXError(`!include ${s}: nested too deeply (a cycle?)`);
        return parseSpecYaml(readText(path.resolve(dir, s.trim())), path.resolve(dir, s.trim()), depth + 1);
      },
    },
  ];
}

function readText(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ServiceXError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

function parseSpecYaml(text: string, file: string, depth: number): unknown {
  try {
    return parseYaml(text, { customTags: specTags(path.dirname(file), depth), merge: true });
  } catch (err) {
    // The yaml library wraps errors thrown by tag resolvers (ours name the problem) with the
    // line and column, so its message is kept as is.
    throw new ServiceXError(`${file}: ${(err as Error).message}`);
  }
}

/** Reads a YAML deliver spec in the Python client's format. */
export function loadSpecFile(file: string): DeliverSpec {
  const abs = path.resolve(file);
  return validateSpec(parseSpecYaml(readText(abs), abs, 0), abs);
}
