import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES} from '../../protocol/index.js';
import {MAX_HELD_INPUT} from '../input.js';
import {bytes, harness} from './session-harness.js';

describe('SandboxSession resume', () => {
  it('offers sandbox.resume/offset, follows the replay offset and holds keystrokes while away', async () => {
    const {session, sockets, timers, output} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'resume-token', token: 'r1', graceMs: 60_000}));
    sockets[0]!.message(bytes('hello'));
    sockets[0]!.drop(1006);
    session.write('ls\r');
    timers.advance(1000);
    const second = sockets[1]!;
    assert.deepEqual(second.protocols, ['sandbox.v1', 'sandbox.resume.r1', 'sandbox.offset.5']);
    assert.ok(!second.url.includes('r1') && !second.url.includes('tok'), 'no credential in the URL');
    second.open();
    assert.deepEqual(second.sent.at(-1), new TextEncoder().encode('ls\r'), 'held input sent after the resume');
    second.message(JSON.stringify({type: 'replay', from: 5, truncated: false}));
    second.message(bytes(' world'));
    assert.deepEqual(output, ['hello', ' world']);
    second.drop(1006);
    timers.advance(1000);
    assert.deepEqual(sockets[2]!.protocols, ['sandbox.v1', 'sandbox.resume.r1', 'sandbox.offset.11']);
  });

  it('clears the terminal when the replay is truncated and counts from its offset', async () => {
    const {session, sockets, timers, truncations} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'resume-token', token: 'r1', graceMs: 60_000}));
    sockets[0]!.message(bytes('abc'));
    sockets[0]!.drop(1006);
    timers.advance(1000);
    sockets[1]!.open();
    sockets[1]!.message(JSON.stringify({type: 'resume-token', token: 'r2', graceMs: 60_000}));
    sockets[1]!.message(JSON.stringify({type: 'replay', from: 1000, truncated: true}));
    sockets[1]!.message(bytes('xy'));
    assert.equal(truncations(), 1);
    sockets[1]!.drop(1006);
    timers.advance(1000);
    assert.deepEqual(sockets[2]!.protocols, ['sandbox.v1', 'sandbox.resume.r2', 'sandbox.offset.1002']);
  });

  it('refuses keystrokes beyond the held bound visibly', async () => {
    const {session, sockets, statuses, timers} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.drop(1006);
    session.write('a'.repeat(MAX_HELD_INPUT));
    assert.notEqual((statuses.at(-1) as {inputRefused?: boolean}).inputRefused, true);
    session.write('b');
    assert.equal((statuses.at(-1) as {inputRefused?: boolean}).inputRefused, true);
    timers.advance(1000);
    sockets[1]!.open();
    const sentInput = sockets[1]!.sent.filter((item) => typeof item !== 'string');
    assert.equal(sentInput.length, 1);
    assert.equal((sentInput[0] as Uint8Array).byteLength, MAX_HELD_INPUT);
  });

  it('shows "expired" when the server says the resumed session ended', async () => {
    const {session, sockets, statuses, timers} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'resume-token', token: 'r1', graceMs: 60_000}));
    sockets[0]!.drop(1006);
    timers.advance(1000);
    sockets[1]!.open();
    sockets[1]!.message(JSON.stringify({type: 'error', code: 'session-ended', message: 'the session expired'}));
    sockets[1]!.drop(CLOSE_CODES.sessionEnded);
    assert.deepEqual(statuses.at(-1), {state: 'expired'});
    timers.advance(120_000);
    assert.equal(sockets.length, 2);
  });

  it('acks only bytes of the current socket once they are processed', async () => {
    const {session, sockets, timers, processed} = harness();
    await session.start();
    sockets[0]!.open();
    sockets[0]!.message(new Uint8Array(20 * 1024).buffer);
    sockets[0]!.drop(1006);
    timers.advance(1000);
    sockets[1]!.open();
    processed[0]!(); // parsed after the socket changed: not counted against the new window
    sockets[1]!.message(new Uint8Array(32 * 1024).buffer);
    assert.equal(sockets[1]!.controls().some((message) => (message as {type: string}).type === 'ack'), false);
    processed[1]!();
    assert.deepEqual(sockets[1]!.controls().at(-1), {type: 'ack', bytes: 32 * 1024});
  });
});

describe('SandboxSession shares', () => {
  it('gives the share calls the latest resume credential and reports presence', async () => {
    const seen: string[] = [];
    const {session, sockets, timers} = harness(undefined, {onPresence: (viewers, controllers) => seen.push(`${viewers}/${controllers}`)});
    await session.start();
    // Read through a function: an assertion on the getter would narrow it for the rest of the test.
    const access = () => session.shareAccess;
    assert.equal(access(), undefined, 'no credential yet');
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'resume-token', token: 'r1', graceMs: 60_000}));
    assert.deepEqual(access(), {sessionId: 's1', base: 'http://localhost:3000', resumeToken: 'r1'});
    sockets[0]!.message(JSON.stringify({type: 'presence', viewers: 1, controllers: 0}));
    sockets[0]!.drop(1006);
    timers.advance(1000);
    sockets[1]!.open();
    sockets[1]!.message(JSON.stringify({type: 'resume-token', token: 'r2', graceMs: 60_000}));
    assert.equal(access()?.resumeToken, 'r2', 'rotated on the resume');
    assert.deepEqual(seen, ['1/0']);
  });
});
