import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {HTTP_CLOSE_WAIT_MS, SHUTDOWN_BUDGET_MS, Shutdown, SOCKET_CLOSE_GRACE_MS, type ShutdownParts, type ShutdownSocket} from '../shutdown.js';

const flush = async (turns = 10) => {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
};

/** Records every step the shutdown takes, in order. */
function fakeParts(options: {owned?: boolean; reclaims?: boolean; drain?: () => Promise<unknown>; reap?: () => Promise<unknown>; httpCloses?: boolean; listening?: boolean} = {}) {
  const clock = new ManualClock();
  const steps: string[] = [];
  const socket = (name: string): ShutdownSocket => ({
    close: (code, reason) => steps.push(`${name} close ${code} ${reason}`),
    terminate: () => steps.push(`${name} terminate`),
  });
  const clients = new Set([socket('a'), socket('b')]);
  const disposable = (name: string) => ({dispose: () => steps.push(`${name} disposed`)});
  const parts: ShutdownParts = {
    clock,
    stopAccepting: () => steps.push('stop accepting'),
    background: [disposable('heartbeat'), disposable('tracker'), disposable('sweep')],
    http: {
      listening: options.listening ?? true,
      close: (callback) => {
        steps.push('http close');
        if (options.httpCloses !== false) setImmediate(callback);
      },
      closeIdleConnections: () => steps.push('http close idle'),
      closeAllConnections: () => steps.push('http close all'),
    },
    drain: () => {
      steps.push('drain');
      return options.drain?.() ?? Promise.resolve();
    },
    instance: {
      owned: options.owned ?? true,
      reclaim: async () => {
        if (parts.instance.owned) return;
        steps.push('lease reclaimed');
        if (options.reclaims) (parts.instance as {owned: boolean}).owned = true;
      },
      release: async () => void steps.push('lease released'),
    },
    reapInstance: () => {
      steps.push('reap instance');
      return options.reap?.() ?? Promise.resolve(0);
    },
    gate: {fail: () => steps.push('gate failed')},
    sockets: {clients, close: () => steps.push('socket server closed')},
    admission: {dispose: () => steps.push('admission disposed')},
    admin: {close: async () => void steps.push('admin closed')},
  };
  return {clock, steps, parts, clients};
}

describe('shutdown', () => {
  it('stops accepting, drains, reaps its own instance, closes sockets with 1001, then the server, admission, admin, and the lease last', async () => {
    const {steps, parts} = fakeParts();
    await new Shutdown(parts).run();
    assert.deepEqual(steps, [
      'stop accepting',
      'heartbeat disposed',
      'tracker disposed',
      'sweep disposed',
      'http close',
      'http close idle',
      'drain',
      'reap instance',
      'gate failed',
      'a close 1001 server shutting down',
      'b close 1001 server shutting down',
      'socket server closed',
      'http close all',
      'admission disposed',
      'admin closed',
      'lease released',
    ]);
  });

  it('reaps nothing by instance id while the lease is not held', async () => {
    const {steps, parts} = fakeParts({owned: false});
    await new Shutdown(parts).run();
    assert.equal(steps.includes('reap instance'), false);
    assert.equal(steps.at(-1), 'lease released');
  });

  it('takes a lost lease back before the reap, and reaps once it holds it again', async () => {
    const {steps, parts} = fakeParts({owned: false, reclaims: true});
    await new Shutdown(parts).run();
    assert.deepEqual(steps.slice(steps.indexOf('drain'), steps.indexOf('drain') + 3), ['drain', 'lease reclaimed', 'reap instance']);
  });

  it('reaps nothing when the lease cannot be taken back', async () => {
    const {steps, parts} = fakeParts({owned: false, reclaims: false});
    await new Shutdown(parts).run();
    assert.ok(steps.includes('lease reclaimed'));
    assert.equal(steps.includes('reap instance'), false);
  });

  it('runs once: a second call returns the same promise and repeats nothing', async () => {
    const {steps, parts} = fakeParts();
    const shutdown = new Shutdown(parts);
    const first = shutdown.run();
    assert.equal(shutdown.run(), first);
    await Promise.all([first, shutdown.run()]);
    assert.equal(steps.filter((step) => step === 'drain').length, 1);
    assert.equal(steps.filter((step) => step === 'lease released').length, 1);
  });

  it('gives the drain and the reap one budget together, then goes on without them', async () => {
    const never = () => new Promise<never>(() => undefined);
    const {clock, steps, parts} = fakeParts({drain: never, reap: never});
    let done = false;
    void new Shutdown(parts).run().then(() => (done = true));
    await flush();
    clock.advance(SHUTDOWN_BUDGET_MS - 1);
    await flush();
    assert.equal(steps.includes('reap instance'), false);
    clock.advance(1);
    await flush();
    // The budget already spent by the drain bounds the reap too.
    assert.ok(steps.includes('reap instance'));
    assert.ok(steps.includes('gate failed'));
    assert.equal(done, true);
  });

  it('ignores a failed reap', async () => {
    const {steps, parts} = fakeParts({reap: () => Promise.reject(new Error('engine away'))});
    await new Shutdown(parts).run();
    assert.equal(steps.at(-1), 'lease released');
  });

  it(`terminates sockets still open ${SOCKET_CLOSE_GRACE_MS} ms after asking them to close, and waits at most ${HTTP_CLOSE_WAIT_MS} ms for the server`, async () => {
    const {clock, steps, parts} = fakeParts({httpCloses: false});
    let done = false;
    void new Shutdown(parts).run().then(() => (done = true));
    await flush();
    assert.equal(steps.at(-1), 'socket server closed');
    clock.advance(SOCKET_CLOSE_GRACE_MS);
    assert.deepEqual(steps.slice(-3), ['a terminate', 'b terminate', 'http close all']);
    await flush();
    assert.equal(done, false);
    clock.advance(HTTP_CLOSE_WAIT_MS - SOCKET_CLOSE_GRACE_MS);
    await flush();
    assert.equal(done, true);
    assert.deepEqual(steps.slice(-4), ['http close all', 'admission disposed', 'admin closed', 'lease released']);
    assert.equal(clock.pendingTimers, 0);
  });

  it('does not wait for a server that never listened', async () => {
    const {steps, parts} = fakeParts({listening: false, httpCloses: false});
    await new Shutdown(parts).run();
    assert.equal(steps.includes('http close'), false);
    assert.equal(steps.at(-1), 'lease released');
  });
});
