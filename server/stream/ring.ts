/**
 * The last output bytes of a session, addressed by absolute byte offsets
 * (offset 0 = the first byte the program printed), so a client that reconnects
 * can say "I have everything before N" and get exactly the rest: no gap, no
 * duplicate. Bounded: older bytes fall off the front.
 *
 * Small chunks are copied into pages. An interactive session's output is
 * mostly one- to few-byte chunks (each echoed key); kept as their own Buffers
 * they cost ~100–200 bytes of object overhead each, several times the payload
 * (the server bench measured ~25 KB of heap per typing session, mostly this). Pages
 * grow with what is kept (MIN_PAGE_BYTES doubling up to MAX_PAGE_BYTES), so a
 * quiet session holds a few hundred bytes and a busy one a few dozen pages.
 * Chunks of half a page or more are kept as they are (no copy on the
 * throughput path; their overhead is negligible against their size).
 */

import {FLOW_WINDOW_BYTES} from '../../protocol/index.js';

/**
 * Default capacity per session. Not a config key on purpose (the config schema
 * belongs to the config part). A client acking output has at most
 * FLOW_WINDOW_BYTES in flight, so a resume after a drop finds everything it
 * missed as long as the ring holds the window plus some margin.
 */
export const REPLAY_BUFFER_BYTES = FLOW_WINDOW_BYTES + 128 * 1024;

export const MIN_PAGE_BYTES = 256;
export const MAX_PAGE_BYTES = 16 * 1024;

export class OutputRing {
  /**
   * Kept bytes, oldest first: page i holds its bytes from `headSkip` (first
   * page only) to its length, except the last, which holds them up to
   * `tailUsed` when it is a page still being filled (`tailOpen`).
   */
  private pages: Buffer[] = [];
  private headSkip = 0;
  private tailUsed = 0;
  private tailOpen = false;
  private kept = 0;
  private endOffset = 0;

  constructor(readonly capacity: number = REPLAY_BUFFER_BYTES) {}

  /** Offset just past the last byte appended (total bytes ever appended). */
  get end(): number {
    return this.endOffset;
  }

  /** Offset of the oldest byte still kept. */
  get start(): number {
    return this.endOffset - this.kept;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.endOffset += chunk.length;
    if (chunk.length >= this.capacity) {
      // Copy: the tail must not pin a large buffer it only holds a slice of.
      this.pages = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.headSkip = 0;
      this.tailOpen = false;
      this.kept = this.capacity;
      return;
    }
    if (chunk.length >= MAX_PAGE_BYTES / 2) {
      this.sealTail();
      this.pages.push(chunk);
    } else {
      this.copyIn(chunk);
    }
    this.kept += chunk.length;
    this.trim();
  }

  private copyIn(chunk: Buffer): void {
    let done = 0;
    while (done < chunk.length) {
      if (!this.tailOpen || this.tailUsed === this.pages[this.pages.length - 1]!.length) {
        this.sealTail();
        // allocUnsafeSlow: a page of its own, not a slice pinning Node's shared pool.
        this.pages.push(Buffer.allocUnsafeSlow(this.nextPageSize()));
        this.tailOpen = true;
        this.tailUsed = 0;
      }
      const page = this.pages[this.pages.length - 1]!;
      const copied = chunk.copy(page, this.tailUsed, done);
      this.tailUsed += copied;
      done += copied;
    }
  }

  private nextPageSize(): number {
    let size = MIN_PAGE_BYTES;
    while (size < this.kept && size < MAX_PAGE_BYTES) size *= 2;
    return size;
  }

  /** Closes the page being filled so the next bytes go elsewhere (its unused end is cut off). */
  private sealTail(): void {
    if (!this.tailOpen) return;
    const last = this.pages.length - 1;
    this.pages[last] = this.pages[last]!.subarray(0, this.tailUsed);
    this.tailOpen = false;
  }

  private pageEnd(index: number): number {
    return this.tailOpen && index === this.pages.length - 1 ? this.tailUsed : this.pages[index]!.length;
  }

  private trim(): void {
    while (this.kept > this.capacity) {
      const excess = this.kept - this.capacity;
      const firstBytes = this.pageEnd(0) - this.headSkip;
      if (firstBytes <= excess) {
        this.pages.shift();
        if (this.pages.length === 0) this.tailOpen = false;
        this.headSkip = 0;
        this.kept -= firstBytes;
      } else {
        this.headSkip += excess;
        this.kept -= excess;
      }
    }
  }

  /**
   * The bytes from `offset` to the end. `truncated` when part of what was asked
   * for has fallen off (then everything kept is returned, from `start`).
   */
  since(offset: number): {from: number; truncated: boolean; data: Buffer[]} {
    if (offset > this.endOffset || offset < this.start) {
      // An offset past the end is not one we ever sent: treat it as lost too.
      return {from: this.start, truncated: true, data: this.views(0)};
    }
    return {from: offset, truncated: false, data: this.views(offset - this.start)};
  }

  /** Views of the kept bytes after skipping `skip` of them (later appends never write into them). */
  private views(skip: number): Buffer[] {
    const data: Buffer[] = [];
    for (let index = 0; index < this.pages.length; index += 1) {
      const begin = index === 0 ? this.headSkip : 0;
      const end = this.pageEnd(index);
      const length = end - begin;
      if (skip >= length) {
        skip -= length;
        continue;
      }
      data.push(this.pages[index]!.subarray(begin + skip, end));
      skip = 0;
    }
    return data;
  }

  /** Drops everything kept (the session ended). */
  clear(): void {
    this.pages = [];
    this.headSkip = 0;
    this.tailOpen = false;
    this.kept = 0;
  }
}
