/**
 * How tall the terminal is on the page. The terminal itself always has
 * `TERMINAL_ROWS` rows, so the program sees one steady size (no resize, and
 * no SIGWINCH, for every line it prints); the page shows only the rows used
 * so far, from a few up to all of them, and from there the terminal scrolls.
 * A block that prints one line takes four rows instead of a fixed box.
 */

/** The rows of the terminal, as the program sees them. */
export const TERMINAL_ROWS = 24;
/** The fewest rows shown: the prompt or first line, with room to see that more may come. */
export const MIN_VISIBLE_ROWS = 4;

export interface BufferFacts {
  /** Lines scrolled off the top (xterm's `buffer.active.baseY`). */
  readonly scrolledOff: number;
  /** The cursor's row on the screen, from 0. */
  readonly cursorRow: number;
  /** A full-screen program (the alternate buffer: vim, less, top) draws on every row. */
  readonly fullScreen: boolean;
}

/**
 * The rows to show after new output. Never fewer than before (a `clear` or a
 * cursor moving up would otherwise make the page jump); `reset` of the
 * terminal starts again from the minimum.
 */
export function visibleRows(shownBefore: number, buffer: BufferFacts): number {
  if (buffer.fullScreen) return TERMINAL_ROWS;
  const used = buffer.scrolledOff + buffer.cursorRow + 1;
  return Math.min(TERMINAL_ROWS, Math.max(MIN_VISIBLE_ROWS, shownBefore, used));
}
