import { count } from "../text/count.js";

/** A one-line progress display on a terminal stream: events, events/s and the time left. */
export class Progress {
  private readonly started = performance.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly total: number,
    private readonly label = "events",
  ) {}

  /** True when progress can be drawn (a terminal). */
  static enabledFor(stream: NodeJS.WriteStream): boolean {
    return stream.isTTY === true;
  }

  update(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const fraction = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const width = 24;
    const filled = Math.round(fraction * width);
    const eta = rate > 0 ? (this.total - done) / rate : Number.NaN;
    const line =
      `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
      `${count(done)}/${count(this.total)} ${this.label}, ` +
      `${count(Math.round(rate))}/s, ETA ${formatSeconds(eta)}`;
    this.stream.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  /** Writes a last message on the progress line (or leaves it alone when nothing was drawn). */
  done(message?: string): void {
    if (!this.shown) return;
    this.stream.write(message ? `\r${message}\x1b[K\n` : "\n");
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "--:--";
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  return `${m}:${String(t % 60).padStart(2, "0")}`;
}
