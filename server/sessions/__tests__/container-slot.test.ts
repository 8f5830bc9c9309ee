import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {DEFAULT_LIMITS, BUNDLED_ENVIRONMENTS} from '../../../config/index.js';
import type {ContainerExit} from '../../runtime/types.js';
import {ContainerSlot} from '../container-slot.js';
import {FakeRuntime} from './fake-runtime.js';

const spec = {
  sessionId: 's',
  envName: 'shell',
  env: {...BUNDLED_ENVIRONMENTS.shell!, network: false, poolSize: 0, limits: DEFAULT_LIMITS},
  files: [],
  cmd: 'true',
  interactive: false,
  cols: 80,
  rows: 24,
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ContainerSlot', () => {
  it('starts, holds and removes its container once', async () => {
    const runtime = new FakeRuntime();
    const slot = new ContainerSlot(runtime);
    const container = await slot.start(spec, new AbortController().signal);
    assert.equal(slot.current, container);
    slot.resize(100, 30);
    await Promise.all([slot.remove(), slot.remove()]);
    assert.equal(runtime.containers[0]!.removed, 1);
    assert.deepEqual(runtime.containers[0]!.resizes, [[100, 30]]);
  });

  it('a removal asked for while starting removes what the start lands with', async () => {
    const runtime = new FakeRuntime();
    const open = runtime.holdStarts();
    const slot = new ContainerSlot(runtime);
    const started = slot.start(spec, new AbortController().signal);
    const removed = slot.remove();
    assert.equal(slot.removing, true);
    open();
    assert.equal(await started, undefined);
    await removed;
    assert.equal(runtime.containers[0]!.removed, 1);
    assert.equal(slot.current, undefined);
  });

  it('a start that fails rejects as the runtime does; removal then has nothing to do', async () => {
    const runtime = new FakeRuntime();
    runtime.failWith = new Error('boom');
    const slot = new ContainerSlot(runtime);
    await assert.rejects(slot.start(spec, new AbortController().signal), /boom/);
    await slot.remove();
    assert.equal(runtime.containers.length, 0);
  });

  it('passes on the output end (each time) and the exit, and logs a stream error', async () => {
    const runtime = new FakeRuntime();
    const logged: string[] = [];
    const slot = new ContainerSlot(runtime, (_level, message) => logged.push(message));
    await slot.start(spec, new AbortController().signal);
    const events: string[] = [];
    const exits: ContainerExit[] = [];
    slot.watch({outputEnded: () => events.push('end'), exited: (exit) => exits.push(exit), lost: () => events.push('lost')});
    const container = runtime.containers[0]!;
    container.stream.resume();
    container.exit(2);
    await tick();
    await tick();
    container.stream.emit('error', new Error('broken pipe'));
    assert.deepEqual(exits, [{code: 2, oomKilled: false}]);
    assert.ok(events.filter((event) => event === 'end').length >= 2, 'end, close and error all say the output ended');
    assert.deepEqual(logged, ['container stream error']);
  });

  it('reports a container whose exit cannot be waited for as lost (sandbox-lost)', async () => {
    const runtime = new FakeRuntime();
    const slot = new ContainerSlot(runtime);
    let lose!: (error: Error) => void;
    const original = runtime.start.bind(runtime);
    runtime.start = async (...args) => {
      const container = await original(...args);
      Object.defineProperty(container, 'exited', {value: new Promise<ContainerExit>((_resolve, reject) => (lose = reject))});
      return container;
    };
    await slot.start(spec, new AbortController().signal);
    const lost: string[] = [];
    slot.watch({outputEnded: () => {}, exited: () => assert.fail('no exit'), lost: (error) => lost.push(error.code)});
    lose(new Error('engine gone'));
    await tick();
    assert.deepEqual(lost, ['sandbox-lost']);
  });

  it('a resize asked for while starting is applied once the container runs', async () => {
    const runtime = new FakeRuntime();
    const open = runtime.holdStarts();
    const slot = new ContainerSlot(runtime);
    const started = slot.start(spec, new AbortController().signal);
    slot.resize(120, 40);
    open();
    await started;
    assert.deepEqual(runtime.containers[0]!.resizes, [[120, 40]]);
  });
});
