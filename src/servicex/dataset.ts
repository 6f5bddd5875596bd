import { ServiceXError } from "./errors.js";

/** Where a sample's input comes from; the YAML tags !Rucio, !FileList, !XRootD, !CERNOpenData make these. */
export type DatasetSpec =
  | string
  | { rucio: string }
  | { fileList: string[] }
  | { xrootd: string }
  | { cernOpenData: number | string };

export type ResolvedDataset = { did: string } | { fileList: string[] };

const SCHEMES = ["rucio", "xrootd", "cernopendata"];

function rucio(name: string, where: string): string {
  const bare = name.replace(/^rucio:\/\//, "");
  const colon = bare.indexOf(":");
  if (colon <= 0 || colon === bare.length - 1) {
    throw new ServiceXError(`${where}: Rucio dataset "${name}" needs a scope: write it as scope:name`);
  }
  return `rucio://${bare}`;
}

/**
 * The `did` (or `file-list`) to submit. `nFiles` limits the input: appended as `?files=N` to a
 * DID (the server's finder then picks a stable subset), or the first N entries of a file list.
 */
export function resolveDataset(spec: DatasetSpec, nFiles: number | undefined, where: string): ResolvedDataset {
  let resolved: ResolvedDataset;
  if (typeof spec === "string") {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(spec)?.[1]?.toLowerCase();
    // A Rucio DID has a colon and never a slash: anything else without a scheme is a local path.
    if (scheme === "file" || (scheme === undefined && !spec.includes(":") && (spec.includes("/") || /\.(root|parquet)$/i.test(spec)))) {
      resolved = { fileList: [spec] };
    } else if (scheme === undefined) resolved = { did: rucio(spec, where) };
    else if (scheme === "rucio") resolved = { did: rucio(spec, where) };
    else if (scheme === "root") resolved = { did: `xrootd://${spec}` };
    else if (SCHEMES.includes(scheme)) resolved = { did: spec };
    else throw new ServiceXError(`${where}: dataset "${spec}": unsupported scheme "${scheme}://" (use ${SCHEMES.join(", ")} or a file list)`);
  } else if ("rucio" in spec) resolved = { did: rucio(spec.rucio, where) };
  else if ("xrootd" in spec) resolved = { did: `xrootd://${spec.xrootd.replace(/^xrootd:\/\//, "")}` };
  else if ("cernOpenData" in spec) {
    const id = String(spec.cernOpenData);
    if (!/^\d+$/.test(id)) throw new ServiceXError(`${where}: CERN Open Data record "${id}" must be a number`);
    resolved = { did: `cernopendata://${id}` };
  } else {
    if (spec.fileList.length === 0) throw new ServiceXError(`${where}: file list is empty`);
    resolved = { fileList: [...spec.fileList] };
  }
  if (nFiles !== undefined) {
    if (!Number.isInteger(nFiles) || nFiles <= 0) throw new ServiceXError(`${where}: NFiles must be a positive integer, got ${nFiles}`);
    if ("did" in resolved) {
      if (/[?&]files=/.test(resolved.did)) throw new ServiceXError(`${where}: give the file count either in the DID or as NFiles, not both`);
      resolved = { did: `${resolved.did}${resolved.did.includes("?") ? "&" : "?"}files=${nFiles}` };
    } else resolved = { fileList: resolved.fileList.slice(0, nFiles) };
  }
  return resolved;
}
