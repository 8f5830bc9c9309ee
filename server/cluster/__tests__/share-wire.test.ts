import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {decodeDown, decodeJoin, decodeUp, downChannel, encodeDown, encodeJoin, encodeUp, joinChannel, upChannel, type DownFrame, type UpFrame} from '../share-wire.js';

describe('share wire', () => {
  it('names a node’s join channel and a viewer’s two channels under the prefix', () => {
    assert.equal(joinChannel('sandbox:', 'n2'), 'sandbox:share:join:n2');
    assert.equal(downChannel('sandbox:', 'v1'), 'sandbox:share:down:v1');
    assert.equal(upChannel('sandbox:', 'v1'), 'sandbox:share:up:v1');
  });

  it('round-trips every down frame, bytes untouched', () => {
    const frames: DownFrame[] = [
      {kind: 'accept', mode: 'control', share: 'abc'},
      {kind: 'refuse', code: 'too-many-viewers', message: 'full', retryAfter: 10},
      {kind: 'refuse', code: 'unauthorized', message: 'no'},
      {kind: 'binary', data: Buffer.from([0, 0xff, 0x1b, 0x5b])},
      {kind: 'text', text: '{"type":"presence","viewers":1,"controllers":0}'},
      {kind: 'close', code: 4003, reason: 'the share was revoked'},
      {kind: 'ping'},
    ];
    for (const frame of frames) assert.deepEqual(decodeDown(encodeDown(frame)), frame);
  });

  it('round-trips every up frame', () => {
    const frames: UpFrame[] = [{kind: 'binary', data: Buffer.from('ls\r')}, {kind: 'text', text: '{"type":"signal","signal":"SIGINT"}'}, {kind: 'leave'}, {kind: 'resync'}, {kind: 'ping'}];
    for (const frame of frames) assert.deepEqual(decodeUp(encodeUp(frame)), frame);
  });

  it('drops malformed frames instead of throwing', () => {
    for (const bad of [Buffer.alloc(0), Buffer.from('z'), Buffer.from('a{'), Buffer.from('a{"mode":"admin","share":"x"}'), Buffer.from('r{"code":"nope","message":"x"}'), Buffer.from('c{"code":99,"reason":""}'), Buffer.from('pX')]) {
      assert.equal(decodeDown(bad), undefined, bad.toString());
    }
    for (const bad of [Buffer.alloc(0), Buffer.from('a'), Buffer.from('lX')]) assert.equal(decodeUp(bad), undefined);
  });

  it('checks join requests strictly', () => {
    const request = {session: 's1', token: 't', viewer: 'A'.repeat(16)};
    assert.deepEqual(decodeJoin(encodeJoin(request)), request);
    for (const bad of ['', '[]', '{"session":"s1","token":"t","viewer":"short"}', '{"session":"","token":"t","viewer":"AAAAAAAAAAAAAAAA"}', `{"session":"s1","token":"${'x'.repeat(201)}","viewer":"AAAAAAAAAAAAAAAA"}`]) {
      assert.equal(decodeJoin(Buffer.from(bad)), undefined, bad);
    }
  });
});
