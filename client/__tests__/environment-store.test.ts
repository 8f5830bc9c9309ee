import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {environmentRequest, type EnvironmentFetch, type EnvironmentRequestInit} from '../environment-api.js';
import {EnvironmentStore, PageEnvironments} from '../environment-store.js';
import {loadEnvironment, saveEnvironment} from '../environment.js';
import {MemoryStorage} from './memory-storage.js';

const base = 'http://localhost:3000/docs';
const session = {id: 'p1', name: 'setup', steps: 3};
const stored = {ref: {id: 'e1', token: 't1'}, session: 'p1', ran: [1]};
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fetch double answering each call with `answer(url, init)`, recording the calls. */
function fakeFetch(answer: (url: string, init: EnvironmentRequestInit) => {status: number; body?: unknown} | 'offline' = () => ({status: 204})) {
  const calls: Array<{url: string; init: EnvironmentRequestInit}> = [];
  const fetch: EnvironmentFetch = async (url, init) => {
    calls.push({url, init});
    const reply = answer(url, init);
    if (reply === 'offline') throw new TypeError('Failed to fetch');
    return {ok: reply.status < 300, status: reply.status, json: async () => reply.body};
  };
  return {fetch, calls};
}

function storeWith(fetch: EnvironmentFetch, storage = new MemoryStorage()) {
  saveEnvironment(storage, base, stored);
  return {store: new EnvironmentStore({base, session, storage, fetch}), storage};
}

describe('environment requests', () => {
  it('name the environment in the path and carry its token in the header, never in the URL', () => {
    const ref = {id: 'e/1', token: 'secret'};
    assert.deepEqual(environmentRequest(base, ref, 'state'), {url: `${base}/api/environments/e%2F1`, init: {method: 'GET', headers: {'x-sandbox-environment': 'secret'}}});
    assert.deepEqual(environmentRequest(base, ref, 'remove', 'jwt'), {
      url: `${base}/api/environments/e%2F1`,
      init: {method: 'DELETE', headers: {'x-sandbox-environment': 'secret', authorization: 'Bearer jwt'}},
    });
    assert.deepEqual(environmentRequest(base, ref, 'leave'), {
      url: `${base}/api/environments/e%2F1/leave`,
      init: {method: 'POST', headers: {'x-sandbox-environment': 'secret'}, keepalive: true},
    });
  });
});

describe('EnvironmentStore', () => {
  it('starts from the stored environment and keeps what a run answered, for a reload', () => {
    const {store, storage} = storeWith(fakeFetch().fetch);
    assert.deepEqual(store.environment, stored);
    let changes = 0;
    store.subscribe(() => (changes += 1));
    store.accept({id: 'e2', token: 't2', session: 'p1', ran: [1, 2]});
    assert.deepEqual(store.environment, {ref: {id: 'e2', token: 't2'}, session: 'p1', ran: [1, 2]});
    assert.deepEqual(loadEnvironment(storage, base, 'p1'), store.environment);
    store.accept({id: 'e3', token: 't3', session: 'another', ran: [1]});
    assert.equal(store.environment?.ref.id, 'e2', 'an environment of another page session is ignored');
    assert.equal(changes, 1);
  });

  it('refreshes what ran from GET, with the token in the header', async () => {
    const {fetch, calls} = fakeFetch(() => ({status: 200, body: {id: 'e1', token: 'ignored', session: 'p1', ran: [1, 2], running: 2}}));
    const {store} = storeWith(fetch);
    await store.refresh();
    assert.deepEqual(calls, [{url: `${base}/api/environments/e1`, init: {method: 'GET', headers: {'x-sandbox-environment': 't1'}}}]);
    assert.deepEqual(store.environment, {ref: {id: 'e1', token: 't1'}, session: 'p1', ran: [1, 2]});
  });

  it('forgets the stored environment when GET answers 404 or 401, and keeps it when the answer says nothing', async () => {
    for (const status of [404, 401]) {
      const {store, storage} = storeWith(fakeFetch(() => ({status})).fetch);
      await store.refresh();
      assert.equal(store.environment, undefined, String(status));
      assert.equal(loadEnvironment(storage, base, 'p1'), undefined);
    }
    for (const reply of ['offline', {status: 503}, {status: 200, body: '<html>'}, {status: 200, body: {id: 'other', token: 't', session: 'p1', ran: []}}] as const) {
      const {store} = storeWith(fakeFetch(() => reply).fetch);
      await store.refresh();
      assert.deepEqual(store.environment, stored, JSON.stringify(reply));
    }
  });

  it('drops a GET answer that a newer run answer overtook', async () => {
    let answer: () => void = () => undefined;
    const fetch: EnvironmentFetch = (_url, _init) =>
      new Promise((resolve) => {
        answer = () => resolve({ok: false, status: 404, json: async () => undefined});
      });
    const {store} = storeWith(fetch);
    const refreshed = store.refresh();
    await settle();
    store.accept({id: 'e1', token: 't1', session: 'p1', ran: [1, 2]});
    answer();
    await refreshed;
    assert.deepEqual(store.environment?.ran, [1, 2]);
  });

  it('Reset: the blocks return to idle at once, then DELETE removes the environment', async () => {
    const {fetch, calls} = fakeFetch();
    const {store, storage} = storeWith(fetch);
    const seen: string[] = [];
    store.onReset(() => seen.push(`reset, environment ${String(store.environment)}, calls ${calls.length}`));
    await store.reset();
    assert.deepEqual(seen, ['reset, environment undefined, calls 0']);
    assert.deepEqual(calls, [{url: `${base}/api/environments/e1`, init: {method: 'DELETE', headers: {'x-sandbox-environment': 't1'}}}]);
    assert.equal(loadEnvironment(storage, base, 'p1'), undefined);
    await store.reset();
    assert.equal(calls.length, 1, 'nothing to delete the second time');
  });

  it('knows which block runs a step, and stops it for another', () => {
    const {store} = storeWith(fakeFetch().fetch);
    const first = {};
    const second = {};
    let stopped = 0;
    const release = store.claim(first, () => (stopped += 1));
    assert.equal(store.otherRunning(first), false);
    assert.equal(store.otherRunning(second), true);
    assert.equal(store.stopOther(first), false);
    assert.equal(store.stopOther(second), true);
    assert.equal(stopped, 1);
    release();
    release();
    assert.equal(store.otherRunning(second), false);
  });
});

describe('PageEnvironments', () => {
  function page(answer?: Parameters<typeof fakeFetch>[0]) {
    const storage = new MemoryStorage();
    saveEnvironment(storage, base, stored);
    const {fetch, calls} = fakeFetch(answer);
    const watched: {hidden?: () => void; shown?: () => void} = {};
    const environments = new PageEnvironments({
      storage: () => storage,
      fetch,
      watchPage: (hidden, shown) => Object.assign(watched, {hidden, shown}),
    });
    return {environments, calls, watched, storage};
  }

  it('gives the blocks of one page session one store, refreshed once from the server', async () => {
    const {environments, calls} = page(() => ({status: 200, body: {id: 'e1', token: 't1', session: 'p1', ran: [1, 2]}}));
    const a = environments.attach(base, session);
    const b = environments.attach(base, session);
    const other = environments.attach(base, {id: 'p2', name: 'other', steps: 2});
    assert.equal(a.store, b.store);
    assert.notEqual(a.store, other.store);
    await settle();
    assert.deepEqual(calls.map((call) => call.init.method), ['GET']);
    assert.deepEqual(a.store.environment?.ran, [1, 2]);
  });

  it('sends leave with keepalive when the page goes away, and asks again when it comes back from the cache', async () => {
    const {environments, calls, watched} = page(() => ({status: 204}));
    environments.attach(base, session);
    await settle();
    calls.length = 0;
    watched.hidden!();
    assert.deepEqual(calls, [{url: `${base}/api/environments/e1/leave`, init: {method: 'POST', headers: {'x-sandbox-environment': 't1'}, keepalive: true}}]);
    watched.shown!();
    await settle();
    assert.equal(calls.at(-1)!.init.method, 'GET');
  });

  it('sends leave once the last block of a page session is gone, and starts from storage when one comes back', async () => {
    const {environments, calls} = page(() => ({status: 204}));
    const a = environments.attach(base, session);
    const b = environments.attach(base, session);
    await settle();
    calls.length = 0;
    a.detach();
    a.detach();
    assert.equal(calls.length, 0);
    b.detach();
    assert.deepEqual(calls.map((call) => `${call.init.method} ${call.url}`), [`POST ${base}/api/environments/e1/leave`]);
    const again = environments.attach(base, session);
    assert.notEqual(again.store, a.store);
    assert.deepEqual(again.store.environment, stored);
  });

  it('touches nothing of the browser until a block attaches', () => {
    let looked = 0;
    let watched = 0;
    const environments = new PageEnvironments({
      storage: () => {
        looked += 1;
        return undefined;
      },
      fetch: fakeFetch().fetch,
      watchPage: () => (watched += 1),
    });
    assert.deepEqual([looked, watched], [0, 0]);
    environments.attach(base, session);
    environments.attach(base, {id: 'p2', name: 'b', steps: 2});
    assert.deepEqual([looked, watched], [2, 1]);
  });
});
