import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import type Dockerode from 'dockerode';
import {acquireInstanceLease, InstanceInUseError, leaseCreateOptions, leaseName, type LeaseEngine} from '../lease.js';
import {LABELS} from '../types.js';

/** An engine with named containers: a create of a taken name answers 409, as Docker does. */
class FakeLeaseEngine implements LeaseEngine {
  readonly containers = new Map<string, {id: string; name: string; running: boolean; stream?: PassThrough}>();
  readonly removed: string[] = [];
  readonly created: Dockerode.ContainerCreateOptions[] = [];
  #next = 1;

  async create(options: Dockerode.ContainerCreateOptions): Promise<string> {
    const name = options.name!;
    if ([...this.containers.values()].some((container) => container.name === name)) throw Object.assign(new Error('Conflict'), {statusCode: 409});
    const id = `c${this.#next++}`;
    this.created.push(options);
    this.containers.set(id, {id, name, running: false});
    return id;
  }

  async inspect(nameOrId: string) {
    const found = [...this.containers.values()].find((container) => container.id === nameOrId || container.name === nameOrId);
    return found && {id: found.id, running: found.running};
  }

  async remove(id: string): Promise<void> {
    this.removed.push(id);
    this.containers.delete(id);
  }

  async attachAndStart(id: string) {
    const container = this.containers.get(id)!;
    container.running = true;
    container.stream = new PassThrough();
    // The holder's connection closing ends the container (StdinOnce).
    container.stream.once('close', () => (container.running = false));
    return container.stream;
  }

  /** A container left by a holder that was killed: it exited when its attach closed. */
  leaveStale(name: string): string {
    const id = `stale${this.#next++}`;
    this.containers.set(id, {id, name, running: false});
    return id;
  }
}

describe('instance lease', () => {
  it('is one named container per instance id, labelled apart from every reaped container', () => {
    const options = leaseCreateOptions('host-4100', 'img');
    assert.equal(options.name, leaseName('host-4100'));
    assert.equal(options.Labels?.[LABELS.lease], 'host-4100');
    assert.equal(options.Labels?.[LABELS.project], undefined);
    assert.equal(options.Labels?.[LABELS.instance], undefined);
    // Liveness is the holder's attach: stdin closes with it, and no TTY keeps it open.
    assert.equal(options.OpenStdin, true);
    assert.equal(options.StdinOnce, true);
    assert.equal(options.Tty, false);
    assert.equal(options.HostConfig?.NetworkMode, 'none');
    assert.deepEqual(options.HostConfig?.CapDrop, ['ALL']);
    // Ids that sanitise alike keep distinct names; a name is always a valid engine name.
    assert.notEqual(leaseName('a:b'), leaseName('a_b'));
    assert.match(leaseName('we:ird/id'), /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
  });

  it('is taken when free, refused while its holder lives, taken over once the holder is gone', async () => {
    const engine = new FakeLeaseEngine();
    const first = await acquireInstanceLease(engine, 'host-4100', 'img');
    assert.equal(first.held, true);
    await assert.rejects(acquireInstanceLease(engine, 'host-4100', 'img'), (error: unknown) => {
      assert.ok(error instanceof InstanceInUseError);
      assert.equal(error.code, 'instance-in-use');
      assert.match(error.message, /held by a running server.*server\.instanceId.*docker rm -f docusaurus-sandbox-lease-/);
      return true;
    });
    assert.deepEqual(engine.removed, [], 'a refused start removes nothing');
    // Another instance id is another lease.
    const other = await acquireInstanceLease(engine, 'host-4200', 'img');
    assert.equal(other.held, true);

    // The holder dies (kill -9): its connection closes, its lease container exits.
    const lost = first.lost;
    const stream = [...engine.containers.values()].find((container) => container.name === leaseName('host-4100'))!.stream!;
    stream.destroy();
    await lost;
    assert.equal(first.held, false);
    const successor = await acquireInstanceLease(engine, 'host-4100', 'img');
    assert.equal(successor.held, true);
    assert.equal(engine.removed.length, 1, 'the stale lease container is removed by id');
  });

  it('takes over a lease container left exited or never started', async () => {
    const engine = new FakeLeaseEngine();
    const stale = engine.leaveStale(leaseName('x'));
    const lease = await acquireInstanceLease(engine, 'x', 'img');
    assert.equal(lease.held, true);
    assert.deepEqual(engine.removed, [stale]);
  });

  it('release detaches and removes its container once; a released lease is not "lost"', async () => {
    const engine = new FakeLeaseEngine();
    const lease = await acquireInstanceLease(engine, 'x', 'img');
    await Promise.all([lease.release(), lease.release()]);
    await lease.release();
    assert.equal(engine.removed.length, 1);
    assert.equal(engine.containers.size, 0);
    assert.equal(lease.held, false);
    // The next start takes it at once.
    assert.equal((await acquireInstanceLease(engine, 'x', 'img')).held, true);
  });

  it('a failed start removes the container it made and says why', async () => {
    const engine = new FakeLeaseEngine();
    engine.attachAndStart = async () => {
      throw Object.assign(new Error('boom'), {statusCode: 500});
    };
    await assert.rejects(acquireInstanceLease(engine, 'x', 'img'), /start the instance lease failed/);
    assert.equal(engine.containers.size, 0);
  });
});
