/**
 * The last output bytes of a session, addressed by absolute byte offsets
 * (offset 0 = the first byte the program printed), so a client that reconnects
 * can say "I have everything before N" and get exactly the rest: no gap, no
 * duplicate (issue 7). Bounded: older bytes fall off the front.
 */

/**
 * Default capacity per session. Not a config key on purpose (the config schema
 * belongs to the config part); a client acking output keeps at most
 * FLOW_WINDOW_BYTES plus one chunk in flight, well inside this.
 */
export const REPLAY_BUFFER_BYTES = 256 * 1024;

export class OutputRing {
  private chunks: Buffer[] = [];
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
      this.chunks = [Buffer.from(chunk.subarray(chunk.length - this.capacity))];
      this.kept = this.capacity;
      return;
    }
    this.chunks.push(chunk);
    this.kept += chunk.length;
    while (this.kept > this.capacity) {
      const first = this.chunks[0]!;
      const excess = this.kept - this.capacity;
      if (first.length <= excess) {
        this.chunks.shift();
        this.kept -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
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
      return {from: this.start, truncated: true, data: [...this.chunks]};
    }
    let skip = offset - this.start;
    const data: Buffer[] = [];
    for (const chunk of this.chunks) {
      if (skip >= chunk.length) {
        skip -= chunk.length;
        continue;
      }
      data.push(skip > 0 ? chunk.subarray(skip) : chunk);
      skip = 0;
    }
    return {from: offset, truncated: false, data};
  }

  /** Drops everything kept (the session ended). */
  clear(): void {
    this.chunks = [];
    this.kept = 0;
  }
}
