/**
 * Every text the sandbox shows, in one list: the code translation id (named
 * like Docusaurus's own, `theme.Sandbox.*`), the English message and a
 * description for translators. The status texts, the shipped translations
 * and the English defaults are derived from it; a test checks that the
 * components' `<Translate>`/`translate()` calls (which Docusaurus extracts
 * statically, so they must spell the id and message out) say the same.
 */

export interface MessageEntry {
  readonly message: string;
  readonly description: string;
}

/** The list, by id without the `theme.Sandbox.` prefix. */
const ENTRIES = {
  'block.label': {
    message: "Runnable example",
    description: "The accessible name of a sandbox block that has no title",
  },
  'button.catchUp': {
    message: "Run steps 1–{last} first",
    description: "Offered on a step of a multi-step tutorial whose earlier steps have not run: a new environment runs steps 1 to {last} first, then this one",
  },
  'button.catchUpOne': {
    message: "Run step 1 first",
    description: "As button.catchUp, on step 2: a new environment runs step 1 first, then this one",
  },
  'button.edit': {
    message: "Edit",
    description: "The button that turns the block's code into editors",
  },
  'button.reset': {
    message: "Reset",
    description: "The button that drops the reader's edits and restores the authored code",
  },
  'button.resetEnvironment': {
    message: "Reset environment",
    description: "On the steps of a multi-step tutorial: ends the steps' shared environment so the next Run starts afresh",
  },
  'button.run': {
    message: "Run",
    description: "The button that starts the example in a sandbox",
  },
  'button.runAgain': {
    message: "Run again",
    description: "The Run button after a first run",
  },
  'button.runOnlyThis': {
    message: "Run only this step",
    description: "Offered on a step of a multi-step tutorial whose earlier steps have not run: runs this step alone",
  },
  'button.stop': {
    message: "Stop",
    description: "The button that stops the running program",
  },
  'button.stopOthers': {
    message: "Stop my other sandboxes and run this one",
    description: "Offered when the server refuses a new sandbox because the reader has too many running",
  },
  'editor.label': {
    message: "Edit {path}",
    description: "The accessible name of the editor of one file ({path})",
  },
  'editor.loadFailed': {
    message: "The editor could not be loaded; reload the page to edit.",
    description: "Shown when the editor's code could not be downloaded",
  },
  'error.atCapacity': {
    message: "Too many sandboxes are running right now; try again in a minute.",
    description: "The server runs as many sandboxes as it can",
  },
  'error.busy': {
    message: "Another step is already running in this tutorial's shared environment, perhaps in another tab. Stop it or wait for it to end, then run again.",
    description: "The server runs one step at a time in a multi-step tutorial's environment, and one runs elsewhere",
  },
  'error.connectionFailed': {
    message: "The terminal connection failed. Run again to retry.",
    description: "The terminal's WebSocket could not be opened",
  },
  'error.editsRefused': {
    message: "The server refused your edits (too large or a bad file name). Reset and try again.",
    description: "The server refused the reader's edited files (too large, too many or a bad path)",
  },
  'error.environmentMismatch': {
    message: "This step belongs to another tutorial than the environment it was sent to. Reload the page and run again.",
    description: "The server refused a step in an environment of another multi-step tutorial",
  },
  'error.environmentNotFound': {
    message: "This tutorial's shared environment has ended (it expired or was removed). Run again to start a new one.",
    description: "The server no longer has the multi-step tutorial's environment",
  },
  'error.environmentUnauthorized': {
    message: "The sandbox server did not accept this page's key to the tutorial's shared environment. Reset the environment, then run again.",
    description: "The server refused the token of the multi-step tutorial's environment",
  },
  'error.generic': {
    message: "Something went wrong on the sandbox server. Run again in a moment.",
    description: "An unexpected server error",
  },
  'error.loadFailed': {
    message: "The terminal could not be loaded. Reload the page and try again.",
    description: "The terminal's code could not be downloaded",
  },
  'error.noBackend': {
    message: "This site's sandbox server is not reachable: the site is served without its backend. The code above stays readable.",
    description: "The address of the sandbox server answered, but not as a sandbox server (e.g. a static host), and there is no recording to show",
  },
  'error.noRecording': {
    message: "This site shows recorded runs only, and this example has no recording yet.",
    description: "The site shows recordings only and this block has none",
  },
  'error.notEditable': {
    message: "This example cannot be edited. Reset it and run again.",
    description: "The server refused edits for a block that is not editable",
  },
  'error.originNotAllowed': {
    message: "This site is not allowed to use the sandbox server. The site owner must add it to the allowed origins.",
    description: "The server does not allow this site's origin",
  },
  'error.rateLimited': {
    message: "You started sandboxes very quickly; wait a minute, then run again.",
    description: "The reader started sandboxes faster than the server allows",
  },
  'error.sessionLost': {
    message: "The sandbox was lost. Run again to start a new one.",
    description: "The server no longer has the session",
  },
  'error.tooManySessions': {
    message: "You already have as many sandboxes running as the server allows. Stop your other sandboxes to run this one.",
    description: "The reader has as many sandboxes running as the server allows",
  },
  'error.unauthorized': {
    message: "The sandbox server refused the session. Reload the page and run again.",
    description: "The server refused the reader's credentials",
  },
  'error.unavailable': {
    message: "The sandbox service is not available at the moment; try again later.",
    description: "The server's container engine or image is not available",
  },
  'error.unknownBlock': {
    message: "The server does not know this example; the page may be newer than the server. Reload the page.",
    description: "The server's manifest does not have this block",
  },
  'error.unreachable': {
    message: "Could not reach the sandbox server. Check your connection or try again later; the code above stays readable.",
    description: "The sandbox server did not answer and there is no recording to show",
  },
  'exit.code': {
    message: "exited with code {code} in {duration}",
    description: "The program ended by itself with exit code {code} after {duration}",
  },
  'exit.error': {
    message: "The sandbox failed after {duration}; run again",
    description: "The sandbox failed after {duration}",
  },
  'exit.idle': {
    message: "Stopped after {duration} without input",
    description: "The server stopped the program after {duration} without input",
  },
  'exit.killed': {
    message: "Killed after {duration} (code {code})",
    description: "The program was killed after {duration} with code {code}",
  },
  'exit.oom': {
    message: "Stopped: the program ran out of memory after {duration}",
    description: "The program was stopped for using more memory than allowed, after {duration}",
  },
  'exit.outputLimit': {
    message: "Stopped: the program printed more than the output limit",
    description: "The program was stopped for printing more than allowed",
  },
  'exit.timeout': {
    message: "Stopped: the time limit was reached after {duration}",
    description: "The program was stopped at the time limit, after {duration}",
  },
  'files.edited': {
    message: "Edited: this is your version; Reset restores the original.",
    description: "A note above a file the reader has edited",
  },
  'keys.down': {
    message: "Down arrow",
    description: "The accessible name of the key bar's down arrow",
  },
  'keys.escape': {
    message: "Escape",
    description: "The accessible name of the key bar's Esc key",
  },
  'keys.interrupt': {
    message: "Control C (interrupt)",
    description: "The accessible name of the key bar's Ctrl-C key",
  },
  'keys.label': {
    message: "Terminal keys",
    description: "The accessible name of the key bar (touch devices)",
  },
  'keys.left': {
    message: "Left arrow",
    description: "The accessible name of the key bar's left arrow",
  },
  'keys.right': {
    message: "Right arrow",
    description: "The accessible name of the key bar's right arrow",
  },
  'keys.tab': {
    message: "Tab",
    description: "The accessible name of the key bar's Tab key",
  },
  'keys.up': {
    message: "Up arrow",
    description: "The accessible name of the key bar's up arrow",
  },
  'status.connecting': {
    message: "Starting a sandbox…",
    description: "Status while the sandbox is being created",
  },
  'status.expired': {
    message: "Session expired: the connection was down too long and the sandbox has ended. Run again to start over.",
    description: "The connection was down longer than the server keeps a session",
  },
  'status.idle': {
    message: "Click Run to start this example in a sandbox.",
    description: "Status before the first run (for screen readers)",
  },
  'status.loading': {
    message: "Loading the terminal…",
    description: "Status while the terminal's code downloads",
  },
  'status.lost': {
    message: "The connection was lost and the sandbox could not be resumed. Run again to start over.",
    description: "The connection dropped and could not be resumed",
  },
  'status.reconnecting': {
    message: "Connection lost; reconnecting in {seconds} s (attempt {attempt})…",
    description: "The connection dropped; the next attempt ({attempt}) is in {seconds} seconds",
  },
  'status.reconnectingInputRefused': {
    message: "Connection lost; reconnecting in {seconds} s (attempt {attempt})… Typing is not sent until the connection is back.",
    description: "As reconnecting, after the reader typed more than is held while disconnected",
  },
  'status.recorded': {
    message: "Recorded on {date}: the sandbox server could not be reached, so this is a recording of an earlier run.",
    description: "A recording of a run on {date} plays because the server could not be reached",
  },
  'status.recordedOnly': {
    message: "Recorded on {date}: this site shows recordings of earlier runs.",
    description: "A recording of a run on {date} plays because the site shows recordings only",
  },
  'status.running': {
    message: "Running",
    description: "Status while the program runs",
  },
  'status.stopped': {
    message: "Stopped after {duration}",
    description: "The reader stopped the program after {duration}",
  },
  'status.stopping': {
    message: "Stopping…",
    description: "Status after Stop, until the program has ended",
  },
  'step.caughtUp': {
    message: "Ran steps {steps} first.",
    description: "After a catch-up in a multi-step tutorial: the earlier steps ({steps}, e.g. 1–2) ran first in the new environment",
  },
  'step.caughtUpFailed': {
    message: "Step {step} failed (exit code {code}).",
    description: "After a catch-up: earlier step {step} ended with exit code {code}",
  },
  'step.caughtUpNotRun': {
    message: "Step {step} could not run.",
    description: "After a catch-up: earlier step {step} could not be started",
  },
  'step.caughtUpOne': {
    message: "Ran step {steps} first.",
    description: "As step.caughtUp, when one earlier step ({steps}) ran first",
  },
  'step.environment': {
    message: "Shared environment: {name}",
    description: "A badge on each step of a multi-step tutorial: its steps run one after the other in one environment, named {name} by the author",
  },
  'step.label': {
    message: "Step {step} of {steps}",
    description: "Where a block stands in a multi-step tutorial",
  },
  'step.offer': {
    message: "Steps {steps} have not run in the shared environment yet.",
    description: "On a step whose earlier steps ({steps}, e.g. 1–2) have not run in the shared environment, above the two choices",
  },
  'step.offerOne': {
    message: "Step {steps} has not run in the shared environment yet.",
    description: "As step.offer, when one earlier step ({steps}) has not run",
  },
  'terminal.hint': {
    message: "Ctrl-C interrupts; select text to copy; Esc then Tab leaves the terminal.",
    description: "Keyboard help under the terminal",
  },
  'terminal.label': {
    message: "Terminal",
    description: "The accessible name of the terminal",
  },
  'share.watch': {
    message: "Share: can watch",
    description: "The button that makes a link to the running session that lets others watch it",
  },
  'share.type': {
    message: "Share: can type",
    description: "The button that makes a link to the running session that lets others watch it and type into it",
  },
  'share.copied': {
    message: "Link copied to the clipboard",
    description: "Shown after a share link was made and copied",
  },
  'share.link': {
    message: "Share link",
    description: "The accessible name of the field that shows a share link (when it could not be copied)",
  },
  'share.viewers': {
    message: "{viewers} watching, {controllers} can type",
    description: "How many people follow the shared session through links, and how many of them can type",
  },
  'share.stop': {
    message: "Stop sharing",
    description: "The button that revokes the session's share links: their viewers are disconnected at once",
  },
  'share.failed': {
    message: "The share link could not be made. Try again in a moment.",
    description: "Shown when the server refused or could not make a share link",
  },
  'viewer.banner': {
    message: "Watching a shared session",
    description: "A banner above a terminal that someone shared by link: the reader watches it",
  },
  'viewer.bannerControl': {
    message: "Watching a shared session — you can type",
    description: "As viewer.banner, for a link that lets the reader type into the terminal",
  },
  'viewer.reconnecting': {
    message: "Reconnecting to the shared session…",
    description: "Shown while a viewer's connection is re-established",
  },
  'viewer.ended': {
    message: "The shared session has ended.",
    description: "Shown to a viewer when the program of the shared session has ended",
  },
  'viewer.revoked': {
    message: "The owner stopped sharing this session.",
    description: "Shown to a viewer whose share link was revoked or expired",
  },
  'viewer.lost': {
    message: "The connection to the shared session was lost.",
    description: "Shown to a viewer when its connection could not be re-established",
  },
  'terminal.recorded': {
    message: "Recording, not a live run",
    description: "A badge on the terminal while a recording plays",
  },
  'terminal.screenReaderOff': {
    message: "Screen reader mode: off",
    description: "The toggle of the terminal's screen reader mode, when off",
  },
  'terminal.screenReaderOn': {
    message: "Screen reader mode: on",
    description: "The toggle of the terminal's screen reader mode, when on",
  },
} as const satisfies Record<string, MessageEntry>;

/** The prefix Docusaurus themes use for their code translation ids. */
export const MESSAGE_ID_PREFIX = 'theme.Sandbox.';

/** One of the sandbox's message ids, e.g. `theme.Sandbox.status.running`. */
export type MessageId = `${typeof MESSAGE_ID_PREFIX}${keyof typeof ENTRIES}`;

/** The entries by full id. */
export const MESSAGES: Readonly<Record<MessageId, MessageEntry>> = Object.fromEntries(
  Object.entries(ENTRIES).map(([key, entry]) => [MESSAGE_ID_PREFIX + key, entry]),
) as Record<MessageId, MessageEntry>;

/** Every message id, in a stable order. */
export const MESSAGE_IDS = Object.keys(MESSAGES) as MessageId[];

/** The English text of an id. */
export const englishMessage = (id: MessageId): string => MESSAGES[id].message;
