/**
 * The server against the real Docker engine: sessions per environment (inline
 * and manifest blocks), every HTTP and upgrade refusal with its code, the
 * oversized-frame and bad-control-message behaviour, and the exit reasons.
 */
import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import Dockerode from 'dockerode';
import type {SandboxBlock, SandboxManifest} from '../../config/index.js';
import {clientSubprotocols} from '../../protocol/index.js';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {refusedUpgrade, startTestServer, testInstanceId, waitForNoContainers, type TestServer} from '../helpers/server.js';

function block(id: string, env: string, cmd: string, files: Record<string, string>, options: Partial<SandboxBlock['options']> = {}): SandboxBlock {
  return {
    id,
    env,
    cmd,
    files: Object.entries(files).map(([path, content]) => ({path, content, hidden: false, readonly: path.startsWith('lib/'), lang: 'text'})),
    options: {editable: false, interactive: false, exit: 0, skipCheck: false, ...options},
    source: 'docs/test.md',
    line: 1,
  };
}

const LIST = 'find /workspace -mindepth 1 | sort && ';
const manifest: SandboxManifest = {
  version: 1,
  blocks: [
    block('shell-multi', 'shell', `${LIST}sh main.sh`, {'main.sh': '. ./lib/greet.sh; greet shell; exit 4', 'lib/greet.sh': 'greet() { echo "hello from $1"; }'}),
    block('node-multi', 'node', `${LIST}node index.js`, {
      'index.js': "const {greet} = require('./lib/greet.js'); console.log(greet('node')); process.exit(5);",
      'lib/greet.js': 'exports.greet = (name) => `hello from ${name}`;',
    }),
    block('python-multi', 'python', `${LIST}python3 main.py`, {
      'main.py': 'import sys\nsys.path.insert(0, "lib")\nfrom greet import greet\nprint(greet("python"))\nsys.exit(6)\n',
      'lib/greet.py': 'def greet(name):\n    return f"hello from {name}"\n',
    }),
    block('editable', 'shell', 'sh main.sh', {'main.sh': 'echo original', 'lib/x.sh': ''}, {editable: true}),
    block('short', 'shell', 'sleep 30', {}, {timeout: 1500}),
  ],
};

describe('sandbox server (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('server');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell', 'node', 'python']});
    server = await startTestServer({
      instanceId,
      manifest,
      config: {
        limits: {outputLimit: '64k', maxSeedBytes: '4k', maxFiles: 4},
        // Same image as shell, with a short idle timeout.
        environments: {sleepy: {image: 'docusaurus-sandbox/shell:1', file: 'main.sh', cmd: 'sleep 60', limits: {idleTimeout: '1500ms'}}},
        server: {tokenTtl: '3s', sessionsPerMinute: 1000, maxSessionsPerClient: 50}},
    });
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0, 'no container left after close');
  });

  describe('runs blocks', () => {
    for (const [env, file, content, expected] of [
      ['shell', 'main.sh', 'echo "sum $((2+3))"; exit 7', 'sum 5'],
      ['node', 'index.js', 'console.log("sum " + (2 + 3)); process.exitCode = 7;', 'sum 5'],
      ['python', 'main.py', 'import sys\nprint("sum", 2 + 3)\nsys.exit(7)\n', 'sum 5'],
    ] as const) {
      it(`an inline ${env} session prints and exits with the program's code`, async () => {
        const client = await server.open({env, files: [{path: file, content}], cmd: `ls -A /workspace && ${manifest.blocks.find((b) => b.env === env)!.cmd.split('&& ')[1]!.split(' ')[0]} ${file}`});
        const exit = await client.waitForExit(20_000);
        assert.deepEqual(exit, {type: 'exit', code: 7, reason: 'exit'});
        assert.match(client.output, new RegExp(`^${file}\\r\\n`), 'only the seeded file is in /workspace');
        assert.match(client.output, new RegExp(expected));
        assert.deepEqual(await client.closed, {code: 1000, reason: 'exit'});
      });
    }

    for (const [id, code] of [
      ['shell-multi', 4],
      ['node-multi', 5],
      ['python-multi', 6],
    ] as const) {
      it(`the multi-file manifest block ${id} sees exactly its files and exits ${code}`, async () => {
        const env = id.split('-')[0]!;
        const client = await server.open({block: id});
        const exit = await client.waitForExit(20_000);
        assert.deepEqual(exit, {type: 'exit', code, reason: 'exit'});
        const files = manifest.blocks.find((b) => b.id === id)!.files.map((file) => `/workspace/${file.path}`);
        const listed = [...files, '/workspace/lib'].sort();
        assert.ok(client.output.startsWith(listed.join('\r\n') + '\r\n'), `listing: ${JSON.stringify(client.output)}`);
        assert.match(client.output, new RegExp(`hello from ${env}`));
      });
    }

    it("runs a reader's edit of an editable block with the block's command", async () => {
      const client = await server.open({block: 'editable', files: [{path: 'main.sh', content: 'echo edited; exit 2'}]});
      assert.deepEqual(await client.waitForExit(), {type: 'exit', code: 2, reason: 'exit'});
      assert.match(client.output, /edited/);
    });

    it('ends a block at its own timeout with reason timeout', async () => {
      const started = Date.now();
      const client = await server.open({block: 'short'});
      const exit = await client.waitForExit(10_000);
      assert.equal(exit.reason, 'timeout');
      assert.ok(Date.now() - started < 6_000);
    });

    it('ends a silent session at the idle timeout with reason idle', async () => {
      const client = await server.open({env: 'sleepy'});
      const exit = await client.waitForExit(10_000);
      assert.equal(exit.reason, 'idle');
    });

    it('reports a memory bomb as oom', async () => {
      const client = await server.open({env: 'python', cmd: 'python3 -c "a = []\nwhile True: a.append(bytearray(8 * 1024 * 1024))"'});
      const exit = await client.waitForExit(30_000);
      assert.equal(exit.reason, 'oom');
    });

    it('ends endless output at the output cap with reason output-limit, promptly, many at once', async () => {
      // Several at once: a killed container whose output nobody drains was never
      // reported as exited by the engine (a regression seen here).
      const clients = await Promise.all(Array.from({length: 8}, () => server.open({env: 'shell', cmd: "tr '\\0' y </dev/zero"})));
      for (const client of clients) {
        const exit = await client.waitForExit(10_000);
        assert.equal(exit.reason, 'output-limit');
        assert.equal(client.receivedBytes, 64 * 1024);
      }
    });

    it('SIGINT interrupts the foreground program through the TTY; SIGKILL ends with killed', async () => {
      const client = await server.open({env: 'shell', cmd: 'trap "echo got-int" INT; while true; do sleep 0.1; done'});
      await client.waitFor(() => client.messages.some((m) => m.type === 'status' && m.state === 'running'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      client.control({type: 'signal', signal: 'SIGINT'});
      await client.waitForOutput('got-int');
      client.control({type: 'signal', signal: 'SIGKILL'});
      const exit = await client.waitForExit();
      assert.equal(exit.reason, 'killed');
    });

    it('relays keystrokes to the program and its answer back', async () => {
      const client = await server.open({env: 'shell', cmd: 'read line; echo "got:$line"'});
      client.send(Buffer.from('abc\r'));
      await client.waitForOutput('got:abc');
      assert.deepEqual(await client.waitForExit(), {type: 'exit', code: 0, reason: 'exit'});
    });

    it('accepts the token as ?token= for simple clients', async () => {
      const session = await server.create({env: 'shell', cmd: 'echo via-query'});
      const client = await server.connect(session, {protocols: ['sandbox.v1'], query: `?token=${session.token}`});
      await client.waitForOutput('via-query');
      assert.equal(client.ws.protocol, 'sandbox.v1');
    });
  });

  describe('socket errors', () => {
    it('an oversized frame closes only that socket with 1009; another session keeps working', async () => {
      const victim = await server.open({env: 'shell', cmd: 'sleep 20'});
      const bystander = await server.open({env: 'shell', cmd: 'read a; echo "echo:$a"; read b; echo "echo:$b"'});
      victim.send(Buffer.alloc(64 * 1024 + 1));
      assert.equal((await victim.closed).code, 1009);
      bystander.send(Buffer.from('one\r'));
      await bystander.waitForOutput('echo:one');
      bystander.send(Buffer.from('two\r'));
      await bystander.waitForOutput('echo:two');
      assert.deepEqual(await bystander.waitForExit(), {type: 'exit', code: 0, reason: 'exit'});
    });

    it('an invalid JSON control message gets an error message and the session goes on', async () => {
      const client = await server.open({env: 'shell', cmd: 'read a; echo "after:$a"'});
      client.send('{"type": "resize", cols');
      await client.waitFor(() => client.messages.some((m) => m.type === 'error'));
      assert.equal(client.messages.find((m) => m.type === 'error' && m.code === 'bad-message')?.type, 'error');
      client.control({type: 'launch-missiles'});
      client.send(Buffer.from('ok\r'));
      await client.waitForOutput('after:ok');
      assert.deepEqual(await client.waitForExit(), {type: 'exit', code: 0, reason: 'exit'});
    });
  });

  describe('refusals', () => {
    const expectError = async (body: unknown, status: number, code: string, headers: Record<string, string> = {}) => {
      const response = await server.post(body, headers);
      assert.equal(response.status, status, JSON.stringify(response.body));
      assert.equal((response.body as {error: {code: string}}).error.code, code);
      return response;
    };

    it('400 for invalid bodies, paths and counts', async () => {
      await expectError('{not json', 400, 'bad-request');
      await expectError({env: 'shell', extra: true}, 400, 'bad-request');
      await expectError({env: 'shell', files: [{path: '../etc/passwd', content: ''}]}, 400, 'bad-path');
      await expectError({env: 'shell', files: [{path: '/abs', content: ''}]}, 400, 'bad-path');
      const five = ['a', 'b', 'c', 'd', 'e'].map((path) => ({path, content: ''}));
      await expectError({env: 'shell', files: five}, 400, 'too-many-files');
      await expectError({block: 'shell-multi', files: [{path: 'main.sh', content: ''}]}, 400, 'not-editable');
    });

    it('413 for seeded files over the cap and bodies over the limit', async () => {
      const response = await expectError({env: 'shell', files: [{path: 'a', content: 'x'.repeat(5000)}]}, 413, 'too-large');
      assert.match((response.body as {error: {message: string}}).error.message, /at most 4096 bytes/);
      await expectError({env: 'shell', files: [{path: 'a', content: 'x'.repeat(2 * 1024 * 1024)}]}, 413, 'too-large');
    });

    it('404 for unknown environments, blocks and endpoints', async () => {
      await expectError({env: 'cobol'}, 404, 'unknown-env');
      await expectError({block: 'no-such-block'}, 404, 'unknown-block');
      const response = await fetch(`${server.url}/api/nothing`);
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as {error: {code: string}}).error.code, 'not-found');
    });

    it('403 for a foreign or missing Origin, on POST and on upgrade', async () => {
      await expectError({env: 'shell'}, 403, 'origin-not-allowed', {origin: 'http://evil.example'});
      const response = await fetch(`${server.url}/api/sessions`, {method: 'POST', body: '{}', headers: {'content-type': 'application/json'}});
      assert.equal(response.status, 403);
      const session = await server.create({env: 'shell', cmd: 'true'});
      const refused = await refusedUpgrade(`${server.url.replace('http', 'ws')}${session.ws}`, clientSubprotocols(session.token), 'http://evil.example');
      assert.equal(refused.status, 403);
      assert.match(refused.body, /origin-not-allowed/);
    });

    it('401 before any upgrade for no, bad, expired or another session\'s token', async () => {
      const ws = server.url.replace('http', 'ws');
      const first = await server.create({env: 'shell', cmd: 'sleep 10'});
      const second = await server.create({env: 'shell', cmd: 'sleep 10'});
      const cases: Array<[string, string, string[]]> = [
        ['no token', first.ws, ['sandbox.v1']],
        ['bad token', first.ws, clientSubprotocols(first.token.slice(0, -2) + 'xx')],
        ["another session's token", first.ws, clientSubprotocols(second.token)],
        ['unknown session', '/api/sessions/AAAAAAAAAAAAAAAAAAAAAA/ws', clientSubprotocols(first.token)],
      ];
      for (const [name, path, protocols] of cases) {
        const refused = await refusedUpgrade(`${ws}${path}`, protocols, server.origin);
        assert.equal(refused.status, 401, name);
        assert.match(refused.body, /"code":"unauthorized"/, name);
      }
      await new Promise((resolve) => setTimeout(resolve, 3_100)); // tokenTtl is 3 s here
      const expired = await refusedUpgrade(`${ws}${first.ws}`, clientSubprotocols(first.token), server.origin);
      assert.equal(expired.status, 401, 'expired token');
      const noProtocol = await refusedUpgrade(`${ws}${second.ws}?token=${second.token}`, [], server.origin);
      assert.equal(noProtocol.status, 400, 'sandbox.v1 is required');
    });

    it('403 inline-disabled without allowInline', async () => {
      const strictId = testInstanceId('strict');
      await using strict = await startTestServer({instanceId: strictId, manifest, config: {server: {allowInline: false}}});
      const response = await strict.post({env: 'shell', cmd: 'id'});
      assert.equal(response.status, 403);
      assert.equal((response.body as {error: {code: string}}).error.code, 'inline-disabled');
    });

    it('429 with Retry-After for the per-client cap and the rate; 503 with Retry-After at capacity', async () => {
      const limitedId = testInstanceId('limits');
      await using limited = await startTestServer({
        instanceId: limitedId,
        config: {server: {maxSessions: 2, maxSessionsPerClient: 1, sessionsPerMinute: 3}},
      });
      const first = await limited.post({env: 'shell', cmd: 'sleep 20'});
      assert.equal(first.status, 201);
      const perClient = await limited.post({env: 'shell', cmd: 'true'});
      assert.equal(perClient.status, 429);
      assert.equal((perClient.body as {error: {code: string}}).error.code, 'too-many-sessions');
      assert.ok(Number(perClient.headers.get('retry-after')) > 0);

      await using other = await startTestServer({instanceId: testInstanceId('cap'), config: {server: {maxSessions: 1, trustProxy: true}}});
      assert.equal((await other.post({env: 'shell', cmd: 'sleep 20'}, {'x-forwarded-for': '10.0.0.1'})).status, 201);
      const full = await other.post({env: 'shell', cmd: 'true'}, {'x-forwarded-for': '10.0.0.2'});
      assert.equal(full.status, 503);
      assert.equal((full.body as {error: {code: string}}).error.code, 'at-capacity');
      assert.ok(Number(full.headers.get('retry-after')) > 0);

      await using rated = await startTestServer({instanceId: testInstanceId('rate'), config: {server: {sessionsPerMinute: 2}}});
      for (let i = 0; i < 2; i++) assert.equal((await rated.post({env: 'shell', cmd: 'true'})).status, 201);
      const tooFast = await rated.post({env: 'shell', cmd: 'true'});
      assert.equal(tooFast.status, 429);
      assert.equal((tooFast.body as {error: {code: string}}).error.code, 'rate-limited');
      assert.ok(Number(tooFast.headers.get('retry-after')) > 0);
    });

    it('503 docker-unavailable and image-missing; /api/ready says why, /api/health stays 200', async () => {
      const downId = testInstanceId('down');
      const runtime = new DockerRuntime({instanceId: downId, docker: new Dockerode({socketPath: '/nonexistent/docker.sock'})});
      await using down = await startTestServer({instanceId: downId, runtime});
      const response = await down.post({env: 'shell', cmd: 'true'});
      assert.equal(response.status, 503);
      assert.equal((response.body as {error: {code: string}}).error.code, 'docker-unavailable');
      assert.ok(Number(response.headers.get('retry-after')) > 0);
      assert.doesNotMatch(JSON.stringify(response.body), /nonexistent/, 'internals are masked');
      const ready = await fetch(`${down.url}/api/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as {error: {code: string}}).error.code, 'docker-unavailable');
      const health = await fetch(`${down.url}/api/health`);
      assert.equal(health.status, 200);
      assert.equal(((await health.json()) as {engine: {reachable: boolean}}).engine.reachable, false);

      await using missing = await startTestServer({
        instanceId: testInstanceId('missing'),
        config: {environments: {ghost: {image: 'docusaurus-sandbox/ghost:none', file: 'a', cmd: 'true'}}},
      });
      const ghost = await missing.post({env: 'ghost'});
      assert.equal(ghost.status, 503);
      assert.equal((ghost.body as {error: {code: string}}).error.code, 'image-missing');
      const notReady = await fetch(`${missing.url}/api/ready`);
      assert.equal(notReady.status, 503);
      assert.match(JSON.stringify(await notReady.json()), /image-missing.*ghost/);
    });

    it('/api/ready and /api/health answer 200 when the engine and images are there', async () => {
      const ready = await fetch(`${server.url}/api/ready`);
      assert.equal(ready.status, 200);
      const health = (await (await fetch(`${server.url}/api/health`)).json()) as {status: string; engine: {reachable: boolean; version: string}};
      assert.equal(health.status, 'ok');
      assert.equal(health.engine.reachable, true);
      assert.ok(health.engine.version);
    });
  });
});
