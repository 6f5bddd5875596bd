import { closeSync, openSync, readSync, writeSync } from "node:fs";
import type { SplitSink } from "../split-sink.js";
import type { RecordLayout } from "../../stages/index.js";
import { rowBlock } from "./decode.js";
import type { RowBlock } from "./decode.js";
import type { RowSource, StoredGroup } from "./rows.js";

/** The groups of a record layout as stored groups (their records are the SALT records). */
export function layoutGroups(layout: RecordLayout): StoredGroup[] {
  return layout.groups.map((g) => ({
    name: g.name,
    global: g.global,
    slots: g.max,
    recordSize: g.recordBytes,
    fields: g.fields.map((f) => ({ name: f.name, type: f.h5, offset: f.offset })),
  }));
}

/**
 * A sink that keeps the rows of one split in a file, in the order the run hands them over (the
 * order of `<name>_<split>.h5`), and drops the other splits. Memory: nothing beyond the call.
 */
export class SpillSink implements SplitSink {
  private readonly fd: number;
  private count = 0;

  constructor(
    readonly file: string,
    private readonly split: number,
    private readonly layout: RecordLayout,
  ) {
    this.fd = openSync(file, "wx");
  }

  async append(split: number, rows: Uint8Array): Promise<void> {
    if (split !== this.split) return;
    for (let at = 0; at < rows.length; ) at += writeSync(this.fd, rows, at, rows.length - at);
    this.count += rows.length / this.layout.rowBytes;
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }

  async abort(): Promise<void> {
    closeSync(this.fd);
  }

  /** The spilled rows as a row source (after close); every group reads the same whole rows. */
  rows(where: string): RowSource {
    const { rowBytes } = this.layout;
    const groups = layoutGroups(this.layout);
    const fd = openSync(this.file, "r");
    let scratch = new Uint8Array(0);
    return {
      where,
      rows: this.count,
      direct: true,
      groups,
      blockRows: Math.max(1, Math.floor((1 << 20) / rowBytes)),
      read: (ranges, wanted) => {
        // One buffer for every read: the blocks are valid until the next read.
        const total = ranges.reduce((n, [a, b]) => n + (b - a), 0) * rowBytes;
        if (scratch.length < total) scratch = new Uint8Array(total);
        const bytes = scratch.subarray(0, total);
        let at = 0;
        for (const [a, b] of ranges) {
          const length = (b - a) * rowBytes;
          for (let got = 0; got < length; ) {
            const n = readSync(fd, bytes, at + got, length - got, a * rowBytes + got);
            if (n === 0) throw new Error(`${this.file}: rows ${a}..${b} beyond the end of the spilled rows`);
            got += n;
          }
          at += length;
        }
        const out: Record<string, RowBlock> = {};
        for (const name of wanted) out[name] = rowBlock(bytes, rowBytes, this.layout.groups.find((g) => g.name === name)!.rowOffset);
        return out;
      },
      close: () => closeSync(fd),
    };
  }
}
