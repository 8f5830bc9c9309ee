import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {CLOSE_CODES, shareFragment} from '../../protocol/index.js';
import {createShare, revokeShare, ShareCallError, shareLinkFor, shareRequest, type ShareFetch} from '../share.js';
import {decideViewerClose, ViewerSession, type ViewerState} from '../viewer.js';
import {FakeSocket} from './fake-socket.js';
import {FakeTimers} from './fake-timers.js';

describe('share calls', () => {
  it('carry the owner resume token as the Bearer, never in the URL', () => {
    const create = shareRequest('https://docs.example/site', 'id-1', 'resume-1', {create: 'control'});
    assert.equal(create.url, 'https://docs.example/site/api/sessions/id-1/shares');
    assert.deepEqual(create.init, {method: 'POST', headers: {authorization: 'Bearer resume-1', 'content-type': 'application/json'}, body: '{"mode":"control"}'});
    const revoke = shareRequest('https://docs.example', 'id-1', 'resume-1', {revoke: 'share/1'});
    assert.equal(revoke.url, 'https://docs.example/api/sessions/id-1/shares/share%2F1');
    assert.equal(revoke.init.method, 'DELETE');
  });

  it('answer the share, or a refusal with its stable code', async () => {
    const answer = {id: 's', token: 't', url: 'u', mode: 'view', expiresAt: 'e'};
    const ok: ShareFetch = () => Promise.resolve({ok: true, status: 201, json: () => Promise.resolve(answer)});
    assert.deepEqual(await createShare(ok, 'b', 'id', 'r', 'view'), answer);
    const refused: ShareFetch = () => Promise.resolve({ok: false, status: 429, json: () => Promise.resolve({error: {code: 'too-many-shares', message: 'stop one'}})});
    await assert.rejects(createShare(refused, 'b', 'id', 'r', 'view'), (error: unknown) => error instanceof ShareCallError && error.code === 'too-many-shares');
    const offline: ShareFetch = () => Promise.reject(new TypeError('failed to fetch'));
    await assert.rejects(createShare(offline, 'b', 'id', 'r', 'view'), (error: unknown) => error instanceof ShareCallError && error.code === 'network');
    const gone: ShareFetch = () => Promise.resolve({ok: false, status: 404, json: () => Promise.resolve({})});
    await revokeShare(gone, 'b', 'id', 'r', 's');
  });

  it('a link is for its block, or for any block when it names none', () => {
    const hash = `#${shareFragment({token: 'tok', session: 'sid', block: 'b1'})}`;
    assert.deepEqual(shareLinkFor(hash, 'b1'), {token: 'tok', session: 'sid'});
    assert.equal(shareLinkFor(hash, 'b2'), undefined);
    assert.deepEqual(shareLinkFor(`#${shareFragment({token: 'tok', session: 'sid'})}`, 'b2'), {token: 'tok', session: 'sid'});
    assert.equal(shareLinkFor('#intro', 'b1'), undefined);
  });
});

describe('ViewerSession', () => {
  it('decides on a close: exit and 1000/4004 end, 4003 is revoked, drops reconnect until the attempts run out', () => {
    const facts = {exited: false, attempts: 0, maxAttempts: 6};
    assert.equal(decideViewerClose({...facts, code: 1006, exited: true}), 'ended');
    assert.equal(decideViewerClose({...facts, code: CLOSE_CODES.normal}), 'ended');
    assert.equal(decideViewerClose({...facts, code: CLOSE_CODES.sessionEnded}), 'ended');
    assert.equal(decideViewerClose({...facts, code: CLOSE_CODES.shareRevoked}), 'revoked');
    assert.equal(decideViewerClose({...facts, code: CLOSE_CODES.viewerBehind}), 'reconnect');
    assert.equal(decideViewerClose({...facts, code: 1006}), 'reconnect');
    assert.equal(decideViewerClose({...facts, code: 1006, attempts: 6}), 'lost');
  });

  it('offers the share token, shows the screen, and reconnects with backoff for a fresh one', () => {
    const sockets: FakeSocket[] = [];
    const timers = new FakeTimers();
    const states: ViewerState[] = [];
    const seen: string[] = [];
    const viewer = new ViewerSession({
      base: 'https://docs.example',
      session: 'sid',
      token: 'tok',
      timers,
      random: () => 0.5,
      socketFactory: (url, protocols) => {
        const socket = new FakeSocket(url, protocols);
        sockets.push(socket);
        return socket;
      },
      events: {
        state: (state) => states.push(state),
        output: (bytes) => seen.push(`out:${new TextDecoder().decode(bytes)}`),
        screen: (cols, rows) => seen.push(`screen:${cols}x${rows}`),
        resize: (cols, rows) => seen.push(`resize:${cols}x${rows}`),
        presence: (viewers, controllers) => seen.push(`presence:${viewers}/${controllers}`),
        exit: (code) => seen.push(`exit:${code}`),
        error: (code) => seen.push(`error:${code}`),
      },
    });
    viewer.start();
    assert.equal(sockets[0]!.url, 'wss://docs.example/api/sessions/sid/ws');
    assert.deepEqual(sockets[0]!.protocols, ['sandbox.v1', 'sandbox.share.tok']);
    sockets[0]!.open();
    sockets[0]!.message(JSON.stringify({type: 'snapshot', cols: 90, rows: 30}));
    sockets[0]!.message(new TextEncoder().encode('$ ls').buffer);
    sockets[0]!.message(JSON.stringify({type: 'presence', viewers: 2, controllers: 1}));
    sockets[0]!.message(JSON.stringify({type: 'error', code: 'view-only', message: 'no'}));
    viewer.send(new TextEncoder().encode('x'));
    sockets[0]!.drop(1006);
    assert.equal(sockets.length, 1, 'not at once: after a backoff');
    timers.advance(1_000);
    assert.equal(sockets.length, 2, 'a new socket, for a fresh screen');
    sockets[1]!.open();
    sockets[1]!.drop(CLOSE_CODES.shareRevoked);
    timers.advance(60_000);
    assert.equal(sockets.length, 2, 'a revoked share is not retried');
    assert.deepEqual(states, ['connecting', 'live', 'reconnecting', 'live', 'revoked']);
    assert.deepEqual(seen, ['screen:90x30', 'out:$ ls', 'presence:2/1', 'error:view-only']);
    assert.equal(sockets[0]!.sent.length, 1);
    viewer.dispose();
    viewer.dispose();
  });
});
