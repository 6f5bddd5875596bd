import { displayUrl, isUrl } from "../sources/byte-source.js";
import type { RunPlanDescription } from "../pipeline/dry-run.js";
import { count } from "../text/count.js";

/** Signed URLs are shown without their query: the signature is a credential. */
const shown = (p: string): string => (isUrl(p) ? displayUrl(p) : p);

/** The text `sxflow run --dry-run` prints. */
export function formatRunPlan(d: RunPlanDescription): string {
  const lines = [`plan of ${d.config} (dry run: nothing read or written)`, `  tree "${d.tree}", tasks of about ${count(d.batchSize)} entries`];
  if (d.maxEvents !== undefined) lines.push(`  limited to the first ${count(d.maxEvents)} events of each sample (--max-events)`);
  lines.push("samples:");
  for (const s of d.samples) {
    const head = `  ${s.name} (class ${s.label} "${s.className}")`;
    if (s.servicex) {
      lines.push(`${head}: from ServiceX, ${s.servicex.length} request(s), files known once fetched`);
      for (const r of s.servicex) {
        const extra = [r.request.NFiles !== undefined ? `NFiles ${r.request.NFiles}` : "", r.request.Codegen ? `codegen ${r.request.Codegen}` : ""].filter(Boolean);
        lines.push(`    ${r.request.Name}: ${JSON.stringify(r.request.Dataset)} via ${r.endpoint ?? "the default endpoint of servicex.yaml"} (${r.delivery}${extra.length ? `, ${extra.join(", ")}` : ""})`);
      }
      lines.push(`    query (UprootRaw): ${d.servicexQuery}`);
      continue;
    }
    const unread = s.filesTotal - s.files.length;
    lines.push(`${head}: ${s.files.length} file(s)${unread > 0 ? ` (${unread} more not needed)` : ""}, ${count(s.tasks ?? 0)} task(s), ${count(s.entries ?? 0)} entries`);
    for (const f of s.files) lines.push(`    ${shown(f.path)} (${count(f.entries)} entries)`);
  }
  lines.push(`branches read (${d.branches.length}${d.branchesChecked ? "" : ", not checked: no local file"}): ${d.branches.join(", ")}`);
  lines.push("outputs:");
  for (const p of Object.values(d.outputs)) lines.push(`  ${p}`);
  return `${lines.join("\n")}\n`;
}
