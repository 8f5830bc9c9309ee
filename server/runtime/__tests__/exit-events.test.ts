/**
 * ExitEvents over a scripted event source: `die` lines settle watches, a
 * broken stream is opened again and the gap looked up, an engine that cannot
 * be reached fails every watch with sandbox-lost, and the periodic comparison
 * with the engine's list catches an event the engine dropped.
 */
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import {SandboxError} from '../../errors.js';
import {type ExitEventSource, ExitEvents, type ListedContainer, parseDieEvent} from '../exit-events.js';

const dieLine = (id: string, code: number | string) => `${JSON.stringify({Type: 'container', Action: 'die', Actor: {ID: id, Attributes: {exitCode: String(code), image: 'x'}}})}\n`;

/** A scripted engine: each open() hands out a new stream unless `refuse` says otherwise. */
function scriptedSource(script: {list?: () => ListedContainer[]; codes?: Record<string, number>} = {}) {
  const streams: PassThrough[] = [];
  const state = {refuse: undefined as Error | undefined, hang: false, opens: 0, lists: 0};
  const source: ExitEventSource = {
    open: (signal) => {
      state.opens++;
      if (state.refuse) return Promise.reject(state.refuse);
      if (state.hang) {
        return new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')), {once: true}));
      }
      const stream = new PassThrough();
      streams.push(stream);
      return Promise.resolve(stream);
    },
    list: async () => {
      state.lists++;
      return script.list?.() ?? [];
    },
    exitCode: async (id) => script.codes?.[id] ?? -1,
  };
  const current = () => streams[streams.length - 1]!;
  return {source, streams, current, state};
}

/**
 * The watcher's timers and stream do not keep a process alive (a server's
 * attach streams do that); here, a timer of the test's own does until `ended` settles.
 */
async function settled<T>(ended: Promise<T>): Promise<T> {
  const keeper = setInterval(() => undefined, 1_000);
  try {
    return await ended;
  } finally {
    clearInterval(keeper);
  }
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {code: 'ECONNREFUSED'});

describe('parseDieEvent', () => {
  it('reads the container and its exit code from a die event', () => {
    assert.deepEqual(parseDieEvent(dieLine('abc', 137).trim()), {id: 'abc', code: 137});
  });

  it('ignores other events, other JSON and broken lines', () => {
    assert.equal(parseDieEvent(JSON.stringify({Action: 'start', Actor: {ID: 'abc'}})), undefined);
    assert.equal(parseDieEvent('[1,2]'), undefined);
    assert.equal(parseDieEvent('null'), undefined);
    assert.equal(parseDieEvent('{"Action":"die"'), undefined);
    assert.equal(parseDieEvent(JSON.stringify({Action: 'die', Actor: {ID: ''}})), undefined);
  });

  it('takes the older top-level fields, and -1 for a missing code', () => {
    assert.deepEqual(parseDieEvent(JSON.stringify({status: 'die', id: 'old'})), {id: 'old', code: -1});
  });
});

describe('ExitEvents', () => {
  it('settles a watch with the code of its die event, whatever the chunking', async () => {
    const {source, current} = scriptedSource();
    const exits = new ExitEvents({source});
    await exits.ready();
    const a = exits.watch('a');
    const b = exits.watch('b');
    const line = dieLine('b', 3) + dieLine('other', 1) + dieLine('a', 0);
    for (let at = 0; at < line.length; at += 7) current().write(line.slice(at, at + 7));
    assert.deepEqual(await Promise.all([a, b]), [0, 3]);
    assert.equal(exits.size, 0, 'settled watches are forgotten');
  });

  it('opens one stream for concurrent callers, and again after a break only when needed', async () => {
    const {source, current, state} = scriptedSource();
    const exits = new ExitEvents({source});
    await Promise.all([exits.ready(), exits.ready(), exits.ready()]);
    assert.equal(state.opens, 1);
    current().end();
    await sleep(5);
    assert.equal(exits.connected, false);
    assert.equal(state.opens, 1, 'nothing watched: not opened again until asked');
    await exits.ready();
    assert.equal(state.opens, 2);
  });

  it('ready() rejects when the engine cannot be reached, and when it does not answer in time', async () => {
    const {source, state} = scriptedSource();
    state.refuse = refused();
    await assert.rejects(new ExitEvents({source}).ready(), {code: 'ECONNREFUSED'});
    state.refuse = undefined;
    state.hang = true;
    await assert.rejects(new ExitEvents({source, openTimeoutMs: 20}).ready(), (error: unknown) => error instanceof SandboxError && error.code === 'docker-unavailable');
  });

  it('a broken stream that cannot be opened again fails every watch with sandbox-lost', async () => {
    const {source, current, state} = scriptedSource();
    const exits = new ExitEvents({source});
    await exits.ready();
    const watches = [exits.watch('a'), exits.watch('b')];
    state.refuse = refused();
    current().destroy(Object.assign(new Error('read ECONNRESET'), {code: 'ECONNRESET'}));
    for (const watch of watches) {
      await assert.rejects(watch, (error: unknown) => error instanceof SandboxError && error.code === 'sandbox-lost' && /ECONNRESET/.test(error.message));
    }
    assert.equal(exits.size, 0);
  });

  it('after a break, what ended in the gap settles, what the engine lost is lost, what runs is still watched', async () => {
    let listed: ListedContainer[] = [];
    const {source, current, streams} = scriptedSource({list: () => listed, codes: {ended: 42}});
    const exits = new ExitEvents({source});
    await exits.ready();
    const ended = exits.watch('ended');
    const removed = exits.watch('removed');
    const running = exits.watch('running');
    listed = [
      {id: 'ended', state: 'exited'},
      {id: 'running', state: 'running'},
    ];
    current().end();
    assert.equal(await ended, 42);
    await assert.rejects(removed, {code: 'sandbox-lost'});
    assert.equal(streams.length, 2, 'opened again');
    assert.equal(exits.size, 1);
    current().write(dieLine('running', 0));
    assert.equal(await running, 0);
  });

  it('the periodic comparison catches a die event the engine dropped', async () => {
    let listed: ListedContainer[] = [{id: 'a', state: 'running'}];
    const {source, state} = scriptedSource({list: () => listed, codes: {a: 7}});
    const exits = new ExitEvents({source, reconcileMs: 10});
    await exits.ready();
    const a = exits.watch('a');
    await sleep(40);
    assert.equal(exits.size, 1, 'a running container stays watched');
    listed = [{id: 'a', state: 'dead'}];
    assert.equal(await settled(a), 7);
    const lists = state.lists;
    await sleep(40);
    assert.equal(state.lists, lists, 'nothing watched: no more listing');
  });

  it('an engine that answers the list with an error is asked again, not taken for gone', async () => {
    let fail = true;
    const {source} = scriptedSource({codes: {a: 0}});
    const exits = new ExitEvents({
      source: {
        ...source,
        list: async () => {
          if (fail) throw Object.assign(new Error('server error'), {statusCode: 500});
          return [{id: 'a', state: 'exited'}];
        },
      },
      reconcileMs: 10,
    });
    await exits.ready();
    const a = exits.watch('a');
    await sleep(30);
    assert.equal(exits.size, 1);
    fail = false;
    assert.equal(await settled(a), 0);
  });

  it('settle() ends a watch (a removal this server made), watching twice shares one end', async () => {
    const {source} = scriptedSource();
    const exits = new ExitEvents({source});
    const first = exits.watch('a');
    assert.equal(exits.watch('a'), first);
    exits.settle('a', 137);
    exits.settle('a', 1);
    assert.equal(await first, 137);
  });

  it('drops a line longer than any event and reads the ones after it', async () => {
    const {source, current} = scriptedSource();
    const exits = new ExitEvents({source});
    await exits.ready();
    const a = exits.watch('a');
    current().write('x'.repeat(70 * 1024));
    current().write(`${'y'.repeat(10)}\n${dieLine('a', 5)}`);
    assert.equal(await a, 5);
  });

  it('close() stops the stream at once when nothing is watched, else once the last watch ends', async () => {
    const idle = scriptedSource();
    const quiet = new ExitEvents({source: idle.source});
    await quiet.ready();
    quiet.close();
    assert.equal(idle.current().destroyed, true);
    await assert.rejects(quiet.ready(), {code: 'internal'});

    const busy = scriptedSource();
    const exits = new ExitEvents({source: busy.source});
    await exits.ready();
    const a = exits.watch('a');
    exits.close();
    assert.equal(busy.current().destroyed, false, 'a watched container still needs its end');
    busy.current().write(dieLine('a', 0));
    assert.equal(await a, 0);
    assert.equal(busy.current().destroyed, true);
  });
});
