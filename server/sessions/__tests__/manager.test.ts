import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {BUNDLED_ENVIRONMENTS, DEFAULT_LIMITS, normalizeConfig} from '../../../config/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {AdmissionLimits} from '../admission.js';
import {SessionManager, type SessionRequest} from '../manager.js';
import {SessionTokens} from '../tokens.js';
import {rejection} from './rejection.js';
import {FakePeer} from './fake-peer.js';
import {FakeRuntime, type FakeContainer} from './fake-runtime.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(limits: Partial<AdmissionLimits> = {}) {
  const clock = new ManualClock();
  const runtime = new FakeRuntime();
  const config = normalizeConfig({});
  const manager = new SessionManager({
    runtime,
    clock,
    tokens: new SessionTokens({secret: 'x'.repeat(32), ttlMs: 60_000, clock}),
    limits: {...config.server, ...limits},
    stream: {highWaterMark: 1_000_000, lowWaterMark: 1000},
    messagesPerSecond: 100,
    reconnectGrace: 3_000,
    tokenTtl: 60_000,
  });
  const request = (options: {client?: string; outputRate?: number} = {}): SessionRequest => ({
    spec: {envName: 'shell', env: {...BUNDLED_ENVIRONMENTS.shell!, network: false, poolSize: 0, limits: DEFAULT_LIMITS}, files: [], cmd: 'x', interactive: true, cols: 80, rows: 24},
    timeouts: {run: 60_000, idle: 60_000, lifetime: 600_000},
    outputLimit: 1_000_000,
    outputRate: options.outputRate ?? 0,
    client: options.client ?? '127.0.0.1',
  });
  const create = (options: {client?: string; outputRate?: number} = {}) => manager.create(request(options));
  return {clock, runtime, manager, create, request};
}

describe('SessionManager observers (the hooks for metrics)', () => {
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

describe('SessionManager output rates', () => {
  it("a client's sessions share one output rate, dropped with its last session", async () => {
    const {runtime, manager, create} = setup();
    const rate = 64 * 1024;
    const first = create({outputRate: rate}).session;
    const second = create({outputRate: rate}).session;
    const other = create({outputRate: rate, client: '10.0.0.2'}).session;
    create(); // no rate: nothing held
    assert.equal(manager.rateCount, 2, 'one per client');
    for (const session of [first, second, other]) await session.start();
    // Both tabs of one client flood: together they get the burst once.
    const peers = [new FakePeer(), new FakePeer()];
    first.attach(peers[0]!);
    second.attach(peers[1]!);
    (runtime.containers[0] as FakeContainer).output(Buffer.alloc(rate / 4, 'a'));
    await tick();
    (runtime.containers[1] as FakeContainer).output(Buffer.alloc(1000, 'b'));
    await tick();
    assert.equal(peers[1]!.output.length, 1000, 'the chunk in flight goes out');
    assert.equal((runtime.containers[1] as FakeContainer).stream.isPaused(), true, "then the second tab waits for the first one's debt");
    first.terminate('killed');
    second.terminate('killed');
    for (const container of runtime.containers.slice(0, 2)) (container as FakeContainer).exit(137);
    await tick();
    await tick();
    assert.equal(manager.rateCount, 1, 'only the other client keeps its rate');
  });
});


describe('SessionManager admission (the one limiter)', () => {
  it('a slot from admit is the one its session keeps: counted once, held while the session lives, freed when it ends', async () => {
    const {runtime, manager, request} = setup({maxSessions: 5, maxSessionsPerClient: 2, sessionsPerMinute: 100});
    const alice = {id: 'alice', limits: {}};
    const slot = manager.admit('10.0.0.1', alice);
    assert.deepEqual(
      {...manager.admission.snapshot(), windowEntries: undefined},
      {active: 1, clients: 1, clientSessions: 1, users: 1, userSessions: 1, windowEntries: undefined, held: 0},
      'admitted before any session exists',
    );
    assert.equal(manager.activeCount, 0, 'no session yet');
    const {session} = manager.create(request({client: '10.0.0.1'}), slot);
    assert.deepEqual([manager.admission.snapshot().active, manager.admission.snapshot().held, manager.activeCount], [1, 1, 1]);
    manager.create(request({client: '10.0.0.1'}));
    const error = rejection(() => manager.admit('10.0.0.1'));
    assert.equal(error.code, 'too-many-sessions', 'sessions created with and without admit share the per-client cap');
    await session.start();
    session.terminate('killed');
    (runtime.containers[0] as FakeContainer).exit(137);
    await tick();
    await tick();
    const snapshot = manager.admission.snapshot();
    assert.deepEqual([snapshot.active, snapshot.users, snapshot.held, manager.activeCount], [1, 0, 1, 1]);
    slot();
    assert.equal(manager.admission.snapshot().active, 1, "releasing the session's slot again frees nothing more");
  });

  it('the user cap applies through admit; a refused or unused slot frees everything', () => {
    const {manager} = setup({maxSessions: 5, maxSessionsPerClient: 5, maxSessionsPerUser: 1, sessionsPerMinute: 100});
    const bob = {id: 'bob', limits: {}};
    const slot = manager.admit('10.0.0.1', bob);
    assert.equal(rejection(() => manager.admit('10.0.0.2', bob)).code, 'too-many-sessions');
    slot();
    manager.admit('10.0.0.2', bob)();
    const snapshot = manager.admission.snapshot();
    assert.deepEqual([snapshot.active, snapshot.clients, snapshot.users, snapshot.held], [0, 0, 0, 0]);
    assert.equal(snapshot.windowEntries, 4, 'each admission counts against the client and the user rate');
  });

  it('refuses to create while closing and leaves a given slot to its caller', async () => {
    const {manager, request} = setup();
    await manager.closeAll();
    const slot = manager.admit('10.0.0.1');
    const error = rejection(() => manager.create(request({client: '10.0.0.1'}), slot));
    assert.equal(error.code, 'at-capacity');
    assert.equal(manager.admission.snapshot().active, 1);
    slot();
    assert.equal(manager.admission.snapshot().active, 0);
  });
});

describe('SessionManager: sessions whose page went away make room', () => {
  const CLOSED_TAB = 1001;
  const DROPPED = 1006;

  async function atCap(closeCodes: number[]) {
    const context = setup({maxSessionsPerClient: closeCodes.length});
    const sessions = [];
    for (const code of closeCodes) {
      const {session} = context.create();
      const peer = new FakePeer();
      session.attach(peer);
      await tick();
      session.detach(peer, code);
      sessions.push(session);
    }
    return {...context, sessions};
  }

  it('four tabs closed with 1001: the next Run of the same client is admitted, ending the oldest closed one', async () => {
    const {manager, create, sessions} = await atCap([CLOSED_TAB, CLOSED_TAB, CLOSED_TAB, CLOSED_TAB]);
    assert.ok(sessions.every((session) => session.pageLeft));
    const {session} = create();
    assert.equal(session.state, 'starting');
    assert.deepEqual(
      sessions.map((item) => item.state),
      ['ended', 'running', 'running', 'running'],
    );
    assert.equal(manager.activeCount, 4);
    // The ended one answers a late resume with "expired", as after its grace.
    const late = new FakePeer();
    sessions[0]!.attach(late);
    assert.match(JSON.stringify(late.control.at(-1)), /"code":"session-ended".*expired/);
  });

  it('dropped connections (1006) keep their sessions for the reconnect grace: the cap still holds', async () => {
    const {create, sessions} = await atCap([DROPPED, DROPPED, DROPPED, DROPPED]);
    assert.equal(rejection(() => create()).code, 'too-many-sessions');
    assert.ok(sessions.every((session) => session.state === 'running'));
  });

  it('only a closed page makes room, and only for its own client; a tab that came back is no longer one', async () => {
    const {create, sessions} = await atCap([DROPPED, CLOSED_TAB, DROPPED, CLOSED_TAB]);
    sessions[1]!.attach(new FakePeer());
    assert.equal(sessions[1]!.pageLeft, false);
    create({client: '10.0.0.9'});
    assert.ok(sessions.every((session) => session.state === 'running'), 'another client ends nothing of ours');
    create();
    assert.deepEqual(
      sessions.map((item) => item.state),
      ['running', 'running', 'running', 'ended'],
    );
    assert.equal(rejection(() => create()).code, 'too-many-sessions');
  });
});
