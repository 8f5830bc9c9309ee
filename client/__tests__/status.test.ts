import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ERROR_CODES} from '../../protocol/index.js';
import {describeCatchUp, describeError, describeStatus, formatDuration, isLive, STATUS_MESSAGE_IDS, type SandboxStatus} from '../status.js';

/** Fills `{name}` placeholders the way Docusaurus translate() does. */
const render = (descriptor: {message: string; values?: Record<string, string | number>}) =>
  descriptor.message.replace(/\{(\w+)\}/g, (_, name: string) => String(descriptor.values?.[name] ?? `{${name}}`));

describe('status text', () => {
  it('formats durations for people', () => {
    assert.equal(formatDuration(45.4), '45 ms');
    assert.equal(formatDuration(1234), '1.2 s');
    assert.equal(formatDuration(59_949), '59.9 s');
    assert.equal(formatDuration(125_000), '2 min 5 s');
    assert.equal(formatDuration(-1), '0 ms');
  });

  it('says the exit code and duration', () => {
    assert.equal(render(describeStatus({state: 'exited', code: 0, reason: 'exit', durationMs: 1200})), 'exited with code 0 in 1.2 s');
    assert.equal(render(describeStatus({state: 'exited', code: 3, reason: 'exit', durationMs: 80})), 'exited with code 3 in 80 ms');
    assert.match(render(describeStatus({state: 'exited', code: 137, reason: 'timeout', durationMs: 30_000})), /time limit/);
    assert.equal(render(describeStatus({state: 'stopped', durationMs: 2500})), 'Stopped after 2.5 s');
  });

  it('tells the reader what to do for every server error code', () => {
    for (const code of ERROR_CODES) {
      const text = describeError(code).message;
      assert.ok(text.length > 20, code);
    }
    assert.match(describeError('too-many-sessions').message, /Stop your other sandboxes/);
    assert.match(describeError('at-capacity').message, /try again in a minute/);
    assert.match(describeError('unreachable').message, /Could not reach/);
    assert.match(describeError('no-backend').message, /sandbox server is not reachable/);
  });

  it('produces only ids listed for translation, all under theme.Sandbox.*', () => {
    const statuses: SandboxStatus[] = [
      {state: 'idle'},
      {state: 'loading'},
      {state: 'connecting'},
      {state: 'running'},
      {state: 'stopping'},
      {state: 'reconnecting', attempt: 2, delayMs: 1500},
      {state: 'stopped', durationMs: 1},
      {state: 'lost'},
      {state: 'expired'},
      {state: 'recorded', recordedAt: '2026-11-20T10:00:00Z', why: 'unreachable', playing: true},
      {state: 'recorded', recordedAt: '2026-11-20T10:00:00Z', why: 'recorded-only', playing: false},
      {state: 'reconnecting', attempt: 1, delayMs: 900, inputRefused: true},
      ...(['exit', 'timeout', 'idle', 'oom', 'output-limit', 'killed', 'error'] as const).map((reason) => ({
        state: 'exited' as const,
        code: 1,
        reason,
        durationMs: 1,
      })),
      ...[...ERROR_CODES, 'unreachable', 'no-backend', 'bad-response', 'connection-failed', 'load-failed', 'no-recording'].map((code) => ({
        state: 'error' as const,
        code: code as 'internal',
      })),
    ];
    const catchUps = [
      [{step: 1, block: 'b1', code: 0}],
      [
        {step: 1, block: 'b1', code: 2},
        {step: 2, block: 'b2', code: -1},
      ],
    ];
    const produced = new Set([...statuses.map((status) => describeStatus(status).id), ...catchUps.flatMap((steps) => describeCatchUp(steps).map((note) => note.id))]);
    assert.deepEqual([...produced].sort(), [...STATUS_MESSAGE_IDS].sort());
    for (const id of produced) assert.match(id, /^theme\.Sandbox\./);
    assert.equal(render(describeStatus({state: 'reconnecting', attempt: 2, delayMs: 1500})), 'Connection lost; reconnecting in 2 s (attempt 2)…');
    assert.match(render(describeStatus({state: 'reconnecting', attempt: 1, delayMs: 900, inputRefused: true})), /Typing is not sent/);
    assert.match(render(describeStatus({state: 'expired'})), /^Session expired/);
    assert.match(
      render(describeStatus({state: 'recorded', recordedAt: '2026-11-20T10:00:00Z', why: 'unreachable', playing: true})),
      /^Recorded on .*2026.*could not be reached/,
    );
    // The date in the page's language, as the sentence around it; the same instant in French and in English.
    const recorded: SandboxStatus = {state: 'recorded', recordedAt: '2026-12-04T12:00:00Z', why: 'recorded-only', playing: false};
    assert.match(String(describeStatus(recorded, 'fr').values?.date), /^\d{1,2} déc\. 2026$/);
    assert.match(String(describeStatus(recorded, 'en').values?.date), /^Dec \d{1,2}, 2026$/);
    assert.match(String(describeStatus(recorded, 'not a locale!').values?.date), /^2026-12-0\d$/, 'a bad tag falls back to the ISO date');
  });

  it('knows which states are live', () => {
    assert.equal(isLive({state: 'running'}), true);
    assert.equal(isLive({state: 'reconnecting', attempt: 1, delayMs: 1}), true);
    assert.equal(isLive({state: 'exited', code: 0, reason: 'exit', durationMs: 1}), false);
    assert.equal(isLive({state: 'error', code: 'internal'}), false);
  });

  it('describes the four page session refusals, each with what to do', () => {
    assert.match(describeError('environment-not-found').message, /shared environment has ended.*Run again/);
    assert.match(describeError('environment-unauthorized').message, /did not accept.*Reset the environment/);
    assert.match(describeError('environment-mismatch').message, /another tutorial.*Reload the page/);
    assert.match(describeError('busy').message, /Another step is already running.*another tab/);
  });

  it('names the steps a catch-up ran first, and each that failed or could not run', () => {
    assert.deepEqual(describeCatchUp([]), []);
    assert.deepEqual(describeCatchUp([{step: 1, block: 'b1', code: 0}]).map(render), ['Ran step 1 first.']);
    assert.deepEqual(
      describeCatchUp([
        {step: 2, block: 'b2', code: 1},
        {step: 1, block: 'b1', code: 0},
        {step: 3, block: 'b3', code: -1},
      ]).map(render),
      ['Ran steps 1–3 first.', 'Step 2 failed (exit code 1).', 'Step 3 could not run.'],
    );
  });
});
