/**
 * A count with thousands separators, as `n.toLocaleString("en-US")` writes it ("1,234,567").
 * Written out because a process's first toLocaleString loads ICU's locale data, about 18 ms of
 * CPU, which every `sxflow run`, `run --shard` or `merge` paid once for its summary or progress
 * line. Counts only: a number with a fraction keeps toLocaleString.
 */
export function count(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString("en-US");
  const digits = String(Math.abs(n));
  let out = digits.slice(0, digits.length % 3 || 3);
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`;
  return n < 0 ? `-${out}` : out;
}
