import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {createSession, readErrorCode, type CreateSessionInput, type FetchLike} from '../create-session.js';

const answering =
  (status: number, body: unknown): FetchLike =>
  async () => ({ok: status < 300, status, json: async () => body});

const input = (fetch: FetchLike, more: Partial<CreateSessionInput> = {}): CreateSessionInput => ({
  base: 'http://localhost:3000',
  request: {block: 'b1'},
  fetch,
  cancelled: () => false,
  ...more,
});

describe('readErrorCode', () => {
  it('reads a known code and calls anything else a bad response', async () => {
    assert.equal(await readErrorCode({json: async () => ({error: {code: 'at-capacity'}})}), 'at-capacity');
    assert.equal(await readErrorCode({json: async () => ({error: {code: 'no-such-code'}})}), 'bad-response');
    assert.equal(await readErrorCode({json: async () => null}), 'bad-response');
    assert.equal(
      await readErrorCode({
        json: async () => {
          throw new SyntaxError('html');
        },
      }),
      'bad-response',
    );
  });
});

describe('createSession', () => {
  it('posts the request and answers the socket to open', async () => {
    const calls: Array<{url: string; method: string; body: string}> = [];
    const outcome = await createSession(
      input(async (url, init) => {
        calls.push({url, method: init.method, body: init.body});
        return {ok: true, status: 201, json: async () => ({id: 's1', token: 'tok', ws: '/api/sessions/s1/ws'})};
      }),
    );
    assert.deepEqual(calls, [{url: 'http://localhost:3000/api/sessions', method: 'POST', body: '{"block":"b1"}'}]);
    assert.deepEqual(outcome, {created: true, id: 's1', token: 'tok', socketUrl: 'ws://localhost:3000/api/sessions/s1/ws'});
  });

  it('maps failures to the code to show', async () => {
    const offline: FetchLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    assert.deepEqual(await createSession(input(offline)), {created: false, code: 'unreachable'});
    assert.deepEqual(await createSession(input(answering(503, '<html>'))), {created: false, code: 'unreachable'});
    assert.deepEqual(await createSession(input(answering(500, '<html>'))), {created: false, code: 'bad-response'});
    assert.deepEqual(await createSession(input(answering(429, {error: {code: 'too-many-sessions'}}))), {created: false, code: 'too-many-sessions'});
    assert.deepEqual(await createSession(input(answering(201, {id: 's1'}))), {created: false, code: 'bad-response'});
    const failingToken = async () => {
      throw new Error('not signed in');
    };
    assert.deepEqual(await createSession(input(answering(201, {}), {getAuthToken: failingToken})), {created: false, code: 'unauthorized'});
  });

  it('reports nothing once cancelled, and reads no body after', async () => {
    let cancelled = false;
    let bodyRead = false;
    const outcome = await createSession(
      input(
        async () => {
          cancelled = true;
          return {
            ok: false,
            status: 500,
            json: async () => {
              bodyRead = true;
              return {};
            },
          };
        },
        {cancelled: () => cancelled},
      ),
    );
    assert.equal(outcome, undefined);
    assert.equal(bodyRead, false);
  });
});
