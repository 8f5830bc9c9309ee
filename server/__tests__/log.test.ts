import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {createLogger, REDACTED, scrub, scrubText} from '../log.js';

describe('log redaction', () => {
  it('scrubs tokens inside text: query strings, subprotocols, bearer headers', () => {
    assert.equal(scrubText('/api/sessions/abc/ws?token=s3cr3t.x&y=1'), `/api/sessions/abc/ws?token=${REDACTED}&y=1`);
    assert.equal(scrubText('sandbox.v1, sandbox.token.AbC-12_x.y'), `sandbox.v1, sandbox.token.${REDACTED}`);
    assert.equal(scrubText('sandbox.resume.r3sum3'), `sandbox.resume.${REDACTED}`);
    assert.equal(scrubText('Authorization: Bearer eyJ.abc.def'), `Authorization: Bearer ${REDACTED}`);
    assert.equal(scrubText('nothing secret here'), 'nothing secret here');
    assert.equal(scrubText('{"id":"a","token":"xyz"}'), `{"id":"a","token":"${REDACTED}"}`);
  });

  it('replaces secret keys at any depth and keeps the rest', () => {
    const scrubbed = scrub({session: 'id1', token: 't', nested: {headers: {Authorization: 'Bearer x', accept: 'a'}, list: [{admin_token: 'z'}]}});
    assert.deepEqual(scrubbed, {session: 'id1', token: REDACTED, nested: {headers: {Authorization: REDACTED, accept: 'a'}, list: [{admin_token: REDACTED}]}});
  });

  it('writes JSON lines without the token', () => {
    const lines: string[] = [];
    const logger = createLogger({level: 'info', destination: {write: (line: string) => lines.push(line)}});
    logger.info({url: '/x?token=abcdef123', token: 'abcdef123', error: new Error('bad token=abcdef123 Bearer abcdef123')}, 'upgrade ?token=abcdef123');
    assert.equal(lines.length, 1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(entry.msg, `upgrade ?token=${REDACTED}`);
    assert.equal(entry.token, REDACTED);
    assert.doesNotMatch(lines[0]!, /abcdef123/);
  });
});
