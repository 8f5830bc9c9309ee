/**
 * DockerRuntime's control flow over a scripted engine double: what it removes
 * after failures, how it rethrows, OOM reporting, stop-signal exits during an
 * engine shutdown, idempotent removal and the reaper's filters. The real engine is exercised in test/integration.
 */
import assert from 'node:assert/strict';
import {PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import type Dockerode from 'dockerode';
import {normalizeConfig} from '../../../config/index.js';
import {SandboxError} from '../../errors.js';
import {DockerRuntime} from '../docker.js';
import {ENGINE_PROBE_TIMEOUT_MS, type EngineReachability} from '../engine-shutdown.js';
import {type ContainerSpec, LABELS} from '../types.js';

const env = normalizeConfig({}).environments.shell!;
const spec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
  sessionId: 's1',
  envName: 'shell',
  env,
  files: [{path: 'main.sh', content: 'echo hi'}],
  cmd: 'sh main.sh',
  interactive: false,
  cols: 80,
  rows: 24,
  ...overrides,
});

const engineError = (statusCode: number, message: string) => Object.assign(new Error(message), {statusCode, json: {message}});

interface Script {
  create?: () => Promise<void>;
  attach?: () => Promise<void>;
  start?: () => Promise<void>;
  wait?: () => Promise<{StatusCode: number}>;
  inspect?: () => Promise<{State: {ExitCode: number; OOMKilled: boolean}}>;
  remove?: () => Promise<void>;
  list?: Array<{Id: string; Created: number; Labels: Record<string, string>}>;
  /** Opening the event stream. */
  events?: () => Promise<void>;
}

/**
 * A scripted engine: records calls; each step does what the script says. A
 * started container ends when `script.wait` settles: its `die` event goes out
 * on the event stream, or a rejection breaks the stream and takes the engine
 * away (the stream cannot be opened again).
 */
function fakeEngine(script: Script = {}) {
  const calls: string[] = [];
  const created: Array<{options: Dockerode.ContainerCreateOptions}> = [];
  const live = new Set<string>();
  /** For each opening of the event stream, how many calls came before it. */
  const streamOpenedBefore: number[] = [];
  let events: PassThrough | undefined;
  let gone: Error | undefined;
  const die = (id: string, code: number) => {
    live.delete(id);
    events?.write(`${JSON.stringify({Type: 'container', Action: 'die', Actor: {ID: id, Attributes: {exitCode: String(code)}}})}\n`);
  };
  const container = (id: string) => ({
    id,
    attach: async () => {
      calls.push(`attach ${id}`);
      await script.attach?.();
      return new PassThrough();
    },
    start: async () => {
      calls.push(`start ${id}`);
      await script.start?.();
      live.add(id);
      Promise.resolve(script.wait?.() ?? {StatusCode: 0}).then(
        (result) => die(id, result.StatusCode),
        (error: Error) => {
          gone = error;
          events?.destroy(error);
        },
      );
    },
    inspect: async () => (await script.inspect?.()) ?? {State: {ExitCode: 0, OOMKilled: false}},
    remove: async () => {
      calls.push(`remove ${id}`);
      await script.remove?.();
    },
    kill: async () => {
      calls.push(`kill ${id}`);
      throw engineError(409, `Container ${id} is not running`);
    },
    resize: async () => undefined,
  });
  const docker = {
    createContainer: async (options: Dockerode.ContainerCreateOptions) => {
      calls.push('create');
      await script.create?.();
      created.push({options});
      return container(`c${created.length}`);
    },
    getContainer: (id: string) => container(id),
    listContainers: async (options: {filters: {label: string[]}}) => {
      calls.push(`list ${options.filters.label.join(',')}`);
      return script.list ?? [...live].map((id) => ({Id: id, State: 'running', Created: 0, Labels: {}}));
    },
    getEvents: async () => {
      // Counted apart from `calls`, whose exact sequences the tests compare.
      streamOpenedBefore.push(calls.length);
      if (gone) throw gone;
      await script.events?.();
      events = new PassThrough();
      return events;
    },
  };
  return {docker: docker as unknown as Dockerode, calls, created, streamOpenedBefore};
}

describe('DockerRuntime (scripted engine)', () => {
  it('creates hardened, labelled containers and attaches before starting', async () => {
    const {docker, calls, created} = fakeEngine();
    const runtime = new DockerRuntime({instanceId: 'inst', docker, clock: {now: () => 0}});
    const container = await runtime.start(spec());
    assert.deepEqual(calls.slice(0, 3), ['create', 'attach c1', 'start c1']);
    const options = created[0]!.options;
    assert.equal(options.Labels![LABELS.instance], 'inst');
    assert.equal(options.HostConfig!.ReadonlyRootfs, true);
    assert.ok(options.Env!.some((entry) => entry.startsWith('SANDBOX_SEED_0=')));
    assert.deepEqual(await container.exited, {code: 0, oomKilled: false});
  });

  it('refuses files over the cap without touching the engine', async () => {
    const {docker, calls} = fakeEngine();
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await assert.rejects(runtime.start(spec({files: [{path: 'big', content: 'x'.repeat(env.limits.maxSeedBytes + 1)}]})), {code: 'too-large'});
    assert.deepEqual(calls, []);
  });

  it('a failed start removes the container and rethrows the engine error as its cause', async () => {
    const failure = engineError(500, 'OCI runtime create failed');
    const {docker, calls} = fakeEngine({start: () => Promise.reject(failure)});
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await assert.rejects(runtime.start(spec()), (error: unknown) => error instanceof SandboxError && error.code === 'docker-unavailable' && error.cause === failure);
    assert.deepEqual(calls, ['create', 'attach c1', 'start c1', 'remove c1']);
  });

  it('a failing clean-up does not hide the first error', async () => {
    const {docker} = fakeEngine({attach: () => Promise.reject(engineError(500, 'attach broke')), remove: () => Promise.reject(engineError(500, 'remove broke'))});
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await assert.rejects(runtime.start(spec()), /attach broke/);
  });

  it('maps a missing image on create to image-missing', async () => {
    const {docker} = fakeEngine({create: () => Promise.reject(engineError(404, 'No such image: docusaurus-sandbox/shell:1'))});
    await assert.rejects(new DockerRuntime({instanceId: 'i', docker}).start(spec()), {code: 'image-missing'});
  });

  it('a create slower than its timeout fails, and the late container is removed when it lands', async () => {
    let land: () => void = () => undefined;
    const {docker, calls} = fakeEngine({create: () => new Promise<void>((resolve) => (land = resolve))});
    const runtime = new DockerRuntime({instanceId: 'inst', docker, createTimeout: 20});
    await assert.rejects(runtime.start(spec()), (error: unknown) => error instanceof SandboxError && error.code === 'docker-unavailable' && /timed out/.test(error.message));
    land();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(calls, ['create', 'remove c1']);
  });

  it('an abort during start removes the container and rejects with the reason', async () => {
    const controller = new AbortController();
    const {docker, calls} = fakeEngine({
      attach: async () => {
        controller.abort(new Error('reader left'));
      },
    });
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await assert.rejects(runtime.start(spec(), {signal: controller.signal}), /reader left/);
    assert.ok(calls.includes('remove c1'));
    assert.ok(!calls.includes('start c1'));
  });

  it('reports OOM from the container state, even with exit code 0', async () => {
    const {docker} = fakeEngine({inspect: async () => ({State: {ExitCode: 0, OOMKilled: true}})});
    const container = await new DockerRuntime({instanceId: 'i', docker}).start(spec());
    assert.deepEqual(await container.exited, {code: 0, oomKilled: true});
  });

  it('opens the event stream beside the create, once, and before any start', async () => {
    const {docker, calls, streamOpenedBefore} = fakeEngine();
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await Promise.all([runtime.start(spec()), runtime.start(spec())]);
    assert.deepEqual(streamOpenedBefore, [0], 'opened once, before anything else');
    assert.ok(calls.includes('start c1') && calls.includes('start c2'));
  });

  it('a start whose event stream cannot be opened fails with docker-unavailable and removes the container', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'});
    const {docker, calls} = fakeEngine({events: () => Promise.reject(refused)});
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await assert.rejects(runtime.start(spec()), (error: unknown) => error instanceof SandboxError && error.code === 'docker-unavailable' && error.cause === refused);
    assert.ok(calls.includes('remove c1'));
    assert.ok(!calls.includes('start c1'));
    assert.equal(runtime.watchedCount, 0);
  });

  it('exited rejects with sandbox-lost when the engine goes away', async () => {
    const {docker} = fakeEngine({wait: () => Promise.reject(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))});
    const container = await new DockerRuntime({instanceId: 'i', docker}).start(spec());
    await assert.rejects(container.exited, {code: 'sandbox-lost'});
  });

  describe('a stop-signal exit (the engine shutting down stops containers with SIGTERM first)', () => {
    /** A probe double that records its calls and answers `reachability`. */
    const probeAnswering = (reachability: EngineReachability) => {
      const calls: number[] = [];
      const probeEngine = async (timeoutMs: number) => {
        calls.push(timeoutMs);
        return reachability;
      };
      return {calls, probeEngine};
    };

    for (const reachability of ['unreachable', 'silent'] as const) {
      it(`is a lost sandbox when a new connection is ${reachability}, although the kept-alive inspect answers`, async () => {
        const {docker} = fakeEngine({wait: async () => ({StatusCode: 143}), inspect: async () => ({State: {ExitCode: 143, OOMKilled: false}})});
        const probe = probeAnswering(reachability);
        const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probe.probeEngine}).start(spec());
        await assert.rejects(container.exited, (error: unknown) => error instanceof SandboxError && error.code === 'sandbox-lost' && /exit 143/.test(error.message));
        // Silence is asked twice: one unanswered ping may be a loaded engine.
        assert.deepEqual(probe.calls, reachability === 'silent' ? [ENGINE_PROBE_TIMEOUT_MS, ENGINE_PROBE_TIMEOUT_MS] : [ENGINE_PROBE_TIMEOUT_MS]);
      });
    }

    it('a loaded engine that leaves one ping unanswered, then answers, reports the exit', async () => {
      const {docker} = fakeEngine({wait: async () => ({StatusCode: 143}), inspect: async () => ({State: {ExitCode: 143, OOMKilled: false}})});
      const answers: EngineReachability[] = ['silent', 'answering'];
      const probeEngine = async () => answers.shift()!;
      const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine}).start(spec());
      assert.deepEqual(await container.exited, {code: 143, oomKilled: false});
    });

    it('an OOM kill (137) is reported as such even while the probe gets no answer', async () => {
      const {docker} = fakeEngine({wait: async () => ({StatusCode: 137}), inspect: async () => ({State: {ExitCode: 137, OOMKilled: true}})});
      const probeEngine = () => new Promise<EngineReachability>(() => undefined);
      const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine}).start(spec());
      assert.deepEqual(await container.exited, {code: 137, oomKilled: true});
    });

    it('does not wait for an inspect that hangs once the probe finds the engine gone', async () => {
      const {docker} = fakeEngine({wait: async () => ({StatusCode: 137}), inspect: () => new Promise(() => undefined)});
      const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probeAnswering('silent').probeEngine}).start(spec());
      await assert.rejects(container.exited, {code: 'sandbox-lost'});
    });

    it('is an exit when the engine still answers: a program may end with 143 by itself', async () => {
      const {docker} = fakeEngine({wait: async () => ({StatusCode: 143}), inspect: async () => ({State: {ExitCode: 143, OOMKilled: false}})});
      const probe = probeAnswering('answering');
      const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probe.probeEngine}).start(spec());
      assert.deepEqual(await container.exited, {code: 143, oomKilled: false});
      assert.equal(probe.calls.length, 1);
    });

    it('is an exit when the engine cannot be probed (unknown)', async () => {
      const {docker} = fakeEngine({wait: async () => ({StatusCode: 143}), inspect: async () => ({State: {ExitCode: 143, OOMKilled: false}})});
      const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probeAnswering('unknown').probeEngine}).start(spec());
      assert.deepEqual(await container.exited, {code: 143, oomKilled: false});
    });

    for (const ours of ['kill', 'remove'] as const) {
      it(`after this server's own ${ours}, is reported without asking the engine`, async () => {
        let end: (result: {StatusCode: number}) => void = () => undefined;
        const {docker} = fakeEngine({
          wait: () => new Promise((resolve) => (end = resolve)),
          inspect: async () => ({State: {ExitCode: 143, OOMKilled: false}}),
        });
        const probe = probeAnswering('unreachable');
        const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probe.probeEngine}).start(spec());
        if (ours === 'kill') await container.kill('SIGTERM');
        else await container.remove();
        end({StatusCode: 143});
        assert.deepEqual(await container.exited, {code: 143, oomKilled: false});
        assert.deepEqual(probe.calls, []);
      });
    }

    it('other exit codes never wait for a probe', async () => {
      for (const code of [0, 1, 130]) {
        const {docker} = fakeEngine({wait: async () => ({StatusCode: code}), inspect: async () => ({State: {ExitCode: code, OOMKilled: false}})});
        const probe = probeAnswering('unreachable');
        const container = await new DockerRuntime({instanceId: 'i', docker, probeEngine: probe.probeEngine}).start(spec());
        assert.deepEqual(await container.exited, {code, oomKilled: false});
        assert.deepEqual(probe.calls, [], `exit ${code}`);
      }
    });
  });

  it('remove is idempotent and tolerates a container already gone; kill of a stopped one is fine', async () => {
    const {docker, calls} = fakeEngine({remove: () => Promise.reject(engineError(404, 'No such container'))});
    const container = await new DockerRuntime({instanceId: 'i', docker}).start(spec());
    await Promise.all([container.remove(), container.remove(), container[Symbol.asyncDispose]()]);
    assert.equal(calls.filter((call) => call.startsWith('remove')).length, 1);
    assert.equal(container.stream.destroyed, true);
    await container.kill('SIGTERM');
  });

  it('a stream error (engine socket reset) never goes unheard', async () => {
    const {docker} = fakeEngine();
    const container = await new DockerRuntime({instanceId: 'i', docker}).start(spec());
    assert.ok(container.stream.listenerCount('error') > 0);
    container.stream.emit('error', new Error('read ECONNRESET'));
    await container.remove();
  });

  it('reap lists by project and instance labels and removes only containers past the cut-off', async () => {
    const now = 1_000_000_000;
    const list = [
      {Id: 'old', Created: now / 1000 - 7200, Labels: {}},
      {Id: 'young', Created: now / 1000 - 60, Labels: {}},
    ];
    const {docker, calls} = fakeEngine({list});
    const runtime = new DockerRuntime({instanceId: 'inst', docker, clock: {now: () => now}});
    assert.equal(await runtime.reap({instanceId: 'inst', olderThanMs: 3_600_000}), 1);
    assert.deepEqual(calls, [`list ${LABELS.project}=true,${LABELS.instance}=inst`, 'remove old']);
    calls.length = 0;
    assert.equal(await runtime.reap({instanceId: 'other'}), 2);
    assert.deepEqual(calls[0], `list ${LABELS.project}=true,${LABELS.instance}=other`);
    await assert.rejects(runtime.reap({}), TypeError);
  });
});
