import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES, type ServerMessage} from '../../../protocol/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {SandboxError} from '../../errors.js';
import {ShareRegistry} from '../share-registry.js';
import {ShareTokens} from '../share-tokens.js';
import {SessionTokens} from '../tokens.js';
import {viewerAction} from '../viewer-input.js';
import {FakePeer} from './fake-peer.js';
import {running, tick} from './session-setup.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof SandboxError ? error.code : String(error);
  }
  return undefined;
};

describe('share tokens', () => {
  const clock = new ManualClock();
  const sessionTokens = new SessionTokens({ttlMs: 60_000, clock, secret: 'a secret of sixteen+ chars'});
  const tokens = new ShareTokens(sessionTokens.derivedKey('share'), clock);

  it('verify for their session and mode until they expire', () => {
    const {shareId, token} = tokens.issue('session-1', 'control', clock.now() + 60_000);
    assert.deepEqual(tokens.verify(token, 'session-1'), {shareId, mode: 'control', expiresAt: clock.now() + 60_000});
    assert.equal(tokens.verify(token, 'session-2'), undefined, 'another session');
    assert.equal(tokens.verify(token.replace('.c.', '.v.'), 'session-1'), undefined, 'the mode is signed');
    clock.advance(60_000);
    assert.equal(tokens.verify(token, 'session-1'), undefined, 'expired');
  });

  it('are domain-separated from session tokens, both ways', () => {
    const share = tokens.issue('session-1', 'view', clock.now() + 60_000).token;
    const session = sessionTokens.issue('session-1');
    assert.equal(sessionTokens.verify(share, 'session-1'), false);
    assert.equal(tokens.verify(session, 'session-1'), undefined);
    // A share token signed with the session tokens' own secret (no derivation) does not verify either.
    const underived = new ShareTokens(Buffer.from('a secret of sixteen+ chars'), clock).issue('session-1', 'view', clock.now() + 60_000).token;
    assert.equal(tokens.verify(underived, 'session-1'), undefined);
  });

  it('refuse malformed input without throwing', () => {
    for (const bad of ['', 'x', 'a.b.c.d', `${'A'.repeat(16)}.zz.v.${'A'.repeat(43)}`, 'é'.repeat(80)]) assert.equal(tokens.verify(bad, 'session-1'), undefined);
  });
});

describe('viewerAction', () => {
  const binary = Buffer.from('ls\r');
  const text = (message: object) => Buffer.from(JSON.stringify(message));
  it('a view share reaches the program with nothing', () => {
    assert.equal(viewerAction('view', binary, true).kind, 'refuse');
    for (const message of [{type: 'resize', cols: 80, rows: 24}, {type: 'signal', signal: 'SIGINT'}]) {
      const action = viewerAction('view', text(message), false);
      assert.equal(action.kind === 'refuse' && action.code, 'view-only');
    }
  });
  it('a control share types and interrupts; the size and the end are the owner’s', () => {
    assert.deepEqual(viewerAction('control', binary, true), {kind: 'input'});
    assert.deepEqual(viewerAction('control', text({type: 'signal', signal: 'SIGINT'}), false), {kind: 'interrupt'});
    const kill = viewerAction('control', text({type: 'signal', signal: 'SIGKILL'}), false);
    assert.equal(kill.kind === 'refuse' && kill.code, 'owner-only');
    const resize = viewerAction('control', text({type: 'resize', cols: 80, rows: 24}), false);
    assert.equal(resize.kind === 'refuse' && resize.code, 'owner-only');
  });
  it('acks and hello are ignored; garbage is a bad-message', () => {
    assert.deepEqual(viewerAction('view', text({type: 'ack', bytes: 10}), false), {kind: 'ignore'});
    assert.deepEqual(viewerAction('view', text({type: 'hello', acks: true}), false), {kind: 'ignore'});
    const bad = viewerAction('control', Buffer.from('{'), false);
    assert.equal(bad.kind === 'refuse' && bad.code, 'bad-message');
  });
});

/** Waits until the mirror has parsed what it was given (xterm parses on a real timer, a slice per macrotask). */
const settle = async () => {
  for (let index = 0; index < 5; index++) await new Promise((resolve) => setTimeout(resolve, 5));
};

const messagesOf = (peer: FakePeer, type: ServerMessage['type']) => peer.control.filter((message) => message.type === type);

async function sharedSession(limits: Partial<{maxViewersPerSession: number; maxSharesPerSession: number; sharesPerMinute: number}> = {}) {
  const context = await running();
  const registry = new ShareRegistry({
    tokens: new ShareTokens(Buffer.alloc(32, 7), context.clock),
    clock: context.clock,
    limits: {maxViewersPerSession: 8, maxSharesPerSession: 4, sharesPerMinute: 10, messagesPerSecond: 100, ...limits},
  });
  const join = (token: string) => {
    const viewer = new FakePeer();
    const handle = registry.admitViewer(context.session.id, token).join(viewer);
    return {viewer, handle};
  };
  return {...context, registry, join};
}

describe('shared sessions', () => {
  it('a late viewer gets the state, the current screen, then live output; everyone gets presence', async () => {
    const {session, peer, container, registry, join} = await sharedSession();
    container().output('before the share\r\n');
    await tick();
    const share = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    await settle();
    const {viewer} = join(share.token);
    assert.deepEqual(viewer.control[0], {type: 'status', state: 'running'});
    assert.deepEqual(messagesOf(viewer, 'snapshot'), [{type: 'snapshot', cols: 80, rows: 24}]);
    assert.match(viewer.output, /before the share/, 'the screen holds what was output before the share');
    assert.deepEqual(messagesOf(viewer, 'presence').at(-1), {type: 'presence', viewers: 1, controllers: 0});
    assert.deepEqual(messagesOf(peer, 'presence').at(-1), {type: 'presence', viewers: 1, controllers: 0});
    container().output('live line\r\n');
    await settle();
    assert.match(viewer.output, /live line/);
    assert.match(peer.output, /live line/);
  });

  it("a view viewer's keys are refused and never reach stdin; a control viewer's do", async () => {
    const {session, container, registry, join} = await sharedSession();
    const view = join(registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'}).token);
    view.handle.receive(Buffer.from('nope'), true);
    assert.deepEqual(messagesOf(view.viewer, 'error').map((message) => message.type === 'error' && message.code), ['view-only']);
    const control = join(registry.create(session.shareSide, {mode: 'control', ttlMs: 60_000, client: 'a'}).token);
    control.handle.receive(Buffer.from('yes'), true);
    await tick();
    assert.equal(Buffer.concat(container().stdin).toString(), 'yes');
    assert.deepEqual(messagesOf(view.viewer, 'presence').at(-1), {type: 'presence', viewers: 2, controllers: 1});
  });

  it('the owner resizes; viewers get a resize notice', async () => {
    const {session, peer, registry, join} = await sharedSession();
    const {viewer} = join(registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'}).token);
    session.receive(Buffer.from(JSON.stringify({type: 'resize', cols: 100, rows: 30})), false, peer);
    assert.deepEqual(messagesOf(viewer, 'resize'), [{type: 'resize', cols: 100, rows: 30}]);
  });

  it('revoking closes its viewers with 4003 at once; the token then opens nothing', async () => {
    const {session, peer, registry, join} = await sharedSession();
    const share = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    const {viewer} = join(share.token);
    registry.revoke(session.id, share.id);
    assert.equal(viewer.closed?.code, CLOSE_CODES.shareRevoked);
    assert.deepEqual(messagesOf(peer, 'presence').at(-1), {type: 'presence', viewers: 0, controllers: 0});
    assert.equal(codeOf(() => registry.admitViewer(session.id, share.token)), 'unauthorized');
    assert.equal(codeOf(() => registry.revoke(session.id, share.id)), 'share-not-found');
  });

  it('an expired share closes its viewers and opens nothing', async () => {
    const {session, clock, registry, join} = await sharedSession();
    const share = registry.create(session.shareSide, {mode: 'control', ttlMs: 10_000, client: 'a'});
    const {viewer} = join(share.token);
    clock.advance(10_000);
    assert.equal(viewer.closed?.code, CLOSE_CODES.shareRevoked);
    assert.equal(codeOf(() => registry.admitViewer(session.id, share.token)), 'unauthorized');
  });

  it('the session ends: every viewer gets the exit, and its shares are gone', async () => {
    const {session, container, registry, join} = await sharedSession();
    const share = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    const first = join(share.token).viewer;
    const second = join(registry.create(session.shareSide, {mode: 'control', ttlMs: 60_000, client: 'a'}).token).viewer;
    container().exit(7);
    await tick();
    await tick();
    for (const viewer of [first, second]) {
      assert.deepEqual(viewer.control.at(-1), {type: 'exit', code: 7, reason: 'exit'});
      assert.equal(viewer.closed?.code, CLOSE_CODES.normal);
    }
    assert.equal(registry.size, 0);
    assert.equal(codeOf(() => registry.admitViewer(session.id, share.token)), 'unauthorized');
    assert.equal(codeOf(() => registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'})), 'session-ended');
  });

  it('holds the limits: viewers per session, shares per session, creations per minute', async () => {
    const {session, registry, join, clock} = await sharedSession({maxViewersPerSession: 1, maxSharesPerSession: 2, sharesPerMinute: 3});
    const share = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    join(share.token);
    assert.equal(codeOf(() => join(share.token)), 'too-many-viewers');
    const second = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    assert.equal(codeOf(() => registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'})), 'too-many-shares');
    registry.revoke(session.id, second.id);
    registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    registry.revoke(session.id, share.id);
    assert.equal(codeOf(() => registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'})), 'rate-limited');
    assert.ok(registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'b'}), 'another client has its own minute');
    clock.advance(60_000);
    registry.prune();
  });

  it('a viewer that stops reading never pauses the program or the owner: it is resynced once it drains', async () => {
    const {session, peer, container, registry, join, clock} = await sharedSession();
    const {viewer} = join(registry.create(session.shareSide, {mode: 'view', ttlMs: 600_000, client: 'a'}).token);
    viewer.bufferedAmount = 10 * 1024 * 1024; // stalled: its socket holds far more than its bound
    const before = viewer.binary.length;
    for (let index = 0; index < 50; index++) container().output(`line ${index}\r\n`);
    await settle();
    assert.match(peer.output, /line 49/, 'the owner got everything');
    assert.equal(viewer.binary.length, before, 'nothing more was queued for the stalled viewer');
    assert.equal(container().stream.isPaused(), false, 'the program was never paused for it');
    viewer.bufferedAmount = 0;
    clock.advance(100);
    assert.equal(messagesOf(viewer, 'snapshot').length, 1, 'not within a second of the last snapshot');
    clock.advance(1_000);
    assert.equal(messagesOf(viewer, 'snapshot').length, 2, 'a fresh snapshot after it drained');
    assert.match(viewer.binary.at(-1)!.toString(), /line 49/);
  });

  it('a viewer joining while output pours in gets the screen once the mirror caught up, and nothing live before it', async () => {
    const {session, container, registry, join} = await sharedSession();
    const share = registry.create(session.shareSide, {mode: 'view', ttlMs: 60_000, client: 'a'});
    container().output('x'.repeat(200_000) + '\r\nTHE END\r\n');
    await tick();
    const {viewer} = join(share.token);
    assert.equal(messagesOf(viewer, 'snapshot').length, 0, 'not yet: the mirror has not parsed it all');
    await settle();
    await settle();
    assert.equal(messagesOf(viewer, 'snapshot').length, 1);
    assert.equal(viewer.binary.length, 1, 'the screen alone, no live bytes it already holds');
    assert.match(viewer.output, /THE END/);
  });

  it('a viewer behind for too long is cut with 4008', async () => {
    const {session, container, registry, join, clock} = await sharedSession();
    const {viewer} = join(registry.create(session.shareSide, {mode: 'view', ttlMs: 600_000, client: 'a'}).token);
    viewer.bufferedAmount = 10 * 1024 * 1024;
    container().output('x'.repeat(1000));
    await settle();
    clock.advance(61_000);
    assert.equal(viewer.closed?.code, CLOSE_CODES.viewerBehind);
  });
});
