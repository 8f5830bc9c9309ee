import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BUNDLED_ENVIRONMENTS, DEFAULT_LIMITS, normalizeConfig} from '../../../config/index.js';
import {ManualClock} from '../clock.js';
import {SessionManager} from '../manager.js';
import {SessionTokens} from '../tokens.js';
import {FakePeer} from './fake-peer.js';
import {FakeRuntime, type FakeContainer} from './fake-runtime.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const clock = new ManualClock();
  const runtime = new FakeRuntime();
  const config = normalizeConfig({});
  const manager = new SessionManager({
    runtime,
    clock,
    tokens: new SessionTokens({secret: 'x'.repeat(32), ttlMs: 60_000, clock}),
    limits: config.server,
    stream: {highWaterMark: 1_000_000, lowWaterMark: 1000},
    messagesPerSecond: 100,
    reconnectGrace: 3_000,
    tokenTtl: 60_000,
  });
  const create = () =>
    manager.create({
      spec: {envName: 'shell', env: {...BUNDLED_ENVIRONMENTS.shell!, network: false, poolSize: 0, limits: DEFAULT_LIMITS}, files: [], cmd: 'x', interactive: true, cols: 80, rows: 24},
      timeouts: {run: 60_000, idle: 60_000, lifetime: 600_000},
      outputLimit: 1_000_000,
      outputRate: 0,
      client: '127.0.0.1',
    });
  return {clock, runtime, manager, create};
}

describe('SessionManager observers (issue 7 hooks for metrics)', () => {
  it('reports created, resumed, expired and ended; a throwing observer breaks nothing', async () => {
    const {clock, runtime, manager, create} = setup();
    const events: string[] = [];
    manager.observe({
      created: (session) => events.push(`created ${session.id.length > 0}`),
      resumed: (_session, details) => events.push(`resumed ${details.offset} ${details.truncated}`),
      expired: () => events.push('expired'),
      ended: () => events.push('ended'),
    });
    const stop = manager.observe({
      created: () => {
        throw new Error('observer bug');
      },
    });
    const {session} = create();
    stop();
    const peer = new FakePeer();
    session.attach(peer);
    await session.start();
    (runtime.containers[0] as FakeContainer).output('hello');
    await tick();
    session.detach(peer, 1006);
    const back = new FakePeer();
    session.attach(back, {offset: 2});
    session.detach(back, 1006);
    assert.equal(manager.activeCount, 1);
    clock.advance(3_000);
    await tick();
    assert.deepEqual(events, ['created true', 'resumed 2 false', 'expired', 'ended']);
    assert.equal(manager.activeCount, 0);
  });
});
