import assert from 'node:assert/strict';
import {testSpec} from '../../../test/helpers/blocks.js';
import {execFileSync} from 'node:child_process';
import {Duplex} from 'node:stream';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import type {ContainerExit, ContainerSpec, ExecProcess, ExecRequest, SandboxContainer} from '../../runtime/types.js';
import {SEEDED_MARKER} from '../../runtime/warm-seed.js';
import {Environment} from '../environment.js';
import {EnvironmentRegistry, environmentTokens, type StepSpec} from '../registry.js';
import {KEEPER_COMMAND, keeperKillLine, STEP_LAUNCHER, STEP_MARKER, stepArgv, stepCommand} from '../step-launcher.js';
import {SessionTokens} from '../../sessions/tokens.js';

const config = normalizeConfig({});
const env = config.environments.shell!;

/** A container whose stream records what the server writes (the keeper's lines). */
function keeperContainer() {
  const written: string[] = [];
  let resolveExit: (exit: ContainerExit) => void = () => undefined;
  let removed = 0;
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  });
  const container: SandboxContainer = {
    id: 'env-container',
    stream,
    exited: new Promise<ContainerExit>((resolve) => {
      resolveExit = resolve;
    }),
    resize: async () => undefined,
    kill: async () => undefined,
    remove: async () => {
      removed += 1;
      resolveExit({code: 137, oomKilled: false});
    },
    [Symbol.asyncDispose]: async () => undefined,
  };
  return {container, written, removed: () => removed, exit: (exit: ContainerExit) => resolveExit(exit)};
}

/**
 * An exec whose "launcher" answers like STEP_LAUNCHER: the step marker at
 * once; once a whole seed has arrived, the seeded marker, then `output`, then
 * the end with `code`.
 */
function scriptedExec(options: {output?: string; code?: number; holdExit?: boolean} = {}) {
  const execs: Array<{request: ExecRequest; seeds: Buffer[]; end(): void}> = [];
  const exec = async (_containerId: string, request: ExecRequest): Promise<ExecProcess> => {
    const seeds: Buffer[] = [];
    let finished: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((resolve) => {
      finished = resolve;
    });
    const stream: Duplex = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        seeds.push(chunk);
        const payload = Buffer.concat(seeds);
        const newline = payload.indexOf(0x0a);
        if (newline !== -1 && payload.length - newline - 1 >= Number(payload.subarray(0, newline).toString())) {
          stream.push(Buffer.from(`${SEEDED_MARKER}${options.output ?? ''}`, 'latin1'));
          if (!options.holdExit) end();
        }
        callback();
      },
    });
    const end = () => {
      stream.push(null);
      finished(options.code ?? 0);
    };
    stream.push(Buffer.from(STEP_MARKER, 'latin1'));
    execs.push({request, seeds, end});
    return {stream, resize: async () => undefined, exitCode: () => exitCode};
  };
  return {exec, execs};
}

const spec = testSpec;

const read = (stream: Duplex): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stream.on('end', () => resolve(text));
    stream.resume();
  });

describe('the step launcher and the keeper', () => {
  it('are POSIX sh that parses', () => {
    execFileSync('sh', ['-n', '-c', STEP_LAUNCHER]);
    execFileSync('sh', ['-n', '-c', KEEPER_COMMAND]);
    assert.doesNotMatch(STEP_LAUNCHER, /\[\[|<<<|\bsource\b|function /);
  });

  it('run the step with job control in the launcher\'s own shell, and save the state however it ends', () => {
    const at = (text: string) => STEP_LAUNCHER.indexOf(text);
    assert.ok(at('set -m') > at('stty "$sandbox_tty"'), 'job control once the seed is in');
    assert.ok(at("trap 'sandbox_status=$?; sandbox_save; exit $sandbox_status' EXIT") > at('set -m'));
    assert.ok(STEP_LAUNCHER.endsWith('eval "$sandbox_cmd"'), 'not `sh -c`: its cd and export must count');
  });

  it('reads a shell block\'s own script in the step\'s shell; any other command runs as written', () => {
    assert.equal(stepCommand('sh main.sh'), '. /workspace/main.sh');
    assert.equal(stepCommand('sh scripts/setup.sh'), '. /workspace/scripts/setup.sh');
    assert.equal(stepCommand('node main.js'), 'node main.js');
    assert.equal(stepCommand('sh ../x.sh'), 'sh ../x.sh');
    assert.equal(stepCommand('sh main.sh; rm -rf /'), 'sh main.sh; rm -rf /');
  });

  it('steps have job control except under gVisor', () => {
    assert.deepEqual(stepArgv(undefined).slice(3), ['sandbox-step', 'jobs']);
    assert.deepEqual(stepArgv('runc').slice(3), ['sandbox-step', 'jobs']);
    assert.deepEqual(stepArgv('runsc').slice(3), ['sandbox-step', 'nojobs']);
    assert.match(STEP_LAUNCHER, /if \[ "\$1" = jobs \]; then set -m; else trap '' HUP; fi/);
  });

  it('keeper lines name only the three signals', () => {
    assert.equal(keeperKillLine('INT'), 'kill INT\n');
    assert.match(KEEPER_COMMAND, /'kill INT'\|'kill TERM'\|'kill KILL'\)/);
  });
});

describe('Environment', () => {
  it('a step takes the standby: one seed write, the stream handed over with the step\'s output and no marker', async () => {
    const keeper = keeperContainer();
    const scripted = scriptedExec({output: 'hi\r\n', code: 3});
    const environment = new Environment({container: keeper.container, exec: scripted.exec, timeoutMs: 1000, clock: {now: () => 0}});
    environment.prepareStandby();
    const step = await environment.runStep(spec());
    assert.equal(scripted.execs.length, 1, 'the standby served the step: no exec on the Run');
    assert.equal(scripted.execs[0]!.seeds.length, 1, 'one write');
    assert.deepEqual(scripted.execs[0]!.request.argv, ['sh', '-c', STEP_LAUNCHER, 'sandbox-step', 'jobs']);
    assert.equal(await read(step.stream), 'hi\r\n');
    assert.deepEqual(await step.exited, {code: 3, oomKilled: false});
    assert.equal(step.id, 'env-container');
  });

  it('kill goes to the keeper; removing a running step kills it there, and never removes the container', async () => {
    const keeper = keeperContainer();
    const scripted = scriptedExec({holdExit: true});
    const environment = new Environment({container: keeper.container, exec: scripted.exec, timeoutMs: 1000, clock: {now: () => 0}});
    let removed = 0;
    const step = await environment.runStep(spec(), {onRemoved: () => (removed += 1)});
    step.stream.resume();
    await step.kill('SIGTERM');
    assert.deepEqual(keeper.written, ['kill TERM\n']);
    const removal = step.remove();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(keeper.written, ['kill TERM\n', 'kill KILL\n']);
    scripted.execs[0]!.end();
    await removal;
    await step.remove();
    assert.equal(removed, 1, 'told once');
    assert.equal(keeper.removed(), 0, 'the environment stays');
  });

  it('a step ended by itself is not signalled on removal (what it left in the background keeps running)', async () => {
    const keeper = keeperContainer();
    const environment = new Environment({container: keeper.container, exec: scriptedExec().exec, timeoutMs: 1000, clock: {now: () => 0}});
    const step = await environment.runStep(spec());
    step.stream.resume();
    await step.exited;
    await step.remove();
    assert.deepEqual(keeper.written, []);
  });

  it('the container ending ends a running step with its exit; remove() removes the container once', async () => {
    const keeper = keeperContainer();
    const environment = new Environment({container: keeper.container, exec: scriptedExec({holdExit: true}).exec, timeoutMs: 1000, clock: {now: () => 0}});
    const step = await environment.runStep(spec());
    keeper.exit({code: 137, oomKilled: true});
    assert.deepEqual(await step.exited, {code: 137, oomKilled: true});
    await Promise.all([environment.remove(), environment.remove()]);
    assert.equal(keeper.removed(), 1);
    await assert.rejects(environment.runStep(spec()), {code: 'environment-not-found'});
  });
});

function registry(options: {exec?: ReturnType<typeof scriptedExec>} = {}) {
  const clock = new ManualClock();
  const keepers: Array<ReturnType<typeof keeperContainer>> = [];
  const started: ContainerSpec[] = [];
  const scripted = options.exec ?? scriptedExec({output: 'ok\r\n'});
  let slots = 0;
  const made = new EnvironmentRegistry({
    runtime: {
      start: async (containerSpec) => {
        started.push(containerSpec);
        const keeper = keeperContainer();
        keepers.push(keeper);
        return keeper.container;
      },
      exec: scripted.exec,
    },
    clock,
    tokens: environmentTokens(new SessionTokens({ttlMs: 60_000, clock})),
    reconnectGrace: 5_000,
    standbyTimeout: 1_000,
  });
  const admit = () => {
    slots += 1;
    let released = false;
    return () => {
      if (!released) slots -= 1;
      released = true;
    };
  };
  return {registry: made, clock, keepers, started, scripted, slots: () => slots, admit};
}

const stepSpec = (step: number, overrides: Partial<ContainerSpec> = {}): StepSpec => {
  const {sessionId: _sessionId, ...rest} = spec(overrides);
  return {step, block: `b${step}`, spec: rest, runTimeout: 10_000};
};

/** Runs a prepared step as a session would: start, read its output, wait for its end, let it go. */
async function runPrepared(prepared: {runtime: {start: (spec: ContainerSpec) => Promise<SandboxContainer>}}): Promise<{output: string; container: SandboxContainer}> {
  const container = await prepared.runtime.start(spec());
  const output = await read(container.stream);
  await container.exited;
  await container.remove();
  return {output, container};
}

describe('EnvironmentRegistry', () => {
  it('a first step makes the environment (its one slot); later steps run in it with its token; ran lists them', async () => {
    const made = registry();
    const first = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    assert.deepEqual(first.info.ran, [1]);
    assert.equal(first.info.running, 1);
    assert.match(first.info.id, /^env-/);
    await runPrepared(first);
    assert.equal(made.started.length, 1);
    assert.equal(made.started[0]!.cmd, KEEPER_COMMAND);
    assert.deepEqual(made.started[0]!.files, [], 'a step writes its own files, not the environment');
    const ref = {id: first.info.id, token: first.info.token};
    const second = made.registry.prepare({session: 'ps-1', step: stepSpec(2), environment: ref, admit: made.admit});
    assert.deepEqual(second.info.ran, [1, 2]);
    const {output} = await runPrepared(second);
    assert.equal(output, 'ok\r\n');
    assert.equal(made.started.length, 1, 'the same container');
    assert.equal(made.slots(), 1, 'one slot however many steps');
    assert.deepEqual(made.registry.describe(ref), {id: ref.id, token: ref.token, session: 'ps-1', ran: [1, 2]});
  });

  it('refuses a wrong token (401), an unknown id (404), another page session (409) and a second step while one runs (409 busy)', async () => {
    const made = registry({exec: scriptedExec({holdExit: true})});
    const first = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    const ref = {id: first.info.id, token: first.info.token};
    assert.throws(() => made.registry.prepare({session: 'ps-1', step: stepSpec(2), environment: {...ref, token: 'x'}, admit: made.admit}), {code: 'environment-unauthorized', httpStatus: 401});
    assert.throws(() => made.registry.prepare({session: 'ps-1', step: stepSpec(2), environment: {id: 'env-none', token: ref.token}, admit: made.admit}), {code: 'environment-not-found', httpStatus: 404});
    assert.throws(() => made.registry.prepare({session: 'ps-2', step: stepSpec(1), environment: ref, admit: made.admit}), {code: 'environment-mismatch', httpStatus: 409});
    assert.throws(() => made.registry.prepare({session: 'ps-1', step: stepSpec(2), environment: ref, admit: made.admit}), {code: 'busy', httpStatus: 409});
    // Another environment's token does not open this one.
    const other = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    assert.throws(() => made.registry.describe({id: ref.id, token: other.info.token}), {code: 'environment-unauthorized'});
  });

  it('ends after idleTimeout with no step running (the slot freed, the container removed); a running step holds it', async () => {
    const made = registry({exec: scriptedExec({holdExit: true})});
    const first = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    const container = await first.runtime.start(spec());
    container.stream.resume();
    made.clock.advance(env.limits.idleTimeout * 2);
    assert.equal(made.registry.size, 1, 'a running step is not idle');
    made.scripted.execs[0]!.end();
    await container.exited;
    await container.remove();
    made.clock.advance(env.limits.idleTimeout - 1);
    assert.equal(made.registry.size, 1);
    made.clock.advance(1);
    assert.equal(made.registry.size, 0);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(made.keepers[0]!.removed(), 1);
    assert.equal(made.slots(), 0);
    assert.throws(() => made.registry.describe({id: first.info.id, token: first.info.token}), {code: 'environment-not-found'});
  });

  it('a left page ends it after the reconnect grace unless a request comes back; DELETE ends it at once', async () => {
    const made = registry();
    const first = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    await runPrepared(first);
    const ref = {id: first.info.id, token: first.info.token};
    made.registry.left(ref);
    made.clock.advance(4_000);
    await runPrepared(made.registry.prepare({session: 'ps-1', step: stepSpec(2), environment: ref, admit: made.admit}));
    made.clock.advance(5_000);
    assert.equal(made.registry.size, 1, 'the reload came back in time');
    await made.registry.remove(ref);
    assert.equal(made.registry.size, 0);
    assert.equal(made.keepers[0]!.removed(), 1);
  });

  it('catch-up runs the earlier steps first in a new environment and reports their codes before the step\'s output', async () => {
    const made = registry();
    const prepared = made.registry.prepare({session: 'ps-1', step: stepSpec(3), catchUp: [stepSpec(1), stepSpec(2)], admit: made.admit});
    assert.deepEqual(prepared.info.ran, [1, 2, 3]);
    const {container} = await runPrepared(prepared);
    assert.deepEqual(container.preamble, [{type: 'catch-up', steps: [{step: 1, block: 'b1', code: 0}, {step: 2, block: 'b2', code: 0}]}]);
    assert.equal(made.scripted.execs.length >= 3, true, 'three steps ran');
  });

  it('a reservation nobody used is freed (cancel), and an environment made for it ends', () => {
    const made = registry();
    const first = made.registry.prepare({session: 'ps-1', step: stepSpec(1), admit: made.admit});
    first.cancel();
    assert.equal(made.registry.size, 0);
    assert.equal(made.slots(), 0);
  });
});
