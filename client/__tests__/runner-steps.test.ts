/**
 * The runner on the steps of a page session: where each Run goes, the offer
 * and its two choices, the retry after the server forgot the environment, one
 * step at a time per environment, the catch-up note and Reset environment.
 */
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {FetchLike} from '../create-session.js';
import type {EnvironmentFetch} from '../environment-api.js';
import {EnvironmentStore} from '../environment-store.js';
import {saveEnvironment, type KnownEnvironment} from '../environment.js';
import {LiveSandboxRegistry} from '../registry.js';
import {SandboxRunner, type RunnerTerminal, type RunnerView} from '../runner.js';
import {FakeSocket} from './fake-socket.js';
import {FakeTimers} from './fake-timers.js';
import {MemoryStorage} from './memory-storage.js';

const terminal = (): RunnerTerminal => ({write: (_data, done) => done?.(), reset: () => undefined, focus: () => undefined, size: () => ({cols: 80, rows: 24})});
const settle = async () => {
  for (let index = 0; index < 5; index += 1) await new Promise<void>((resolve) => setImmediate(resolve));
};
const base = 'http://localhost:3000';
const session = {id: 'p1', name: 'setup', steps: 3};

type Answer = {status: number; body: unknown};
const created = (id: string, environment?: Partial<KnownEnvironment> & {ran: number[]}, ref = {id: 'e9', token: 't9'}): Answer => ({
  status: 201,
  body: {id, token: `tok-${id}`, ws: `/api/sessions/${id}/ws`, ...(environment ? {environment: {...ref, session: 'p1', ran: environment.ran}} : {})},
});
const refused = (status: number, code: string): Answer => ({status, body: {error: {code, message: code}}});

/** One page: a shared store, the server's answers in order, and what was sent, in order, on either route. */
function page(options: {stored?: KnownEnvironment; answers?: Answer[]} = {}) {
  const timers = new FakeTimers();
  const log: string[] = [];
  const posts: unknown[] = [];
  const answers = [...(options.answers ?? [])];
  const sockets: FakeSocket[] = [];
  const storage = new MemoryStorage();
  if (options.stored) saveEnvironment(storage, base, options.stored);
  const environmentFetch: EnvironmentFetch = async (url, init) => {
    log.push(`${init.method} ${url.replace(base, '')}`);
    return {ok: true, status: 204, json: async () => undefined};
  };
  const store = new EnvironmentStore({base, session, storage, fetch: environmentFetch});
  const fetch: FetchLike = async (_url, init) => {
    const body = JSON.parse(init.body) as {block: string};
    posts.push(body);
    log.push(`POST /api/sessions ${body.block}`);
    const answer = answers.shift() ?? created(`s${posts.length}`);
    return {ok: answer.status < 300, status: answer.status, json: async () => answer.body};
  };
  const registry = new LiveSandboxRegistry();
  const runnerFor = (blockId: string, step: number) => {
    const views: RunnerView[] = [];
    const runner = new SandboxRunner({
      blockId,
      serverUrl: '',
      pageOrigin: base,
      recorded: {baseUrl: '/', recordedOnly: false},
      loadTerminal: async () => terminal(),
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
      transcripts: {find: async () => undefined},
      registry,
      step: {number: step, store},
    });
    return {runner, views, last: () => views.at(-1)};
  };
  return {store, timers, log, posts, sockets, runnerFor};
}

const stored = (ran: number[]): KnownEnvironment => ({ref: {id: 'e1', token: 't1'}, session: 'p1', ran});

describe('SandboxRunner on a page session step', () => {
  it('runs step 1 in a new environment without asking, and keeps the environment it answered', async () => {
    const {runnerFor, posts, store} = page({answers: [created('s1', {ran: [1]})]});
    const first = runnerFor('b1', 1);
    first.runner.run(undefined);
    await settle();
    assert.deepEqual(posts, [{block: 'b1', cols: 80, rows: 24}]);
    assert.deepEqual(store.environment, {ref: {id: 'e9', token: 't9'}, session: 'p1', ran: [1]});
    assert.equal(first.last()!.offer, undefined);
  });

  it('runs a step in the environment once the earlier steps ran there', async () => {
    const {runnerFor, posts} = page({stored: stored([1])});
    const second = runnerFor('b2', 2);
    second.runner.run([{path: 'a.txt', content: 'mine'}]);
    await settle();
    assert.deepEqual(posts, [{block: 'b2', cols: 80, rows: 24, files: [{path: 'a.txt', content: 'mine'}], environment: {id: 'e1', token: 't1'}}]);
  });

  it('offers the two choices when earlier steps have not run, and sends nothing until the reader chooses', async () => {
    const {runnerFor, posts} = page({stored: stored([1])});
    const third = runnerFor('b3', 3);
    third.runner.run(undefined);
    await settle();
    assert.deepEqual(third.last(), {status: {state: 'idle'}, terminalShown: false, offer: [2]});
    assert.deepEqual(posts, []);
    third.runner.runStep('only-this', undefined);
    await settle();
    assert.deepEqual(posts, [{block: 'b3', cols: 80, rows: 24, environment: {id: 'e1', token: 't1'}}]);
    assert.equal(third.last()!.offer, undefined, 'the offer goes once the reader chose');
  });

  it('"Run only this step" without an environment creates one', async () => {
    const {runnerFor, posts} = page();
    const second = runnerFor('b2', 2);
    second.runner.run(undefined);
    assert.deepEqual(second.last()!.offer, [1]);
    second.runner.runStep('only-this', undefined);
    await settle();
    assert.deepEqual(posts, [{block: 'b2', cols: 80, rows: 24}]);
  });

  it('catch-up deletes the old environment first, then asks for a new one with catchUp, and shows what ran first', async () => {
    const {runnerFor, log, posts, sockets, store} = page({stored: stored([1]), answers: [created('s1', {ran: [1, 2, 3]})]});
    const third = runnerFor('b3', 3);
    third.runner.run(undefined);
    third.runner.runStep('catch-up', undefined);
    await settle();
    assert.deepEqual(log, ['DELETE /api/environments/e1', 'POST /api/sessions b3']);
    assert.deepEqual(posts, [{block: 'b3', cols: 80, rows: 24, catchUp: true}]);
    assert.deepEqual(store.environment?.ran, [1, 2, 3]);
    sockets[0]!.open();
    const steps = [
      {step: 1, block: 'b1', code: 0},
      {step: 2, block: 'b2', code: 1},
    ];
    sockets[0]!.message(JSON.stringify({type: 'catch-up', steps}));
    assert.deepEqual(third.last()!.caughtUp, steps);
  });

  it('step 1 after environment-not-found or -unauthorized: forgets the environment and retries once without it', async () => {
    for (const code of ['environment-not-found', 'environment-unauthorized']) {
      const {runnerFor, posts, store} = page({stored: stored([1]), answers: [refused(code === 'environment-not-found' ? 404 : 401, code), created('s2', {ran: [1]})]});
      const first = runnerFor('b1', 1);
      first.runner.run(undefined);
      await settle();
      assert.deepEqual(posts, [{block: 'b1', cols: 80, rows: 24, environment: {id: 'e1', token: 't1'}}, {block: 'b1', cols: 80, rows: 24}], code);
      assert.deepEqual(store.environment?.ran, [1], 'the fresh environment is kept');
      assert.equal(first.last()!.status.state, 'connecting');
    }
  });

  it('a later step whose environment ended meanwhile: forgets it, sends nothing more and offers the earlier steps again', async () => {
    for (const code of ['environment-not-found', 'environment-unauthorized']) {
      const {runnerFor, posts, store} = page({stored: stored([1]), answers: [refused(code === 'environment-not-found' ? 404 : 401, code)]});
      const second = runnerFor('b2', 2);
      second.runner.run(undefined);
      await settle();
      assert.equal(posts.length, 1, `${code}: alone in a fresh environment step 2 would miss what step 1 left`);
      assert.equal(store.environment, undefined);
      assert.deepEqual(second.last(), {status: {state: 'idle'}, terminalShown: false, offer: [1]});
      // The reader's answer runs as on a fresh page.
      second.runner.runStep('catch-up', undefined);
      await settle();
      assert.deepEqual(posts.at(-1), {block: 'b2', cols: 80, rows: 24, catchUp: true});
    }
  });

  it('does not retry twice: a second refusal is shown', async () => {
    const {runnerFor, posts, store} = page({stored: stored([1]), answers: [refused(404, 'environment-not-found'), refused(503, 'at-capacity')]});
    const first = runnerFor('b1', 1);
    first.runner.run(undefined);
    await settle();
    assert.equal(posts.length, 2);
    assert.equal(store.environment, undefined);
    assert.deepEqual(first.last()!.status, {state: 'error', code: 'at-capacity'});
  });

  it('stops the step another block of the page runs in the environment, then runs once it has ended', async () => {
    const {runnerFor, posts, sockets, timers} = page({stored: stored([1])});
    const first = runnerFor('b1', 1);
    const second = runnerFor('b2', 2);
    first.runner.run(undefined);
    await settle();
    sockets[0]!.open();
    second.runner.run(undefined);
    await settle();
    assert.equal(posts.length, 1, 'the second step waits for the first to end');
    assert.deepEqual(sockets[0]!.controls().at(-1), {type: 'signal', signal: 'SIGTERM'});
    sockets[0]!.message(JSON.stringify({type: 'exit', code: 143, reason: 'killed'}));
    timers.advance(100);
    await settle();
    assert.equal(posts.length, 2);
    assert.deepEqual(posts[1], {block: 'b2', cols: 80, rows: 24, environment: {id: 'e1', token: 't1'}});
  });

  it('says so when the server still answers busy (a step runs in another tab)', async () => {
    const {runnerFor} = page({stored: stored([1]), answers: [refused(409, 'busy')]});
    const second = runnerFor('b2', 2);
    second.runner.run(undefined);
    await settle();
    assert.deepEqual(second.last()!.status, {state: 'error', code: 'busy'});
  });

  it('Reset environment: every step block returns to idle, a running step ends, and the environment is deleted', async () => {
    const {runnerFor, sockets, log, store} = page({stored: stored([1])});
    const first = runnerFor('b1', 1);
    const third = runnerFor('b3', 3);
    first.runner.run(undefined);
    third.runner.run(undefined);
    await settle();
    sockets[0]!.open();
    third.runner.resetEnvironment();
    await settle();
    assert.deepEqual(first.last(), {status: {state: 'idle'}, terminalShown: false});
    assert.deepEqual(third.last(), {status: {state: 'idle'}, terminalShown: false});
    assert.deepEqual(sockets[0]!.controls().at(-1), {type: 'signal', signal: 'SIGKILL'});
    assert.ok(log.includes('DELETE /api/environments/e1'));
    assert.equal(store.environment, undefined);
    first.runner.dispose();
    store.accept({id: 'e2', token: 't2', session: 'p1', ran: []});
    await store.reset();
    assert.deepEqual(first.last(), {status: {state: 'idle'}, terminalShown: false}, 'a disposed runner no longer listens');
  });
});
