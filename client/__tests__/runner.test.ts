import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {Transcript} from '../../config/block.js';
import {LiveSandboxRegistry} from '../registry.js';
import {SandboxRunner, STOP_OTHERS_WAIT_MS, type RunnerTerminal, type RunnerView, type TerminalInput} from '../runner.js';
import type {FetchLike} from '../create-session.js';
import {FakeBus} from './fake-channel.js';
import {FakeSocket} from './fake-socket.js';
import {FakeTimers} from './fake-timers.js';

class FakeTerminal implements RunnerTerminal {
  readonly written: string[] = [];
  resets = 0;
  focuses = 0;
  write(data: Uint8Array, done?: () => void) {
    this.written.push(new TextDecoder().decode(data));
    done?.();
  }
  reset() {
    this.resets += 1;
  }
  focus() {
    this.focuses += 1;
  }
  size() {
    return {cols: 100, rows: 30};
  }
}

const HIDE_CURSOR = '\x1b[?25l';
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

function harness(
  options: {
    answer?: 'offline' | {status: number; body: unknown};
    transcript?: Transcript;
    recordedOnly?: boolean;
    loadFails?: boolean;
    registry?: LiveSandboxRegistry;
  } = {},
) {
  const timers = new FakeTimers();
  const terminal = new FakeTerminal();
  const sockets: FakeSocket[] = [];
  const views: RunnerView[] = [];
  const requests: unknown[] = [];
  const registry = options.registry ?? new LiveSandboxRegistry();
  const loads: TerminalInput[] = [];
  const answer = options.answer ?? {status: 201, body: {id: 's1', token: 'tok', ws: '/api/sessions/s1/ws'}};
  const fetch: FetchLike = async (_url, init) => {
    requests.push(JSON.parse(init.body));
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    return {ok: answer.status < 300, status: answer.status, json: async () => answer.body};
  };
  const runner = new SandboxRunner({
    blockId: 'b1',
    serverUrl: '',
    pageOrigin: 'http://localhost:3000',
    recorded: {baseUrl: '/', recordedOnly: options.recordedOnly ?? false},
    loadTerminal: async (input) => {
      loads.push(input);
      if (options.loadFails) throw new Error('chunk failed');
      return terminal;
    },
    nextFrame: async () => undefined,
    onChange: (view) => views.push(view),
    session: {
      fetch,
      createSocket: (url, protocols) => {
        const socket = new FakeSocket(url, protocols);
        sockets.push(socket);
        return socket;
      },
      random: () => 0.5,
      warn: () => undefined,
    },
    timers,
    now: () => timers.now,
    transcripts: {find: async (_url, blockId) => (blockId === 'b1' ? options.transcript : undefined)},
    registry,
  });
  return {runner, timers, terminal, sockets, views, requests, registry, loads, last: () => views.at(-1)};
}

const transcript: Transcript = {recordedAt: '2026-11-20T10:00:00Z', chunks: [[0, 'hello '], [50, 'world']]};

describe('SandboxRunner', () => {
  it('loads the terminal once, runs live, registers while live and hides the cursor when the program ends', async () => {
    const {runner, terminal, sockets, views, requests, registry, loads, last} = harness();
    runner.run([{path: 'main.js', content: 'edited'}]);
    await settle();
    assert.deepEqual(views.slice(0, 3).map((view) => view.status.state), ['idle', 'loading', 'connecting']);
    assert.equal(views[0]!.terminalShown, true);
    assert.deepEqual(requests, [{block: 'b1', cols: 100, rows: 30, files: [{path: 'main.js', content: 'edited'}]}]);
    assert.equal(registry.size, 1);
    sockets[0]!.open();
    assert.equal(last()!.status.state, 'running');
    sockets[0]!.message(new TextEncoder().encode('out').buffer);
    sockets[0]!.message(JSON.stringify({type: 'exit', code: 0, reason: 'exit'}));
    assert.equal(last()!.status.state, 'exited');
    assert.deepEqual(terminal.written, ['out', HIDE_CURSOR]);
    assert.equal(registry.size, 0);

    runner.run(undefined);
    await settle();
    assert.equal(loads.length, 1, 'the terminal is loaded once');
    assert.equal(terminal.resets, 1, 'a later run starts from a clean screen');
    assert.equal(sockets[0]!.closedWith, 1000);
  });

  it('sends terminal input to the session: text UTF-8-encoded, a binary string one byte per char', async () => {
    const {runner, sockets, loads} = harness();
    runner.run(undefined);
    await settle();
    sockets[0]!.open();
    const input = loads[0]!;
    input.onBinary('\xc8');
    input.onData('é');
    const bytes = sockets[0]!.sent.filter((item): item is Uint8Array => item instanceof Uint8Array).map((item) => [...item]);
    // 0xC8 reaches the socket (and so the container) as exactly one byte; text keeps its UTF-8 encoding.
    assert.deepEqual(bytes, [[0xc8], [0xc3, 0xa9]]);
    input.onResize(90, 20);
    assert.deepEqual(JSON.parse(sockets[0]!.sent.at(-1) as string), {type: 'resize', cols: 90, rows: 20});
  });

  it('plays the recording when the backend cannot be reached', async () => {
    const {runner, timers, terminal, registry, views, last} = harness({answer: 'offline', transcript});
    runner.run(undefined);
    await settle();
    await settle();
    assert.deepEqual(last()!.status, {state: 'recorded', recordedAt: transcript.recordedAt, why: 'unreachable', playing: true});
    assert.equal(registry.size, 0);
    timers.advance(100);
    await settle();
    assert.deepEqual(terminal.written, ['hello ', 'world', HIDE_CURSOR]);
    assert.deepEqual(last()!.status, {state: 'recorded', recordedAt: transcript.recordedAt, why: 'unreachable', playing: false});
    assert.ok(views.every((view) => view.status.state !== 'error'), 'the unreachable error is not shown when a recording plays');
  });

  it('plays the recording when a static host answers instead of a backend (404, 405, not the API)', async () => {
    for (const answer of [
      {status: 404, body: '<!doctype html><title>Page Not Found</title>'},
      {status: 405, body: null},
      {status: 200, body: {message: 'not a sandbox server'}},
    ]) {
      const {runner, timers, terminal, views, last} = harness({answer, transcript});
      runner.run(undefined);
      await settle();
      await settle();
      timers.advance(100);
      await settle();
      assert.deepEqual(terminal.written, ['hello ', 'world', HIDE_CURSOR], String(answer.status));
      assert.deepEqual(last()!.status, {state: 'recorded', recordedAt: transcript.recordedAt, why: 'unreachable', playing: false});
      assert.ok(views.every((view) => view.status.state !== 'error'), 'no error while the recording plays');
    }
  });

  it('without a recording, a static host says the site\'s sandbox server is not reachable', async () => {
    const {runner, last} = harness({answer: {status: 404, body: '<!doctype html>'}});
    runner.run(undefined);
    await settle();
    await settle();
    assert.deepEqual(last(), {status: {state: 'error', code: 'no-backend'}, terminalShown: false});
  });

  it('without a recording, an unreachable backend is an error and the empty terminal is hidden', async () => {
    const {runner, last} = harness({answer: 'offline'});
    runner.run(undefined);
    await settle();
    await settle();
    assert.deepEqual(last(), {status: {state: 'error', code: 'unreachable'}, terminalShown: false});
  });

  it('a refused session hides the terminal it never used', async () => {
    const {runner, last} = harness({answer: {status: 429, body: {error: {code: 'too-many-sessions'}}}});
    runner.run(undefined);
    await settle();
    await settle();
    assert.deepEqual(last(), {status: {state: 'error', code: 'too-many-sessions'}, terminalShown: false});
  });

  it('recorded-only: plays the recording without asking the server, or says there is none', async () => {
    const played = harness({recordedOnly: true, transcript});
    played.runner.run(undefined);
    await settle();
    assert.equal(played.requests.length, 0);
    assert.equal(played.last()!.status.state, 'recorded');

    const missing = harness({recordedOnly: true});
    missing.runner.run(undefined);
    await settle();
    assert.deepEqual(missing.last(), {status: {state: 'error', code: 'no-recording'}, terminalShown: false});
  });

  it('a terminal that cannot be loaded is load-failed', async () => {
    const {runner, last} = harness({loadFails: true});
    runner.run(undefined);
    await settle();
    assert.deepEqual(last()!.status, {state: 'error', code: 'load-failed'});
  });

  it('a new run replaces the current one; dispose kills the session and is idempotent', async () => {
    const {runner, sockets, registry} = harness();
    runner.run(undefined);
    await settle();
    sockets[0]!.open();
    runner.run(undefined);
    await settle();
    assert.equal(sockets[0]!.closedWith, 1000);
    assert.deepEqual(JSON.parse(sockets[0]!.sent.at(-1) as string), {type: 'signal', signal: 'SIGKILL'});
    sockets[1]!.open();
    runner.dispose();
    runner.dispose();
    assert.equal(sockets[1]!.closedWith, 1000);
    assert.equal(registry.size, 0);
    runner.run(undefined);
    await settle();
    assert.equal(sockets.length, 2, 'a disposed runner does not run');
  });

  it('stop my other sandboxes: stops them, waits until they ended (bounded), then runs', async () => {
    const {runner, timers, registry, requests} = harness();
    let stops = 0;
    registry.register('other', {stop: () => (stops += 1)});
    runner.stopOthersAndRun(undefined);
    assert.equal(stops, 1);
    timers.advance(STOP_OTHERS_WAIT_MS / 2);
    await settle();
    assert.equal(requests.length, 0, 'still waiting for the other sandbox to end');
    timers.advance(STOP_OTHERS_WAIT_MS);
    await settle();
    assert.equal(requests.length, 1, 'runs after the deadline even if the other never ended');
  });

  it('stops the reader\'s sandboxes on the site\'s other open pages too, and runs once they have ended', async () => {
    const bus = new FakeBus();
    const otherPage = new LiveSandboxRegistry({pageId: 'other-tab', openChannel: () => bus.open()});
    const here = new LiveSandboxRegistry({pageId: 'this-tab', openChannel: () => bus.open()});
    const {runner, timers, requests} = harness({registry: here});
    let stops = 0;
    const unregister = otherPage.register('b1', {
      stop: () => {
        stops += 1;
        // The other tab's program ends a moment after its SIGTERM.
        timers.setTimeout(unregister, 300);
      },
    });
    assert.deepEqual(here.others('b1'), ['b1'], 'the other tab\'s run of the same block counts');
    runner.stopOthersAndRun(undefined);
    assert.equal(stops, 1);
    timers.advance(200);
    await settle();
    assert.equal(requests.length, 0, 'still waiting for the other tab');
    timers.advance(200);
    await settle();
    assert.equal(requests.length, 1, 'runs as soon as the other tab announced it has nothing live');
  });
});
