/**
 * The server's runtime with listening points for the benchmark, handed to
 * createSandboxServer as its runtime: every call goes to the real one
 * unchanged, and the tap notes when things happen on the engine's side:
 * - each exec's stream (a page session's standby and step): when its
 *   STEP_MARKER arrived (the standby waits), when the server wrote into it
 *   (the seed), when SEEDED_MARKER came back, and the first output after it;
 * - each engine check (ping + version + info) the server makes;
 * - containers started and not yet removed (to wait until removals are done);
 * - the warm pool's ready count.
 *
 * It listens by wrapping the stream's own `push` and `write`: a 'data'
 * listener would switch the stream to flowing and take bytes the server's
 * marker reader must see.
 */
import type {Duplex} from 'node:stream';
import type {ContainerRuntime, SandboxContainer} from '../../server/runtime/types.js';
import {KEEPER_COMMAND, STEP_MARKER} from '../../server/environments/step-launcher.js';
import {SEEDED_MARKER} from '../../server/runtime/warm-seed.js';

export interface ExecMarks {
  /** performance.now() values; undefined until seen. */
  ready?: number;
  seedWritten?: number;
  seeded?: number;
  output?: number;
}

export class RuntimeTap {
  readonly runtime: ContainerRuntime;
  readonly execs: ExecMarks[] = [];
  readonly engineChecks: Array<{started: number; ended?: number}> = [];
  /** The page session's environment container (the one running KEEPER_COMMAND). */
  environmentContainerId: string | undefined;
  /** Containers started through the runtime and not yet removed. */
  live = 0;
  warmReady = 0;

  constructor(create: (onWarmChange: (envName: string, ready: number) => void) => ContainerRuntime) {
    const real = create((_envName, ready) => {
      this.warmReady = ready;
    });
    const overrides: Partial<ContainerRuntime> = {
      start: async (spec, options) => {
        const container = await real.start(spec, options);
        if (spec.cmd === KEEPER_COMMAND) this.environmentContainerId = container.id;
        this.#countRemoval(container);
        return container;
      },
      engine: async () => {
        const check: {started: number; ended?: number} = {started: performance.now()};
        this.engineChecks.push(check);
        try {
          return await real.engine();
        } finally {
          check.ended = performance.now();
        }
      },
      ...(real.exec
        ? {
            exec: async (containerId, request, options) => {
              const process = await real.exec!.call(real, containerId, request, options);
              const marks: ExecMarks = {};
              this.execs.push(marks);
              tapStream(process.stream, marks);
              return process;
            },
          }
        : {}),
    };
    // A Proxy, not a copy: the real runtime's methods keep their `this` (private fields), and optional ones stay absent.
    this.runtime = new Proxy(real, {
      get(target, property, receiver) {
        if (property in overrides) return overrides[property as keyof ContainerRuntime];
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** A standby waits for its seed: an exec has printed STEP_MARKER and nothing has been written to it. */
  get standbyReady(): boolean {
    return this.execs.some((marks) => marks.ready !== undefined && marks.seedWritten === undefined);
  }

  /** The exec the server seeded at or after `since` (performance.now()). */
  seededSince(since: number): ExecMarks | undefined {
    return this.execs.find((marks) => marks.seedWritten !== undefined && marks.seedWritten >= since);
  }

  /** Whether an engine check began between `from` and `to`. */
  engineCheckedBetween(from: number, to: number): boolean {
    return this.engineChecks.some((check) => check.started >= from && check.started <= to);
  }

  #countRemoval(container: SandboxContainer): void {
    this.live++;
    const remove = container.remove.bind(container);
    let counted = false;
    container.remove = async () => {
      try {
        await remove();
      } finally {
        if (!counted) {
          counted = true;
          this.live--;
        }
      }
    };
  }
}

/** Notes the marks of `marks` as bytes come and go on an exec's stream. */
function tapStream(stream: Duplex, marks: ExecMarks): void {
  const push = stream.push.bind(stream);
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  let tail = '';
  stream.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (Buffer.isBuffer(chunk) && chunk.length > 0) noteChunk(chunk.toString('latin1'));
    return push(chunk, encoding);
  };
  stream.write = ((...args: unknown[]) => {
    marks.seedWritten ??= performance.now();
    return write(...args);
  }) as Duplex['write'];

  function noteChunk(text: string): void {
    const at = performance.now();
    if (marks.seedWritten === undefined) {
      // The marker may straddle two chunks: search the last few bytes too.
      tail = (tail + text).slice(-256);
      if (tail.includes(STEP_MARKER)) marks.ready ??= at;
      return;
    }
    if (marks.seeded === undefined) {
      tail = (tail + text).slice(-256);
      const end = tail.indexOf(SEEDED_MARKER);
      if (end === -1) return;
      marks.seeded = at;
      // Output in the same chunk as the marker arrived with it.
      if (tail.length > end + SEEDED_MARKER.length) marks.output = at;
      return;
    }
    marks.output ??= at;
  }
}
