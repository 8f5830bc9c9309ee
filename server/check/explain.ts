/**
 * What `check` says about a failed block beyond its reason: why a block that
 * ran out of time most likely did (a program waiting for input it was never
 * given), and the last lines of its output, fit to print in the table.
 */
import {readableText} from '../terminal-text.js';

/**
 * Silence at the end of a run that counts as "waiting": a program that is
 * still working prints now and then, one blocked on `input()` or `read` prints
 * nothing until it gets a line. Half the limit for short limits.
 */
export const SILENCE_FOR_INPUT_MS = 2000;
/** Longest prompt quoted in a message. */
const PROMPT_CHARS = 60;

export interface TimeoutFacts {
  /** The block's time limit. */
  limitMs: number;
  /** Output as received (escapes and all). */
  output: string;
  /** Time from the last output (or the start) to the end; unknown when the run reported none. */
  silentForMs: number | undefined;
  /** The block gives `input=`. */
  hasInput: boolean;
}

/** `30 s`, `1.5 s`: a limit as an author writes it. */
export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

/**
 * The last line of output when it is a prompt: text the program printed
 * without ending the line, as `input("Your name? ")` and `read -p` do.
 */
export function trailingPrompt(output: string): string | undefined {
  const text = readableText(output);
  if (text.endsWith('\n')) return undefined;
  const line = text.slice(text.lastIndexOf('\n') + 1);
  if (line.trim() === '') return undefined;
  return line.length > PROMPT_CHARS ? `…${line.slice(-PROMPT_CHARS)}` : line;
}

/**
 * The message of a `timeout` verdict. A prompt left on the last line with the
 * program silent since says it waits for input; silence with no prompt (a
 * bare `read`, or a long `sleep`) only suggests it; a program that was still
 * printing simply ran too long.
 */
export function timeoutMessage(facts: TimeoutFacts): string {
  const after = `timed out after ${formatSeconds(facts.limitMs)}`;
  const silentEnough = Math.min(SILENCE_FOR_INPUT_MS, facts.limitMs / 2);
  const silent = facts.silentForMs !== undefined && facts.silentForMs >= silentEnough;
  if (!silent) return `${after}: the block ran past its time limit; raise timeout= if it needs longer`;
  const prompt = trailingPrompt(facts.output);
  if (prompt !== undefined) {
    return facts.hasInput
      ? `${after} while the program was waiting for more input than input= gives, at ${JSON.stringify(prompt)}: add the missing lines to input="…"`
      : `${after} while the program was waiting for input at ${JSON.stringify(prompt)}: give it with input="…"`;
  }
  // Silence is timed from the start of the session, a little before the program's own clock started.
  const silence = Math.min(facts.limitMs, Math.round(facts.silentForMs! / 100) * 100);
  const quiet = readableText(facts.output).trim() === '' ? `${after} without any output` : `${after} with no output for the last ${formatSeconds(silence)}`;
  return facts.hasInput
    ? `${quiet}: if the program waits for more input, add the missing lines to input="…"`
    : `${quiet}: if the program is waiting for input, give it with input="…"`;
}

/** Lines of output shown under a failed block in the table, and the longest line kept. */
export const TAIL_LINES = 5;
export const TAIL_LINE_CHARS = 160;

/** The last few non-empty lines of output, readable and each cut to a bounded width. */
export function outputTailLines(output: string, maxLines = TAIL_LINES, maxChars = TAIL_LINE_CHARS): string[] {
  const lines = readableText(output)
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '');
  return lines.slice(-maxLines).map((line) => (line.length > maxChars ? `${line.slice(0, maxChars - 1)}…` : line));
}
