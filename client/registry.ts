/**
 * The reader's live sandboxes on this page, by block id. A module-level map is
 * the one singleton the browser side keeps on purpose: every Sandbox on a page
 * must see the others to offer "stop my other sandboxes" when the server's
 * per-client limit refuses a new one.
 */
export interface LiveSandbox {
  stop(): void;
}

export class LiveSandboxRegistry {
  readonly #live = new Map<string, LiveSandbox>();

  /** Registers the live sandbox of a block; returns the function that removes exactly it. */
  register(blockId: string, sandbox: LiveSandbox): () => void {
    this.#live.set(blockId, sandbox);
    return () => {
      if (this.#live.get(blockId) === sandbox) this.#live.delete(blockId);
    };
  }

  /** Block ids with a live sandbox, except `exceptId`. */
  others(exceptId: string): string[] {
    // Array.from, not spread: Docusaurus's Babel preset compiles spread loosely as
    // [].concat(iterator), which yields the iterator itself instead of its keys.
    return Array.from(this.#live.keys()).filter((id) => id !== exceptId);
  }

  /** Stops every live sandbox except the one of `exceptId`; returns how many were stopped. */
  stopOthers(exceptId: string): number {
    const others = this.others(exceptId);
    for (const id of others) this.#live.get(id)?.stop();
    return others.length;
  }

  get size(): number {
    return this.#live.size;
  }
}

/** The page's registry. */
export const liveSandboxes = new LiveSandboxRegistry();
