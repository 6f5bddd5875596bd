import { count as thousands } from "../text/count.js";

/** What a progress line shows for one sample. */
export interface SampleState {
  status: string;
  files: number;
  completed: number;
  failed: number;
  downloaded: number;
  /** What the second bar counts: downloads or signed URLs. */
  delivery?: "download" | "signed";
  /** Streaming runs: files and events converted so far, shown instead of the second bar. */
  converted?: { files: number; events: number };
}

const WIDTH = 20;

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(WIDTH, Math.round((done / total) * WIDTH)) : 0;
  return `[${"#".repeat(filled)}${"-".repeat(WIDTH - filled)}]`;
}

/** 1234 -> "1,234", 1.2 million -> "1.2M". */
function count(n: number): string {
  if (n < 1e4) return thousands(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e5 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e8 ? 1 : 0)}M`;
}

export function progressLine(name: string, s: SampleState): string {
  const total = s.files > 0 ? String(s.files) : "?";
  const failed = s.failed > 0 ? ` \x1b[31m${s.failed} failed\x1b[0m` : "";
  const transform = `${name.slice(0, 30).padEnd(30)} transform ${bar(s.completed, s.files)} ${s.completed}/${total}${s.converted ? " files" : ""}${failed}`;
  if (s.converted) {
    const { files, events } = s.converted;
    return `${transform} · converted ${files} file${files === 1 ? "" : "s"}, ${count(events)} events  ${s.status}`;
  }
  return `${transform}  ${s.delivery ?? "download"} ${bar(s.downloaded, s.completed)} ${s.downloaded}/${s.completed}  ${s.status}`;
}

/**
 * One redrawn line per sample on a terminal; silent otherwise (logs and pipes get only the
 * final result, never escape codes).
 */
export class ProgressDisplay {
  private readonly states = new Map<string, SampleState>();
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    readonly enabled: boolean = stream.isTTY === true,
  ) {}

  update(name: string, change: Partial<SampleState>): void {
    if (!this.enabled) return;
    const s = this.states.get(name) ?? { status: "Submitting", files: 0, completed: 0, failed: 0, downloaded: 0 };
    this.states.set(name, { ...s, ...change });
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, 100);
  }

  /** Draws the final state and leaves the lines in place. */
  stop(): void {
    if (!this.enabled) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.draw();
  }

  private draw(): void {
    const lines = [...this.states].map(([name, s]) => progressLine(name, s));
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : "";
    this.stream.write(`${up}${lines.map((l) => `\r\x1b[2K${l}`).join("\n")}\n`);
    this.drawn = lines.length;
  }
}
