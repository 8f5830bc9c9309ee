/**
 * Telling the engine's own shutdown from a program's exit, without Docker:
 * the rule (which exits need asking) and the fresh-connection probe against
 * local unix-socket servers that behave like a dockerd on its way down. The
 * real daemon is stopped in test/integration/ops-faults.test.ts.
 */
import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, unlinkSync} from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import Dockerode from 'dockerode';
import {freshConnectionProbe, isEngineGone, mayBeEngineStop, reachabilityOf} from '../engine-shutdown.js';

describe('mayBeEngineStop', () => {
  it('asks only about stop-signal exits (143, 137) this server did not request', () => {
    assert.equal(mayBeEngineStop(143, false), true);
    assert.equal(mayBeEngineStop(137, false), true);
    assert.equal(mayBeEngineStop(143, true), false);
    assert.equal(mayBeEngineStop(137, true), false);
    for (const code of [0, 1, 2, 126, 127, 130, 139, -1]) assert.equal(mayBeEngineStop(code, false), false, `exit ${code}`);
  });

  it('counts refused and unanswered connections as an engine going away, nothing else', () => {
    assert.equal(isEngineGone('unreachable'), true);
    assert.equal(isEngineGone('silent'), true);
    assert.equal(isEngineGone('answering'), false);
    assert.equal(isEngineGone('unknown'), false);
  });
});

describe('reachabilityOf', () => {
  it('any HTTP answer is an engine answering; socket failures are unreachable; the rest says nothing', () => {
    assert.equal(reachabilityOf(null), 'answering');
    assert.equal(reachabilityOf(Object.assign(new Error('(HTTP code 500) server error'), {statusCode: 500})), 'answering');
    assert.equal(reachabilityOf(Object.assign(new Error('connect ENOENT'), {code: 'ENOENT'})), 'unreachable');
    assert.equal(reachabilityOf(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'})), 'unreachable');
    assert.equal(reachabilityOf(new Error('self-signed certificate')), 'unknown');
  });
});

describe('freshConnectionProbe (local unix sockets)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sbx-probe-'));
  after(() => rmSync(dir, {recursive: true, force: true}));
  let serial = 0;
  const socketPath = () => join(dir, `e${serial++}.sock`);

  /** An HTTP server answering /_ping like the engine does, counting connections. */
  async function pingServer(path: string) {
    const connections = new Set<net.Socket>();
    const server = http.createServer((_request, response) => response.end('OK'));
    server.on('connection', (socket) => connections.add(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    return {
      connections,
      [Symbol.asyncDispose]: async () => {
        for (const socket of connections) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it('an engine that answers is answering', async () => {
    const path = socketPath();
    await using _server = await pingServer(path);
    assert.equal(await freshConnectionProbe(new Dockerode({socketPath: path}))(1_000), 'answering');
  });

  it('an engine that closed its listener is unreachable, though a kept-alive connection is still served', async () => {
    const path = socketPath();
    await using server = await pingServer(path);
    const docker = new Dockerode({socketPath: path});
    await docker.ping();
    // What dockerd does first on SIGTERM: the socket file goes, open connections stay.
    unlinkSync(path);
    assert.equal(String(await docker.ping()), 'OK', 'the kept-alive connection still answers');
    assert.equal(server.connections.size, 1);
    assert.equal(await freshConnectionProbe(docker)(1_000), 'unreachable');
  });

  it('a socket nobody answers (socket activation, daemon gone) is silent within the bound', async () => {
    const path = socketPath();
    const held = new Set<net.Socket>();
    const server = net.createServer((socket) => held.add(socket));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      const started = Date.now();
      assert.equal(await freshConnectionProbe(new Dockerode({socketPath: path}))(100), 'silent');
      const took = Date.now() - started;
      assert.ok(took >= 90 && took < 1_000, `the probe took ${took} ms`);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('does not probe what it cannot reach anew: ssh, or a client without a modem', async () => {
    assert.equal(await freshConnectionProbe(new Dockerode({host: 'example.invalid', port: 22, protocol: 'ssh'}))(100), 'unknown');
    assert.equal(await freshConnectionProbe({} as Dockerode)(100), 'unknown');
  });
});
