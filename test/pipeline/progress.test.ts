import { describe, expect, it } from "vitest";
import { Progress } from "../../src/pipeline/index.js";

function fakeTerminal(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, write: (s: string) => (chunks.push(s), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join("") };
}

describe("progress display", () => {
  it("is drawn only on a terminal", () => {
    expect(Progress.enabledFor(fakeTerminal(true).stream)).toBe(true);
    expect(Progress.enabledFor(fakeTerminal(false).stream)).toBe(false);
  });

  it("shows events done of the total, the rate and the time left on one rewritten line", () => {
    const t = fakeTerminal(true);
    const p = new Progress(t.stream, 2_000_000);
    p.update(500_000, true);
    p.update(600_000); // throttled: within 200 ms of the last draw
    p.update(1_000_000, true);
    const text = t.text();
    expect(text).toContain("500,000/2,000,000 events");
    expect(text).toContain("1,000,000/2,000,000 events");
    expect(text).not.toContain("600,000/");
    expect(text).toMatch(/ 50% /);
    expect(text).toMatch(/[\d,]+\/s, ETA \d+:\d\d/);
    expect(text.split("\r").length).toBe(3);
    p.done("finished");
    expect(t.text().endsWith("\rfinished\x1b[K\n")).toBe(true);
  });

  it("writes nothing at the end when it never drew", () => {
    const t = fakeTerminal(true);
    new Progress(t.stream, 10).done("x");
    expect(t.text()).toBe("");
  });
});
