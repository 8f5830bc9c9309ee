/**
 * Terminal output as a person reads it, for every part that shows a program's
 * output as text rather than through a terminal: `check` (its expectations and
 * the failure tail of its table) and the MCP tools (results for an agent).
 */

// CSI, OSC and two-byte escape sequences: what a TTY adds around the text.
const ANSI = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[@-Z\\-_])/g;

// C0 controls and DEL that survive escape removal (BEL, backspace, form feed, …); tab and newline stay.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** Output as a reader reads it: escapes removed, CRLF → LF. */
export function plainText(output: string): string {
  return output.replace(ANSI, '').replace(/\r\n?/g, '\n');
}

/**
 * `plainText` without the control characters left over, including a lone
 * escape left where a cut fell in the middle of a sequence: text fit to print
 * in a report or hand to an agent.
 */
export function readableText(output: string): string {
  return plainText(output).replace(CONTROL, '');
}
