/**
 * Learns when containers end from one engine event stream per runtime, not
 * from one `wait` long-poll per container (the long-poll was a socket,
 * a request and a response object per session, ~10 KB of server memory each).
 *
 * Every container is watched from its create, before it starts, and the stream
 * is open before any watched container starts, so no `die` can pass unseen
 * while the stream is up. What the stream cannot promise is covered twice:
 *
 * - The stream breaks: it is opened again at once and every watched container
 *   is looked up (it may have ended in the gap). If it cannot be opened again
 *   (refused, or not answered in time: the engine is gone), every watch fails
 *   with `sandbox-lost`, as a broken `wait` did.
 * - The engine drops events for a subscriber that falls behind (Docker 20.10
 *   drops after 1,024 queued events): while anything is watched, the list of
 *   this instance's containers is compared with the watches every few seconds.
 *
 * A settled watch is forgotten at once: the map holds live containers only.
 */
import type {Readable} from 'node:stream';
import {SandboxError} from '../errors.js';
import {isUnreachable} from './docker-errors.js';

/** What the engine says of one of this instance's containers, when listed. */
export interface ListedContainer {
  id: string;
  /** Docker's State: created, running, paused, restarting, removing, exited, dead. */
  state: string;
}

/** The engine, as the watcher needs it (DockerRuntime adapts dockerode). */
export interface ExitEventSource {
  /**
   * Opens a stream of newline-separated JSON events, already filtered by the
   * engine to `die` events of this instance's containers. Resolves once the
   * engine has answered (from then on no event is missed); `signal` cuts it.
   */
  open(signal: AbortSignal): Promise<Readable>;
  /** This instance's containers, stopped ones included. */
  list(): Promise<ListedContainer[]>;
  /** The exit code of a container that has stopped. */
  exitCode(id: string): Promise<number>;
}

export interface ExitEventsOptions {
  source: ExitEventSource;
  /** How long opening the stream may go unanswered before the engine counts as gone (ms). */
  openTimeoutMs?: number;
  /** How often watched containers are compared with the engine's list (ms). */
  reconcileMs?: number;
}

const DEFAULT_OPEN_TIMEOUT_MS = 2_000;
const DEFAULT_RECONCILE_MS = 5_000;
/** A `die` event is ~1 KB (it carries the container's labels); a longer line is not one. */
const MAX_LINE_CHARS = 64 * 1024;
/** States in which a container's process may still run: its end is still to come. */
const LIVE_STATES: ReadonlySet<string> = new Set(['created', 'running', 'paused', 'restarting', 'removing']);

interface Watch {
  readonly ended: Promise<number>;
  resolve(code: number): void;
  reject(error: SandboxError): void;
}

/** The exit code a `die` event carries for a container, if the line is one. */
export function parseDieEvent(line: string): {id: string; code: number} | undefined {
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  const {Action, status, Actor, id} = event as {Action?: unknown; status?: unknown; Actor?: {ID?: unknown; Attributes?: {exitCode?: unknown}}; id?: unknown};
  if ((Action ?? status) !== 'die') return undefined;
  const containerId = typeof Actor?.ID === 'string' ? Actor.ID : id;
  if (typeof containerId !== 'string' || containerId === '') return undefined;
  const code = Number(Actor?.Attributes?.exitCode);
  return {id: containerId, code: Number.isInteger(code) ? code : -1};
}

export class ExitEvents {
  readonly #source: ExitEventSource;
  readonly #openTimeoutMs: number;
  readonly #reconcileMs: number;
  readonly #watches = new Map<string, Watch>();
  #stream: Readable | undefined;
  #opening: Promise<void> | undefined;
  #controller: AbortController | undefined;
  #partial = '';
  #reconcileTimer: NodeJS.Timeout | undefined;
  #reconciling = false;
  #closed = false;

  constructor(options: ExitEventsOptions) {
    this.#source = options.source;
    this.#openTimeoutMs = options.openTimeoutMs ?? DEFAULT_OPEN_TIMEOUT_MS;
    this.#reconcileMs = options.reconcileMs ?? DEFAULT_RECONCILE_MS;
  }

  /** Containers watched now. */
  get size(): number {
    return this.#watches.size;
  }

  /** Whether the stream is open (a container started now cannot end unseen). */
  get connected(): boolean {
    return this.#stream !== undefined;
  }

  /**
   * Resolves once the stream is open; opens it if needed. Rejects with the
   * engine's error when it cannot be opened.
   */
  ready(): Promise<void> {
    if (this.#stream !== undefined) return Promise.resolve();
    if (this.#closed) return Promise.reject(new SandboxError('internal', 'the exit watcher is closed'));
    this.#opening ??= this.#open().finally(() => {
      this.#opening = undefined;
    });
    return this.#opening;
  }

  /**
   * Watches `id` from now on (call it before the container starts): resolves
   * with its exit code once it ends; rejects with `sandbox-lost` when the
   * engine goes away first. Watching an id twice returns the first watch's end.
   */
  watch(id: string): Promise<number> {
    const earlier = this.#watches.get(id);
    if (earlier !== undefined) return earlier.ended;
    let resolve: (code: number) => void = () => undefined;
    let reject: (error: SandboxError) => void = () => undefined;
    const ended = new Promise<number>((onEnd, onLost) => {
      resolve = onEnd;
      reject = onLost;
    });
    // Unheard, a lost engine would be an unhandled rejection; the caller still sees it.
    ended.catch(() => undefined);
    this.#watches.set(id, {ended, resolve, reject});
    if (this.#watches.size === 1) this.#holdProcess();
    this.#armReconcile();
    return ended;
  }

  /** Ends the watch on `id` with `code` (e.g. this server removed the container), if it is still on. */
  settle(id: string, code: number): void {
    this.#end(id)?.resolve(code);
  }

  /** Forgets the watch on `id` and hands it over to be settled; stops a closed watcher with nothing left. */
  #end(id: string): Watch | undefined {
    const watch = this.#watches.get(id);
    if (watch === undefined) return undefined;
    this.#watches.delete(id);
    if (this.#watches.size === 0) {
      if (this.#closed) this.#shutDown();
      else this.#holdProcess();
    }
    return watch;
  }

  /**
   * Stops the watcher once nothing is watched: containers still watched keep
   * their watches (their sessions are ending and need their exits).
   */
  close(): void {
    this.#closed = true;
    if (this.#watches.size === 0) this.#shutDown();
  }

  #shutDown(): void {
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = undefined;
    this.#controller?.abort();
    this.#controller = undefined;
    this.#stream?.destroy();
    this.#stream = undefined;
  }

  async #open(): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new SandboxError('docker-unavailable', `the engine did not answer the event stream within ${this.#openTimeoutMs} ms`)),
      this.#openTimeoutMs,
    );
    let stream: Readable;
    try {
      stream = await this.#source.open(controller.signal);
    } catch (error) {
      throw controller.signal.aborted ? controller.signal.reason : error;
    } finally {
      clearTimeout(timer);
    }
    if (this.#closed && this.#watches.size === 0) {
      stream.destroy();
      return;
    }
    this.#controller = controller;
    this.#stream = stream;
    this.#partial = '';
    this.#holdProcess();
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.#onData(chunk));
    const broken = (error?: unknown) => this.#onBroken(stream, error);
    stream.on('error', broken);
    stream.on('end', () => broken());
    stream.on('close', () => broken());
  }

  /**
   * The stream keeps the process alive while a container is watched, as the
   * per-container `wait` did (a hijacked attach stream does not: a CLI waiting
   * for an exit would end early), and not once nothing is.
   */
  #holdProcess(): void {
    const socket = (this.#stream as (Readable & {socket?: {ref?: () => void; unref?: () => void}}) | undefined)?.socket;
    if (this.#watches.size > 0) socket?.ref?.();
    else socket?.unref?.();
  }

  #onData(chunk: string): void {
    let text = this.#partial + chunk;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      const line = text.slice(0, newline);
      text = text.slice(newline + 1);
      const die = parseDieEvent(line);
      if (die !== undefined) this.settle(die.id, die.code);
      newline = text.indexOf('\n');
    }
    // A line that never ends is not an event: drop it rather than grow.
    this.#partial = text.length > MAX_LINE_CHARS ? '' : text;
  }

  #onBroken(stream: Readable, error: unknown): void {
    if (this.#stream !== stream) return;
    this.#stream = undefined;
    this.#controller = undefined;
    stream.destroy();
    // Nothing watched: the next start opens it again (ready()).
    if (this.#watches.size === 0) return;
    void this.#recover(error);
  }

  /** After a break: open again, then look up what ended in the gap. */
  async #recover(cause: unknown): Promise<void> {
    try {
      await this.ready();
    } catch (error) {
      this.#failAll(`the engine's event stream broke${cause === undefined ? '' : ` (${String(cause)})`} and could not be opened again (${String(error)})`);
      return;
    }
    await this.#reconcile();
  }

  #failAll(message: string): void {
    const watches = [...this.#watches.values()];
    this.#watches.clear();
    this.#holdProcess();
    for (const watch of watches) watch.reject(new SandboxError('sandbox-lost', message));
    if (this.#closed) this.#shutDown();
  }

  #armReconcile(): void {
    if (this.#reconcileTimer !== undefined || this.#reconcileMs <= 0) return;
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = undefined;
      void this.#reconcile().finally(() => {
        if (this.#watches.size > 0) this.#armReconcile();
        else if (this.#closed) this.#shutDown();
      });
    }, this.#reconcileMs);
    this.#reconcileTimer.unref();
  }

  /**
   * Compares the watches with the engine's list: a stopped container settles
   * with its exit code, one the engine no longer knows is lost (removed by
   * someone else without its `die` being seen).
   */
  async #reconcile(): Promise<void> {
    if (this.#reconciling || this.#watches.size === 0) return;
    this.#reconciling = true;
    try {
      const watched = [...this.#watches.keys()];
      let listed: ListedContainer[];
      try {
        listed = await this.#source.list();
      } catch (error) {
        if (isUnreachable(error)) this.#failAll(`the engine went away while its containers were listed (${String(error)})`);
        return; // An engine that answered with an error is asked again next time.
      }
      const states = new Map(listed.map((container) => [container.id, container.state]));
      await Promise.all(
        watched.map(async (id) => {
          if (!this.#watches.has(id)) return;
          const state = states.get(id);
          if (state === undefined) {
            this.#end(id)?.reject(new SandboxError('sandbox-lost', `container ${id.slice(0, 12)} was removed without its end being seen`));
            return;
          }
          if (LIVE_STATES.has(state)) return;
          const code = await this.#source.exitCode(id).catch(() => -1);
          this.settle(id, code);
        }),
      );
    } finally {
      this.#reconciling = false;
    }
  }
}
