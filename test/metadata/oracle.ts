import { execFileSync } from "node:child_process";
import path from "node:path";
import { FIXTURES_DIR, IC_FIXTURES, SYSTEM_PYTHON } from "../shared-data.js";

export const REAL_METADATA = path.join(IC_FIXTURES, "file_metadata.json.gz");
export const FIXTURE_METADATA = path.join(FIXTURES_DIR, "metadata", "file_metadata_subset.json");

/**
 * An independent implementation to check ours against: the analysis notebook's own algorithm
 * (first "_r<digits>_" of the name looked up in the NOTES.md r-tag table; data keys
 * "<category>_data_<dataNN>"; DID "user.alheld:" + output minus its "/"), run by Python's
 * json and gzip modules on the same file.
 */
const ORACLE = String.raw`
import gzip, json, re, sys
path = sys.argv[1]
opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
with opener(path) as f:
    meta = json.load(f)
table = {"mc20a": "r13167 r14859 r13297 r14862", "mc20d": "r13144 r14860 r13298 r14863",
         "mc20e": "r13145 r14861 r13299 r14864", "mc23a": "r14622 r15540",
         "mc23d": "r15224 r15530", "mc23e": "r16083"}
campaign_of = {r: c for c, tags in table.items() for r in tags.split()}
campaigns, datasets, files = {}, {}, {}
for category, containers in meta.items():
    for name, info in containers.items():
        year = re.findall(r":(data\d+)_", name)
        if year:
            dsid, campaign = "data", year[0]
        else:
            dsid = re.findall(r"\.(\d{6})\.", name)[0]
            campaign = campaign_of.get(re.findall(r"_(r\d+)_", name)[0])
        campaigns[name] = campaign
        if info["output"] is not None:
            key = f"{category}_{dsid}_{campaign}"
            datasets[key] = "user.alheld:" + info["output"][:-1]
            files[key] = info["files_output"]
json.dump({"campaigns": campaigns, "datasets": datasets, "files": files}, sys.stdout)
`;

export interface OracleResult {
  campaigns: Record<string, string | null>;
  datasets: Record<string, string>;
  files: Record<string, string[]>;
}

export function pythonOracle(file: string): OracleResult {
  const out = execFileSync(SYSTEM_PYTHON, ["-c", ORACLE, file], { encoding: "utf8", maxBuffer: 64 << 20 });
  return JSON.parse(out) as OracleResult;
}
