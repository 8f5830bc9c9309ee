/**
 * Every legal step of the session's state machine, driven through the
 * session's own surface (start, attach, detach, receive, shutdown, the
 * container and the clock), one test per step.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ContainerExit} from '../../runtime/types.js';
import {PHASE_NAMES, TRANSITIONS} from '../phase.js';
import {EXPIRED_KEEP_MS} from '../session.js';
import {FakePeer} from './fake-peer.js';
import {FakeRuntime} from './fake-runtime.js';
import {running, setup, tick} from './session-setup.js';

const SIGKILL = Buffer.from('{"type":"signal","signal":"SIGKILL"}');

/** A session whose start waits until `open()`. */
function gated(options: Parameters<typeof setup>[0] = {}) {
  const context = setup(options);
  return {...context, open: context.runtime.holdStarts()};
}

/** Running, with no socket yet (the first-connect timer bounds it). */
async function runningAlone() {
  const context = setup();
  await context.session.start();
  assert.equal(context.session.phase, 'running');
  return context;
}

/** The stream ended before the exit was reported; the socket is still there. */
async function exiting() {
  const context = await running();
  context.container().stream.push(null);
  await tick();
  assert.equal(context.session.phase, 'exiting');
  return context;
}

/** The exit was reported; the output has not ended (nobody reads it). */
async function draining() {
  const context = await runningAlone();
  context.container().output('unread');
  context.container().exitOnly(0);
  await tick();
  assert.equal(context.session.phase, 'draining');
  return context;
}

/** Ended without a socket: the result is kept for a late one. */
async function ended() {
  const context = setup();
  context.runtime.failWith = new Error('boom');
  await context.session.start();
  assert.equal(context.session.phase, 'ended');
  return context;
}

async function expired() {
  const context = await runningAlone();
  context.clock.advance(3_000);
  assert.equal(context.session.phase, 'expired');
  return context;
}

/** A runtime whose containers' exit can be lost (the engine went away). */
function losingRuntime() {
  const runtime = new FakeRuntime();
  const losers: Array<(error: Error) => void> = [];
  const start = runtime.start.bind(runtime);
  runtime.start = async (...args) => {
    const container = await start(...args);
    Object.defineProperty(container, 'exited', {value: new Promise<ContainerExit>((_resolve, reject) => losers.push(reject))});
    return container;
  };
  return {runtime, lose: () => losers[0]!(new Error('engine gone'))};
}

const STEPS: Record<string, () => Promise<void>> = {
  'starting→running': async () => {
    const {session, peer} = await running();
    assert.equal(session.phase, 'running');
    assert.deepEqual(peer.control.at(-1), {type: 'status', state: 'running'});
  },
  'starting→ended': async () => {
    const {session, events} = await ended();
    assert.equal(session.state, 'ended');
    assert.deepEqual(events, ['ended'], 'slot freed, result still kept');
  },
  'starting→expired': async () => {
    const context = gated();
    const started = context.session.start();
    context.clock.advance(3_000);
    assert.equal(context.session.phase, 'expired');
    context.open();
    await started;
    assert.equal(context.runtime.containers.length, 0, 'the start was aborted');
  },
  'starting→stopping': async () => {
    const context = gated();
    const started = context.session.start();
    const shut = context.session.shutdown();
    assert.equal(context.session.phase, 'stopping');
    assert.deepEqual(context.events, [], 'ended is told once the container is gone');
    context.open();
    await started;
    await shut;
    assert.equal(context.session.phase, 'gone');
    assert.deepEqual(context.events, ['ended', 'gone']);
  },
  'running→exiting': async () => {
    const {session, container} = await exiting();
    assert.equal(session.state, 'running');
    assert.deepEqual(container().kills, []);
  },
  'running→draining': async () => {
    const {session, clock} = await draining();
    clock.advance(2_000);
    assert.equal(session.phase, 'draining', 'nobody reads the output: the drain fallback waits');
  },
  'running→ended': async () => {
    const {runtime, lose} = losingRuntime();
    const context = setup({runtime});
    await context.session.start();
    lose();
    await tick();
    assert.equal(context.session.phase, 'ended');
    const late = new FakePeer();
    context.session.attach(late);
    assert.equal(late.control[0]?.type === 'error' && late.control[0].code, 'sandbox-lost');
  },
  'running→expired': async () => {
    const {session, peer, clock, container} = await running();
    session.detach(peer, 1006);
    clock.advance(3_000);
    assert.equal(session.phase, 'expired');
    assert.equal(container().removed, 1);
  },
  'running→stopping': async () => {
    const {session, peer} = await running();
    const shut = session.shutdown();
    assert.equal(session.phase, 'stopping');
    assert.equal(peer.closed?.code, 1001);
    await shut;
  },
  'exiting→ended': async () => {
    const {session, peer, container} = await exiting();
    session.detach(peer, 1006);
    container().exitOnly(5);
    await tick();
    assert.equal(session.phase, 'ended');
    const late = new FakePeer();
    session.attach(late);
    assert.deepEqual(late.control.at(-1), {type: 'exit', code: 5, reason: 'exit'});
  },
  'exiting→expired': async () => {
    const {session, peer, clock} = await exiting();
    session.detach(peer, 1006);
    clock.advance(3_000);
    assert.equal(session.phase, 'expired');
  },
  'exiting→stopping': async () => {
    const {session} = await exiting();
    const shut = session.shutdown();
    assert.equal(session.phase, 'stopping');
    await shut;
  },
  'draining→ended': async () => {
    const {session, container} = await draining();
    const peer = new FakePeer();
    session.attach(peer);
    container().stream.push(null);
    await tick();
    await tick();
    assert.equal(peer.output, 'unread');
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 0, reason: 'exit'});
    assert.equal(session.phase, 'gone', 'ended and told at once: nothing left to keep');
  },
  'draining→expired': async () => {
    const {session, clock} = await draining();
    clock.advance(3_000);
    assert.equal(session.phase, 'expired');
  },
  'draining→stopping': async () => {
    const {session} = await draining();
    const shut = session.shutdown();
    assert.equal(session.phase, 'stopping');
    await shut;
  },
  'ended→gone': async () => {
    const {session, clock, events} = await ended();
    clock.advance(2_999);
    assert.equal(session.phase, 'ended');
    clock.advance(1);
    assert.equal(session.phase, 'gone');
    assert.deepEqual(events, ['ended', 'gone']);
    assert.equal(clock.pendingTimers, 0, 'no timer outlives the session');
  },
  'expired→gone': async () => {
    const {session, clock, events} = await expired();
    clock.advance(EXPIRED_KEEP_MS);
    assert.equal(session.phase, 'gone');
    assert.deepEqual(events, ['ended', 'gone']);
    assert.equal(clock.pendingTimers, 0, 'no timer outlives the session');
  },
  'stopping→gone': async () => {
    const {session, clock, events} = await running();
    await session.shutdown();
    assert.equal(session.phase, 'gone');
    assert.deepEqual(events, ['ended', 'gone']);
    assert.equal(clock.pendingTimers, 0, 'no timer outlives the session');
  },
};

describe('Session transitions', () => {
  it('has a behaviour test for every legal step, and none for an illegal one', () => {
    const legal = PHASE_NAMES.flatMap((from) => TRANSITIONS[from].map((to) => `${from}→${to}`));
    assert.deepEqual(Object.keys(STEPS).sort(), legal.sort());
  });

  for (const [step, test] of Object.entries(STEPS)) it(step, test);

  it('refuses an illegal step with an error in the log instead of throwing (a throw in a timer would end the server)', async () => {
    const logged: Array<[string, string]> = [];
    const {session} = setup({log: (level, message) => logged.push([level, message])});
    await session.start();
    assert.equal(session.phase, 'running');
    const step = (session as unknown as {transition(next: {name: 'gone'}): void}).transition.bind(session);
    assert.doesNotThrow(() => step({name: 'gone'}));
    assert.equal(session.phase, 'running');
    assert.deepEqual(logged.filter(([level]) => level === 'error'), [['error', 'illegal session transition']]);
  });

  it('a SIGKILL while starting ends it at once (starting→ended) with killed and no exit code', async () => {
    const context = gated();
    const peer = new FakePeer();
    context.session.attach(peer);
    const started = context.session.start();
    context.session.receive(SIGKILL, false, peer);
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: -1, reason: 'killed'});
    assert.equal(context.session.phase, 'gone', 'told the socket, so nothing is kept');
    context.open();
    await started;
  });

  it('an end we cause while draining does not wait for the unread output', async () => {
    const {session, container} = await draining();
    session.terminate('killed');
    assert.equal(session.phase, 'ended');
    assert.deepEqual(container().kills, ['SIGKILL']);
  });

  it('terminate while running waits in exiting for the exit, which then ends it', async () => {
    const {session, peer, container} = await running();
    const exitOnly = container().exitOnly.bind(container());
    container().kill = async (signal) => void container().kills.push(signal);
    session.terminate('idle');
    assert.equal(session.phase, 'exiting');
    exitOnly(137);
    await tick();
    assert.deepEqual(peer.control.at(-1), {type: 'exit', code: 137, reason: 'idle'});
    assert.equal(session.phase, 'gone');
  });

  it('end phases ignore input, control messages, terminate and detach; gone turns a socket away', async () => {
    const {session, clock} = await ended();
    session.terminate('timeout');
    session.receive(SIGKILL, false, new FakePeer());
    session.detach(new FakePeer(), 1000);
    assert.equal(session.phase, 'ended');
    clock.advance(3_000);
    const late = new FakePeer();
    session.attach(late);
    assert.deepEqual(late.closed, {code: 4004, reason: 'session ended'});
    await session.shutdown();
    assert.equal(session.phase, 'gone');
  });

  it('shutdown of an ended session waits for the removal, then forgets it', async () => {
    const {session, events} = await ended();
    await session.shutdown();
    assert.equal(session.phase, 'gone');
    assert.deepEqual(events, ['ended', 'gone']);
  });
});
