/**
 * The status line's text for each status the client describes, spelled out:
 * Docusaurus's `write-translations` finds only translate() calls whose id and
 * message are written literally, so the client's descriptors (an id and
 * values) are turned into text here, one literal call per id. The ids,
 * messages and descriptions are those of the client's one list
 * (client/messages.ts); tests hold the two together.
 */
import {translate} from '@docusaurus/Translate';
import type {MessageDescriptor, MessageId} from 'docusaurus-sandbox/client';

type Values = MessageDescriptor['values'];

/** A placeholder's value; the placeholder itself if the client did not give one, so the gap shows. */
const value = (values: Values, name: string): string | number => values?.[name] ?? `{${name}}`;

export const STATUS_TEXT: Partial<Record<MessageId, (values: Values) => string>> = {
  'theme.Sandbox.status.idle': () =>
    translate({id: 'theme.Sandbox.status.idle', message: 'Click Run to start this example in a sandbox.', description: 'Status before the first run (for screen readers)'}),
  'theme.Sandbox.status.loading': () =>
    translate({id: 'theme.Sandbox.status.loading', message: 'Loading the terminal…', description: "Status while the terminal's code downloads"}),
  'theme.Sandbox.status.connecting': () =>
    translate({id: 'theme.Sandbox.status.connecting', message: 'Starting a sandbox…', description: 'Status while the sandbox is being created'}),
  'theme.Sandbox.status.running': () =>
    translate({id: 'theme.Sandbox.status.running', message: 'Running', description: 'Status while the program runs'}),
  'theme.Sandbox.status.stopping': () =>
    translate({id: 'theme.Sandbox.status.stopping', message: 'Stopping…', description: 'Status after Stop, until the program has ended'}),
  'theme.Sandbox.status.reconnecting': (values) =>
    translate({id: 'theme.Sandbox.status.reconnecting', message: 'Connection lost; reconnecting in {seconds} s (attempt {attempt})…', description: 'The connection dropped; the next attempt ({attempt}) is in {seconds} seconds'}, {seconds: value(values, 'seconds'), attempt: value(values, 'attempt')}),
  'theme.Sandbox.status.stopped': (values) =>
    translate({id: 'theme.Sandbox.status.stopped', message: 'Stopped after {duration}', description: 'The reader stopped the program after {duration}'}, {duration: value(values, 'duration')}),
  'theme.Sandbox.status.lost': () =>
    translate({id: 'theme.Sandbox.status.lost', message: 'The connection was lost and the sandbox could not be resumed. Run again to start over.', description: 'The connection dropped and could not be resumed'}),
  'theme.Sandbox.status.expired': () =>
    translate({id: 'theme.Sandbox.status.expired', message: 'Session expired: the connection was down too long and the sandbox has ended. Run again to start over.', description: 'The connection was down longer than the server keeps a session'}),
  'theme.Sandbox.status.recorded': (values) =>
    translate({id: 'theme.Sandbox.status.recorded', message: 'Recorded on {date}: the sandbox server could not be reached, so this is a recording of an earlier run.', description: 'A recording of a run on {date} plays because the server could not be reached'}, {date: value(values, 'date')}),
  'theme.Sandbox.status.recordedOnly': (values) =>
    translate({id: 'theme.Sandbox.status.recordedOnly', message: 'Recorded on {date}: this site shows recordings of earlier runs.', description: 'A recording of a run on {date} plays because the site shows recordings only'}, {date: value(values, 'date')}),
  'theme.Sandbox.error.noBackend': () =>
    translate({id: 'theme.Sandbox.error.noBackend', message: "This site's sandbox server is not reachable: the site is served without its backend. The code above stays readable.", description: 'The address of the sandbox server answered, but not as a sandbox server (e.g. a static host), and there is no recording to show'}),
  'theme.Sandbox.error.noRecording': () =>
    translate({id: 'theme.Sandbox.error.noRecording', message: 'This site shows recorded runs only, and this example has no recording yet.', description: 'The site shows recordings only and this block has none'}),
  'theme.Sandbox.status.reconnectingInputRefused': (values) =>
    translate({id: 'theme.Sandbox.status.reconnectingInputRefused', message: 'Connection lost; reconnecting in {seconds} s (attempt {attempt})… Typing is not sent until the connection is back.', description: 'As reconnecting, after the reader typed more than is held while disconnected'}, {seconds: value(values, 'seconds'), attempt: value(values, 'attempt')}),
  'theme.Sandbox.exit.timeout': (values) =>
    translate({id: 'theme.Sandbox.exit.timeout', message: 'Stopped: the time limit was reached after {duration}', description: 'The program was stopped at the time limit, after {duration}'}, {duration: value(values, 'duration')}),
  'theme.Sandbox.exit.idle': (values) =>
    translate({id: 'theme.Sandbox.exit.idle', message: 'Stopped after {duration} without input', description: 'The server stopped the program after {duration} without input'}, {duration: value(values, 'duration')}),
  'theme.Sandbox.exit.oom': (values) =>
    translate({id: 'theme.Sandbox.exit.oom', message: 'Stopped: the program ran out of memory after {duration}', description: 'The program was stopped for using more memory than allowed, after {duration}'}, {duration: value(values, 'duration')}),
  'theme.Sandbox.exit.outputLimit': () =>
    translate({id: 'theme.Sandbox.exit.outputLimit', message: 'Stopped: the program printed more than the output limit', description: 'The program was stopped for printing more than allowed'}),
  'theme.Sandbox.exit.killed': (values) =>
    translate({id: 'theme.Sandbox.exit.killed', message: 'Killed after {duration} (code {code})', description: 'The program was killed after {duration} with code {code}'}, {duration: value(values, 'duration'), code: value(values, 'code')}),
  'theme.Sandbox.exit.error': (values) =>
    translate({id: 'theme.Sandbox.exit.error', message: 'The sandbox failed after {duration}; run again', description: 'The sandbox failed after {duration}'}, {duration: value(values, 'duration')}),
  'theme.Sandbox.exit.code': (values) =>
    translate({id: 'theme.Sandbox.exit.code', message: 'exited with code {code} in {duration}', description: 'The program ended by itself with exit code {code} after {duration}'}, {code: value(values, 'code'), duration: value(values, 'duration')}),
  'theme.Sandbox.error.tooManySessions': () =>
    translate({id: 'theme.Sandbox.error.tooManySessions', message: 'You already have as many sandboxes running as the server allows. Stop your other sandboxes to run this one.', description: 'The reader has as many sandboxes running as the server allows'}),
  'theme.Sandbox.error.atCapacity': () =>
    translate({id: 'theme.Sandbox.error.atCapacity', message: 'Too many sandboxes are running right now; try again in a minute.', description: 'The server runs as many sandboxes as it can'}),
  'theme.Sandbox.error.rateLimited': () =>
    translate({id: 'theme.Sandbox.error.rateLimited', message: 'You started sandboxes very quickly; wait a minute, then run again.', description: 'The reader started sandboxes faster than the server allows'}),
  'theme.Sandbox.error.unreachable': () =>
    translate({id: 'theme.Sandbox.error.unreachable', message: 'Could not reach the sandbox server. Check your connection or try again later; the code above stays readable.', description: 'The sandbox server did not answer and there is no recording to show'}),
  'theme.Sandbox.error.connectionFailed': () =>
    translate({id: 'theme.Sandbox.error.connectionFailed', message: 'The terminal connection failed. Run again to retry.', description: "The terminal's WebSocket could not be opened"}),
  'theme.Sandbox.error.loadFailed': () =>
    translate({id: 'theme.Sandbox.error.loadFailed', message: 'The terminal could not be loaded. Reload the page and try again.', description: "The terminal's code could not be downloaded"}),
  'theme.Sandbox.error.unavailable': () =>
    translate({id: 'theme.Sandbox.error.unavailable', message: 'The sandbox service is not available at the moment; try again later.', description: "The server's container engine or image is not available"}),
  'theme.Sandbox.error.originNotAllowed': () =>
    translate({id: 'theme.Sandbox.error.originNotAllowed', message: 'This site is not allowed to use the sandbox server. The site owner must add it to the allowed origins.', description: "The server does not allow this site's origin"}),
  'theme.Sandbox.error.unauthorized': () =>
    translate({id: 'theme.Sandbox.error.unauthorized', message: 'The sandbox server refused the session. Reload the page and run again.', description: "The server refused the reader's credentials"}),
  'theme.Sandbox.error.unknownBlock': () =>
    translate({id: 'theme.Sandbox.error.unknownBlock', message: 'The server does not know this example; the page may be newer than the server. Reload the page.', description: "The server's manifest does not have this block"}),
  'theme.Sandbox.error.editsRefused': () =>
    translate({id: 'theme.Sandbox.error.editsRefused', message: 'The server refused your edits (too large or a bad file name). Reset and try again.', description: "The server refused the reader's edited files (too large, too many or a bad path)"}),
  'theme.Sandbox.error.notEditable': () =>
    translate({id: 'theme.Sandbox.error.notEditable', message: 'This example cannot be edited. Reset it and run again.', description: 'The server refused edits for a block that is not editable'}),
  'theme.Sandbox.error.sessionLost': () =>
    translate({id: 'theme.Sandbox.error.sessionLost', message: 'The sandbox was lost. Run again to start a new one.', description: 'The server no longer has the session'}),
  'theme.Sandbox.error.environmentNotFound': () =>
    translate({id: 'theme.Sandbox.error.environmentNotFound', message: "This tutorial's shared environment has ended (it expired or was removed). Run again to start a new one.", description: "The server no longer has the multi-step tutorial's environment"}),
  'theme.Sandbox.error.environmentUnauthorized': () =>
    translate({id: 'theme.Sandbox.error.environmentUnauthorized', message: "The sandbox server did not accept this page's key to the tutorial's shared environment. Reset the environment, then run again.", description: "The server refused the token of the multi-step tutorial's environment"}),
  'theme.Sandbox.error.environmentMismatch': () =>
    translate({id: 'theme.Sandbox.error.environmentMismatch', message: 'This step belongs to another tutorial than the environment it was sent to. Reload the page and run again.', description: 'The server refused a step in an environment of another multi-step tutorial'}),
  'theme.Sandbox.error.busy': () =>
    translate({id: 'theme.Sandbox.error.busy', message: "Another step is already running in this tutorial's shared environment, perhaps in another tab. Stop it or wait for it to end, then run again.", description: "The server runs one step at a time in a multi-step tutorial's environment, and one runs elsewhere"}),
  'theme.Sandbox.step.caughtUp': (values) =>
    translate({id: 'theme.Sandbox.step.caughtUp', message: 'Ran steps {steps} first.', description: 'After a catch-up in a multi-step tutorial: the earlier steps ({steps}, e.g. 1–2) ran first in the new environment'}, {steps: value(values, 'steps')}),
  'theme.Sandbox.step.caughtUpOne': (values) =>
    translate({id: 'theme.Sandbox.step.caughtUpOne', message: 'Ran step {steps} first.', description: 'As step.caughtUp, when one earlier step ({steps}) ran first'}, {steps: value(values, 'steps')}),
  'theme.Sandbox.step.caughtUpFailed': (values) =>
    translate({id: 'theme.Sandbox.step.caughtUpFailed', message: 'Step {step} failed (exit code {code}).', description: 'After a catch-up: earlier step {step} ended with exit code {code}'}, {step: value(values, 'step'), code: value(values, 'code')}),
  'theme.Sandbox.step.caughtUpNotRun': (values) =>
    translate({id: 'theme.Sandbox.step.caughtUpNotRun', message: 'Step {step} could not run.', description: 'After a catch-up: earlier step {step} could not be started'}, {step: value(values, 'step')}),
  'theme.Sandbox.error.generic': () =>
    translate({id: 'theme.Sandbox.error.generic', message: 'Something went wrong on the sandbox server. Run again in a moment.', description: 'An unexpected server error'}),
};

/** English with the placeholders filled: what an id without a line above shows instead of nothing. */
const fillEnglish = ({message, values}: MessageDescriptor) => message.replace(/\{(\w+)\}/g, (_placeholder, name: string) => String(value(values, name)));

/** The translated text of a status descriptor. */
export function statusText(descriptor: MessageDescriptor): string {
  const text = STATUS_TEXT[descriptor.id];
  return text ? text(descriptor.values) : fillEnglish(descriptor);
}
