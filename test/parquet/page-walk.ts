import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { expect } from "vitest";
import { ThriftReader, type ThriftStruct, type ThriftValue } from "../../src/parquet/thrift.js";

/** CRC-32 (IEEE, reflected, as zlib and Parquet compute it), bit by bit: an oracle independent of zlib. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) | 0;
}

const n = (v: ThriftValue | undefined): number => Number(v as number | bigint);
const list = (v: ThriftValue | undefined): ThriftStruct[] => v as ThriftStruct[];

export interface Layout {
  pages: number;
  checked: number;
  rowGroups: number;
}

/** Bytes of a file at any offset, read where asked (files past 4 GiB, larger than a Buffer). */
function reader(fd: number): (at: number, length: number) => Buffer {
  return (at, length) => {
    const out = Buffer.alloc(length);
    const got = readSync(fd, out, 0, length, at);
    return out.subarray(0, got);
  };
}

/**
 * Walks every column chunk of `file` by its offset index, as a reader that skips pages would:
 * each page location must hold a page header, pages must tile the chunk exactly, the chunk and
 * row group sizes must add up; the stored CRC of each page `checkCrc` picks (by row group) is
 * compared with the oracle's.
 */
export function walkPages(file: string, checkCrc: (group: number) => boolean = () => true): Layout {
  const fd = openSync(file, "r");
  try {
    const size = fstatSync(fd).size;
    const read = reader(fd);
    const footerLength = read(size - 8, 4).readUInt32LE(0);
    const meta = new ThriftReader(read(size - 8 - footerLength, footerLength), file).struct();
    let pages = 0;
    let checked = 0;
    const groups = list(meta.get(4));
    for (const [g, group] of groups.entries()) {
      let groupBytes = 0;
      const chunks = list(group.get(1));
      for (const chunk of chunks) {
        const m = chunk.get(3) as ThriftStruct;
        const start = n(m.get(9));
        const chunkSize = n(m.get(7));
        groupBytes += chunkSize;
        const index = new ThriftReader(read(n(chunk.get(4)), n(chunk.get(5))), file).struct();
        let next = start;
        for (const location of list(index.get(1))) {
          expect(n(location.get(1))).toBe(next);
          const head = new ThriftReader(read(next, 256), file, "page header");
          const header = head.struct();
          expect(head.position + n(header.get(3))).toBe(n(location.get(2)));
          if (header.has(4) && checkCrc(g)) {
            expect(header.get(4)).toBe(crc32(read(next + head.position, n(header.get(3)))));
            checked++;
          }
          pages++;
          next += n(location.get(2));
        }
        expect(next).toBe(start + chunkSize);
      }
      expect(n(group.get(5))).toBe(n((chunks[0]!.get(3) as ThriftStruct).get(9)));
      expect(n(group.get(6))).toBe(groupBytes);
    }
    return { pages, checked, rowGroups: groups.length };
  } finally {
    closeSync(fd);
  }
}
