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
    // An answer that is not the API's (a string, not `{"error":{"code"}}`) is no backend, not a server error.
    assert.deepEqual(await createSession(input(answering(500, '<html>'))), {created: false, code: 'no-backend'});
    assert.deepEqual(await createSession(input(answering(500, {error: {code: 'a-newer-code'}}))), {created: false, code: 'bad-response'});
    assert.deepEqual(await createSession(input(answering(429, {error: {code: 'too-many-sessions'}}))), {created: false, code: 'too-many-sessions'});
    assert.deepEqual(await createSession(input(answering(201, {id: 's1'}))), {created: false, code: 'no-backend'});
    const failingToken = async () => {
      throw new Error('not signed in');
    };
    assert.deepEqual(await createSession(input(answering(201, {}), {getAuthToken: failingToken})), {created: false, code: 'unauthorized'});
  });

  it('calls every answer that is not the sandbox API "no backend" and tells the site owner why', async () => {
    const notJson: FetchLike = async () => ({
      ok: false,
      status: 405,
      json: async () => {
        throw new SyntaxError('Unexpected token < in JSON');
      },
    });
    const answers: Array<[string, FetchLike]> = [
      ['docusaurus serve: 404 with an HTML page', answering(404, '<!doctype html><title>Page Not Found</title>')],
      ['GitHub Pages: 405 that is not JSON', notJson],
      ['a JSON 404 of some other API', answering(404, {message: 'Not Found'})],
      ['a 200 with the site\'s index page', answering(200, '<!doctype html>')],
      ['a 200 with JSON of another shape', answering(200, {ok: true})],
      ['a 200 with a JSON null', answering(200, null)],
    ];
    for (const [what, fetch] of answers) {
      const warnings: string[] = [];
      assert.deepEqual(await createSession(input(fetch, {warn: (message) => warnings.push(message)})), {created: false, code: 'no-backend'}, what);
      assert.equal(warnings.length, 1, what);
      assert.match(warnings[0]!, /POST http:\/\/localhost:3000\/api\/sessions answered \d+, but not as a sandbox server/, what);
      assert.match(warnings[0]!, /docusaurus-sandbox serve/, what);
    }
  });

  it('an error of the API is not "no backend", whatever its status', async () => {
    const warnings: string[] = [];
    const outcome = await createSession(input(answering(404, {error: {code: 'unknown-block'}}), {warn: (message) => warnings.push(message)}));
    assert.deepEqual(outcome, {created: false, code: 'unknown-block'});
    assert.deepEqual(warnings, []);
  });

  it('a refusal on another origin (CORS, unreadable to the page) names the server.origins entry to add', async () => {
    const refused: FetchLike = async () => {
      throw new TypeError('Failed to fetch');
    };
    const warnings: string[] = [];
    const crossOrigin = input(refused, {base: 'https://sandbox.example.com', pageOrigin: 'https://docs.example.com', warn: (m) => warnings.push(m)});
    assert.deepEqual(await createSession(crossOrigin), {created: false, code: 'unreachable'});
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /add "https:\/\/docs\.example\.com" to server\.origins/);
    assert.match(warnings[0]!, /https:\/\/sandbox\.example\.com\/api\/sessions/);

    // The same origin has no CORS to get wrong: an offline reader gets no advice meant for the site's owner.
    const sameOrigin = input(refused, {base: 'https://docs.example.com/sub', pageOrigin: 'https://docs.example.com', warn: (m) => warnings.push(m)});
    assert.deepEqual(await createSession(sameOrigin), {created: false, code: 'unreachable'});
    assert.equal(warnings.length, 1);
  });

  it('posts under a base with a path and keeps the path of the server\'s ws answer', async () => {
    const urls: string[] = [];
    const outcome = await createSession(
      input(
        async (url) => {
          urls.push(url);
          return {ok: true, status: 201, json: async () => ({id: 's1', token: 'tok', ws: '/sub/api/sessions/s1/ws'})};
        },
        {base: 'https://docs.example.com/sub'},
      ),
    );
    assert.deepEqual(urls, ['https://docs.example.com/sub/api/sessions']);
    assert.deepEqual(outcome, {created: true, id: 's1', token: 'tok', socketUrl: 'wss://docs.example.com/sub/api/sessions/s1/ws'});
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

  it('reads the environment a step runs in, and leaves a malformed one out', async () => {
    const environment = {id: 'e1', token: 'et', session: 'p1', ran: [1, 2], running: 2};
    const created = await createSession(input(answering(201, {id: 's1', token: 'tok', ws: '/api/sessions/s1/ws', environment})));
    assert.deepEqual(created, {
      created: true,
      id: 's1',
      token: 'tok',
      socketUrl: 'ws://localhost:3000/api/sessions/s1/ws',
      environment: {id: 'e1', token: 'et', session: 'p1', ran: [1, 2]},
    });
    const malformed = await createSession(input(answering(201, {id: 's1', token: 'tok', environment: {id: 'e1', ran: 'all'}})));
    assert.ok(malformed?.created && !('environment' in malformed));
  });

  it('sends a step\'s environment or catch-up as given', async () => {
    const bodies: unknown[] = [];
    const fetch: FetchLike = async (_url, init) => {
      bodies.push(JSON.parse(init.body));
      return {ok: true, status: 201, json: async () => ({id: 's1', token: 'tok'})};
    };
    await createSession(input(fetch, {request: {block: 'b2', environment: {id: 'e1', token: 'et'}}}));
    await createSession(input(fetch, {request: {block: 'b2', catchUp: true}}));
    assert.deepEqual(bodies, [
      {block: 'b2', environment: {id: 'e1', token: 'et'}},
      {block: 'b2', catchUp: true},
    ]);
  });
});
