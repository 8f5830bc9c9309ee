/**
 * The blocks a server lets run, swapped as a whole when the served build
 * changes. A block's id is a hash of its content, so an edited block is a new
 * id and its old id disappears from the new manifest; a page loaded before
 * the deploy still asks for the old id. Blocks that leave the manifest
 * therefore stay runnable for a grace (`server.manifestGrace`) in a retired
 * generation, and a bounded number of such generations is kept.
 */
import type {SandboxBlock, SandboxManifest} from '../../config/index.js';
import type {Clock} from '../clock.js';

/**
 * Redeploys closer together than the grace each leave a generation; beyond
 * this many the oldest goes first, so a site rebuilt in a loop holds at most
 * this many old manifests in memory.
 */
export const MAX_RETIRED_GENERATIONS = 16;

interface Retired {
  blocks: Map<string, SandboxBlock>;
  until: number;
}

export interface LiveBlocksOptions {
  clock: Clock;
  /** How long blocks that left the manifest stay runnable (ms); 0: not at all. */
  graceMs: number;
  maxRetired?: number;
}

export interface Replacement {
  /** Blocks runnable from the new manifests. */
  blocks: number;
  /** Blocks of the previous manifests kept for the grace. */
  retired: number;
}

export class LiveBlocks {
  readonly #options: LiveBlocksOptions;
  #current = new Map<string, SandboxBlock>();
  #retired: Retired[] = [];
  /** Current and unexpired retired blocks in one map, the current ones winning; rebuilt on change. */
  #view: ReadonlyMap<string, SandboxBlock> = this.#current;

  constructor(options: LiveBlocksOptions) {
    this.#options = options;
  }

  /** Replaces the blocks at once, the previous ones included (`setManifest`, the dev backend). */
  set(manifests: readonly SandboxManifest[]): void {
    this.#current = blocksOf(manifests);
    this.#retired = [];
    this.#view = this.#current;
  }

  /** A redeploy: the new manifests' blocks run now; the ones they dropped stay runnable for the grace. */
  replace(manifests: readonly SandboxManifest[]): Replacement {
    const next = blocksOf(manifests);
    const dropped = new Map([...this.#current].filter(([id]) => !next.has(id)));
    this.#current = next;
    this.#expire();
    if (dropped.size > 0 && this.#options.graceMs > 0) {
      this.#retired.push({blocks: dropped, until: this.#options.clock.now() + this.#options.graceMs});
      this.#retired.splice(0, Math.max(0, this.#retired.length - (this.#options.maxRetired ?? MAX_RETIRED_GENERATIONS)));
    }
    this.#rebuild();
    return {blocks: next.size, retired: this.#retired.reduce((sum, generation) => sum + generation.blocks.size, 0)};
  }

  /** The runnable blocks by id, read for each session request. */
  blocks(): ReadonlyMap<string, SandboxBlock> {
    if (this.#expire()) this.#rebuild();
    return this.#view;
  }

  /** Drops the generations whose grace is over; true when one was dropped. */
  #expire(): boolean {
    const now = this.#options.clock.now();
    // Generations are pushed in time order with the same grace, so the expired ones lead.
    const expired = this.#retired.findIndex((generation) => generation.until > now);
    const count = expired === -1 ? this.#retired.length : expired;
    this.#retired.splice(0, count);
    return count > 0;
  }

  #rebuild(): void {
    if (this.#retired.length === 0) {
      this.#view = this.#current;
      return;
    }
    const view = new Map<string, SandboxBlock>();
    for (const generation of this.#retired) for (const [id, block] of generation.blocks) view.set(id, block);
    for (const [id, block] of this.#current) view.set(id, block);
    this.#view = view;
  }
}

/** Every block of every locale by id; a locale's copy of the same id is the same content. */
function blocksOf(manifests: readonly SandboxManifest[]): Map<string, SandboxBlock> {
  return new Map(manifests.flatMap((manifest) => manifest.blocks.map((block) => [block.id, block] as const)));
}
