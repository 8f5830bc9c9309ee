/**
 * Every way a start can fail after the server object exists: the start ends
 * with a clear error and disposes what it made (listener, lease, runtime),
 * never reaping another live server's containers; a CLI `serve` on a busy port
 * exits 1 within a second.
 */
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {once} from 'node:events';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {createSandboxServer, InstanceInUseError, StartupError} from '../../index.js';
import type {InstanceLease, ReapFilter} from '../../runtime/types.js';
import {FakeRuntime} from '../../sessions/__tests__/fake-runtime.js';
import {describeListenError, StartGate} from '../startup.js';

/**
 * A runtime double with a lease and a background start, each recorded. (A
 * runtime passed in is its caller's to close; the server's own is closed too.)
 */
class LeasingRuntime extends FakeRuntime {
  readonly events: string[] = [];
  leaseError: Error | undefined;
  /** Ends the current lease as an engine restart does (its container exits). */
  loseLease: () => void = () => undefined;
  override async reap(filter: ReapFilter): Promise<number> {
    this.events.push(filter.instanceId === undefined ? 'reap-by-age' : 'reap-instance');
    return super.reap(filter);
  }
  async acquireLease(): Promise<InstanceLease> {
    this.events.push('lease');
    if (this.leaseError) throw this.leaseError;
    let held = true;
    this.loseLease = () => {
      held = false;
    };
    const release = async () => {
      if (held) this.events.push('release');
      held = false;
    };
    return {
      instanceId: 'x',
      name: 'lease-x',
      get held() {
        return held;
      },
      lost: new Promise<void>(() => undefined),
      release,
      [Symbol.asyncDispose]: release,
    };
  }
  startBackground(): void {
    this.events.push('background');
  }
}

const config = (port: number) => normalizeConfig({server: {host: '127.0.0.1', port, instanceId: 'startup-test'}});

describe('start-up', () => {
  let busy: Server;
  let busyPort = 0;
  before(async () => {
    busy = createServer();
    busy.listen(0, '127.0.0.1');
    await once(busy, 'listening');
    busyPort = (busy.address() as AddressInfo).port;
  });
  after(() => busy.close());

  it('in order: bind, lease, reap leftovers, background work; close reaps, then releases', async () => {
    const runtime = new LeasingRuntime();
    const server = createSandboxServer({config: config(0), runtime});
    assert.deepEqual(runtime.events, [], 'nothing touches the engine before listen()');
    await server.listen();
    assert.equal(server.httpServer.listening, true);
    assert.deepEqual(runtime.events, ['lease', 'reap-instance', 'background']);
    await server.close();
    assert.deepEqual(runtime.events.slice(3), ['reap-instance', 'release']);
  });

  it('a busy port: a clear error, nothing reaped, nothing left running', async () => {
    const runtime = new LeasingRuntime();
    const server = createSandboxServer({config: config(busyPort), runtime});
    await assert.rejects(server.listen(), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.equal(error.code, 'listen-failed');
      assert.equal(error.message, `cannot listen on 127.0.0.1:${busyPort}: the port is already in use (is another server running on it?)`);
      return true;
    });
    assert.deepEqual(runtime.events, [], 'no lease, no reap, no pool');
    assert.equal(server.httpServer.listening, false);
  });

  it('a host that is not this machine, a port out of range: listen-failed, disposed', async () => {
    for (const server of [
      createSandboxServer({config: normalizeConfig({server: {host: '192.0.2.1', port: 0, instanceId: 's'}}), runtime: new LeasingRuntime()}),
    ]) {
      await assert.rejects(server.listen(), (error: unknown) => error instanceof StartupError && /not an address of this machine/.test(error.message));
      assert.equal(server.httpServer.listening, false);
    }
    assert.match(describeListenError(Object.assign(new Error('x'), {code: 'EACCES'}), '0.0.0.0', 80), /permission denied/);
  });

  it('the instance id held by a live server: refused, its containers never reaped, the listener closed', async () => {
    const runtime = new LeasingRuntime();
    runtime.leaseError = new InstanceInUseError('startup-test', 'lease-x');
    const server = createSandboxServer({config: config(0), runtime});
    await assert.rejects(server.listen(), InstanceInUseError);
    assert.deepEqual(runtime.events, ['lease'], 'no reap by instance, at start or at close');
    assert.equal(server.httpServer.listening, false);
  });

  it('a lease that cannot be taken (engine away): serves, reaps nothing by instance, tries again', async () => {
    const runtime = new LeasingRuntime();
    runtime.leaseError = new Error('engine away');
    const server = createSandboxServer({config: config(0), runtime});
    await server.listen();
    assert.deepEqual(runtime.events, ['lease', 'background']);
    await server.close();
    assert.deepEqual(runtime.events.slice(2), [], 'not owned: close reaps nothing by instance');
  });

  it('a lease lost to an engine restart is taken back at close, so what the instance left is still reaped', async () => {
    const runtime = new LeasingRuntime();
    const server = createSandboxServer({config: config(0), runtime});
    await server.listen();
    runtime.loseLease();
    runtime.events.length = 0;
    await server.close();
    assert.deepEqual(runtime.events.slice(0, 3), ['lease', 'reap-instance', 'reap-instance'], 'taken again, leftovers reaped, then the close reap');
    assert.equal(runtime.events.at(-1), 'release');
  });

  it('the admin listener cannot listen: everything made is disposed, lease released last', async () => {
    const runtime = new LeasingRuntime();
    const server = createSandboxServer({config: config(0), runtime, admin: {port: busyPort}});
    await assert.rejects(server.listen(), (error: unknown) => error instanceof StartupError && error.code === 'admin-listen-failed');
    assert.deepEqual(runtime.events, ['lease', 'reap-instance', 'background', 'reap-instance', 'release']);
    assert.equal(server.httpServer.listening, false);
  });

  it('a bad manifest or admin address found at creation: thrown before any resource exists', () => {
    const runtime = new LeasingRuntime();
    assert.throws(() => createSandboxServer({config: config(0), runtime, manifest: undefined, siteDir: '/nonexistent-dir', admin: {port: 0, host: '0.0.0.0'}}));
    assert.deepEqual(runtime.events, []);
  });

  it('requests that arrive before the start ends wait; a failed start drops them', () => {
    const gate = new StartGate();
    const seen: string[] = [];
    gate.through(() => seen.push('a'), () => seen.push('dropped a'));
    gate.open();
    gate.through(() => seen.push('b'), () => seen.push('dropped b'));
    const failed = new StartGate();
    failed.through(() => seen.push('c'), () => seen.push('dropped c'));
    failed.fail();
    assert.deepEqual(seen, ['a', 'b', 'dropped c']);
  });

  it('`serve` on a busy port exits 1 within a second with the reason', {timeout: 20_000}, async () => {
    const main = new URL('../../cli/main.ts', import.meta.url).pathname;
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--port', String(busyPort), '--host', '127.0.0.1'], {
      env: {...process.env, SANDBOX_INSTANCE_ID: `startup-cli-${process.pid}`},
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Measured from the moment the error is printed: loading TypeScript through tsx takes longer than the start itself.
    const printed = new Promise<number>((resolve) => child.stderr.on('data', () => resolve(Date.now())));
    const [code] = (await once(child, 'exit')) as [number | null];
    const exitedAt = Date.now();
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busyPort}: the port is already in use`));
    assert.ok(exitedAt - (await printed) < 1_000, `exited ${exitedAt - (await printed)} ms after the error`);
  });
});
