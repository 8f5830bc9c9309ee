/**
 * The time limits that end a live session: its maximum lifetime (from the
 * start of the container start), the run timeout of a non-interactive command
 * and idleness (neither output nor input for `idle` ms). Activity only moves a
 * timestamp; the idle timer, when due, re-arms for the time still left.
 * Also the drain fallback: how long an exited container's output may take to
 * end when nothing holds it back.
 */
import type {Clock} from '../clock.js';
import type {PhaseName, TimerPurpose} from './phase.js';
import type {SessionTimeouts} from './session-types.js';
import type {PhaseTimers} from './timers.js';

/** After the container exits, how long to wait for its stream to end when nothing holds it back. */
export const DRAIN_FALLBACK_MS = 2_000;

export class SessionDeadlines {
  #lastActivity: number;

  constructor(
    private readonly clock: Clock,
    private readonly timers: PhaseTimers<TimerPurpose, PhaseName>,
    private readonly timeouts: Pick<SessionTimeouts, 'run' | 'idle' | 'lifetime'>,
    private readonly onDue: (reason: 'timeout' | 'idle') => void,
  ) {
    this.#lastActivity = clock.now();
  }

  /** Output or input: the session is not idle. */
  touch(): void {
    this.#lastActivity = this.clock.now();
  }

  startLifetime(): void {
    this.timers.set('lifetime', this.timeouts.lifetime, () => this.onDue('timeout'));
  }

  /** The container runs: the run timeout (unless interactive) and the idle timer start. */
  startRunning(interactive: boolean): void {
    this.touch();
    if (!interactive) this.timers.set('run-timeout', this.timeouts.run, () => this.onDue('timeout'));
    this.armIdle(this.timeouts.idle);
  }

  /**
   * The attach stream normally ends with the container; if it does not, end
   * anyway (`drained`), unless output is still held back (`heldBack`: no client
   * connected yet, which the socket timers bound, or it is still reading).
   */
  startDrainFallback(heldBack: () => boolean, drained: () => void): void {
    this.timers.set('drain-fallback', DRAIN_FALLBACK_MS, () => {
      if (heldBack()) this.startDrainFallback(heldBack, drained);
      else drained();
    });
  }

  private armIdle(ms: number): void {
    this.timers.set('idle', ms, () => {
      const quiet = this.clock.now() - this.#lastActivity;
      if (quiet >= this.timeouts.idle) this.onDue('idle');
      else this.armIdle(this.timeouts.idle - quiet);
    });
  }
}
