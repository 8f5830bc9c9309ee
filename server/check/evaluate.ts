/**
 * Pure judgement of one block's run against what its author declared:
 * `expect` (a substring, or `/regex/flags`) and `exit` (default 0).
 */
import type {SandboxBlock} from '../../config/block.js';
import type {ExitReason} from '../../protocol/index.js';
import {DEFAULT_LIMITS} from '../../config/limits.js';
import {plainText} from '../terminal-text.js';
import {timeoutMessage} from './explain.js';

export interface RunResult {
  /** Terminal output as text (UTF-8 decoded, may hold ANSI escapes and CRLF). */
  output: string;
  exit?: {code: number; reason: ExitReason};
  /** A protocol or HTTP error that ended the run. */
  error?: {code: string; message: string};
  durationMs: number;
  /** Time from the last output (or the start, without any) to the exit message: a program waiting for input is silent. */
  silentForMs?: number;
}

export type Verdict =
  | {status: 'pass'}
  | {status: 'skip'; reason: 'skip-check'}
  | {status: 'fail'; reason: 'expect' | 'exit-code' | 'timeout' | 'error' | 'no-exit'; message: string}
  /**
   * A step of a page session after one that failed: it was never started,
   * since it needs what the earlier steps leave in the shared environment.
   * Its own status, not a skip: the author did not ask for it, and a run
   * with one says the tutorial is broken (the failed step is a `fail` too).
   */
  | {status: 'not-run'; reason: 'step-failed'; failedStep: number; message: string};

/** The verdict of every step after `failedStep`, with the words the reports print. */
export const notRunAfter = (failedStep: number): Verdict => ({
  status: 'not-run',
  reason: 'step-failed',
  failedStep,
  message: `not run (step ${failedStep} failed)`,
});

/** `/regex/flags` or a plain substring. Throws on an invalid regex, with the text. */
export function matchesExpect(output: string, expect: string): boolean {
  const regex = /^\/(.*)\/([dgimsuvy]*)$/s.exec(expect);
  if (regex) {
    try {
      return new RegExp(regex[1]!, regex[2]).test(output);
    } catch (error) {
      throw new Error(`expect ${expect} is not a valid regular expression: ${(error as Error).message}`);
    }
  }
  return output.includes(expect);
}

export interface JudgeContext {
  /** The block's time limit as the server applied it (its own, else the server's default). */
  limitMs?: number;
}

export function judge(block: Pick<SandboxBlock, 'options'>, result: RunResult, context: JudgeContext = {}): Verdict {
  if (block.options.skipCheck) return {status: 'skip', reason: 'skip-check'};
  if (result.error) return {status: 'fail', reason: 'error', message: `${result.error.code}: ${result.error.message}`};
  if (!result.exit) return {status: 'fail', reason: 'no-exit', message: 'the session ended without an exit status'};
  if (result.exit.reason === 'timeout') {
    const message = timeoutMessage({
      limitMs: context.limitMs ?? block.options.timeout ?? DEFAULT_LIMITS.timeout,
      output: result.output,
      silentForMs: result.silentForMs,
      hasInput: block.options.input !== undefined,
    });
    return {status: 'fail', reason: 'timeout', message};
  }
  if (result.exit.reason !== 'exit') {
    return {status: 'fail', reason: 'exit-code', message: `the block ended with reason "${result.exit.reason}" (code ${result.exit.code})`};
  }
  if (result.exit.code !== block.options.exit) {
    return {status: 'fail', reason: 'exit-code', message: `exit code ${result.exit.code}, expected ${block.options.exit}`};
  }
  const expect = block.options.expect;
  if (expect !== undefined) {
    let matched: boolean;
    try {
      matched = matchesExpect(plainText(result.output), expect);
    } catch (error) {
      return {status: 'fail', reason: 'expect', message: (error as Error).message};
    }
    if (!matched) return {status: 'fail', reason: 'expect', message: `the output does not contain ${JSON.stringify(expect)}`};
  }
  return {status: 'pass'};
}

/**
 * Turns the `input` meta into the keystrokes sent: `\n`, `\t` and `\\` escapes
 * become their characters and every line ends with Enter (CR, which the TTY turns
 * into the program's newline); a final Enter is added when missing.
 */
export function scriptedInput(input: string): string {
  const keys = input
    .replace(/\\(n|t|\\)/g, (_, escape: string) => (escape === 'n' ? '\n' : escape === 't' ? '\t' : '\\'))
    .replace(/\r?\n/g, '\r');
  return keys.endsWith('\r') ? keys : `${keys}\r`;
}

/**
 * The keys after which an interactive block's run ends: it stays in a shell
 * after its command, so `exit` follows. Twice: the block's command may itself
 * read the first one (a shell the author started, a REPL); a spare `exit`
 * after the last shell is never read.
 */
export function leaveShells(block: Pick<SandboxBlock, 'options'>, keys: string | undefined): string | undefined {
  return block.options.interactive ? `${keys ?? ''}exit\rexit\r` : keys;
}
