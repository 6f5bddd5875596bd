/**
 * Global heap collections ("GCOL" v1) holding variable-length string attribute values. Each
 * vlen element points here by (collection address, object index).
 */

import { ByteWriter } from "./byte-writer.js";
import type { AppendBytes } from "./btree.js";

const MIN_COLLECTION = 4096;
const MAX_OBJECTS = 0xffff;

export interface HeapRef {
  collection: number;
  index: number;
  length: number;
}

export class GlobalHeap {
  private collections: Uint8Array[][] = [];
  private addresses: number[] = [];

  add(data: Uint8Array): HeapRef {
    let last = this.collections[this.collections.length - 1];
    if (!last || last.length === MAX_OBJECTS) {
      last = [];
      this.collections.push(last);
    }
    last.push(data);
    return { collection: this.collections.length - 1, index: last.length, length: data.length };
  }

  /** Appends every collection to the file; afterwards `address()` resolves references. */
  write(append: AppendBytes): void {
    for (const objects of this.collections) {
      const w = new ByteWriter(MIN_COLLECTION);
      w.bytes(new Uint8Array([0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0])).u64(0);
      objects.forEach((data, i) => {
        w.u16(i + 1).u16(0).u32(0).u64(data.length).bytes(data).align(8);
      });
      // The free-space object (index 0) covers the rest of the collection, its own header included.
      const size = Math.max(MIN_COLLECTION, w.length + 16);
      const free = size - w.length;
      w.u16(0).u16(0).u32(0).u64(free).zeros(free - 16);
      const bytes = w.finish();
      new DataView(bytes.buffer).setUint32(8, size, true);
      this.addresses.push(append(bytes));
    }
  }

  address(collection: number): number {
    return this.addresses[collection];
  }
}
