/**
 * Warm containers without Docker: the seed bytes and the launcher text
 * (warm-seed.ts), the marker reader and take/prepare over a scripted stream
 * (warm.ts), the warm create options against the cold ones, and the reaper's
 * allowance for warm containers. The real engine is exercised in
 * test/integration/pool.test.ts.
 */
import {testSpec} from '../../../test/helpers/blocks.js';
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {Duplex, PassThrough} from 'node:stream';
import {describe, it} from 'node:test';
import type Dockerode from 'dockerode';
import {normalizeConfig} from '../../../config/index.js';
import {systemClock} from '../../clock.js';
import {SandboxError} from '../../errors.js';
import {DockerRuntime} from '../docker.js';
import {hardenedCreateOptions} from '../hardening.js';
import {LAUNCHER, LAUNCH_TAIL} from '../seed.js';
import {type ContainerExit, LABELS, type SandboxContainer} from '../types.js';
import {readUntilMarker, WarmSandbox} from '../warm.js';
import {buildWarmSeed, SEEDED_MARKER, shellQuote, WARM_LAUNCHER, WARM_MARKER, warmCreateOptions} from '../warm-seed.js';

const env = normalizeConfig({}).environments.shell!;
const limits = env.limits;
const spec = testSpec;

/** Splits the payload into its length line and script, checking the length. */
function parsePayload(payload: Buffer): string {
  const newline = payload.indexOf(0x0a);
  const length = Number(payload.subarray(0, newline).toString('ascii'));
  const script = payload.subarray(newline + 1);
  assert.equal(script.length, length, 'the length line counts the script bytes exactly');
  return script.toString('utf8');
}

/** Evaluates the seed script in the host's POSIX sh and prints the variables it sets. */
function evalScript(script: string): Record<string, string> {
  const names = ['sandbox_cmd', 'sandbox_shell', 'sandbox_cols', 'sandbox_rows', 'sandbox_seed'];
  const out = execFileSync('sh', ['-c', `eval "$1"; for n in ${names.join(' ')}; do eval "printf '%s\\0' \\"\\$$n\\""; done`, 'sh', script]);
  const values = out.toString('utf8').split('\0');
  return Object.fromEntries(names.map((name, index) => [name, values[index] ?? '']));
}

describe('buildWarmSeed', () => {
  it('is one length line and a script that sets exactly the session variables', () => {
    const seed = buildWarmSeed(spec({cmd: `echo "it's" 'a $HOME' \\n; echo \`x\``, interactive: true}), limits, 0);
    const variables = evalScript(parsePayload(seed.payload));
    assert.equal(variables.sandbox_cmd, `echo "it's" 'a $HOME' \\n; echo \`x\``);
    assert.equal(variables.sandbox_shell, env.shell);
    assert.equal(variables.sandbox_cols, '100');
    assert.equal(variables.sandbox_rows, '30');
    const archive = Buffer.from(variables.sandbox_seed!, 'base64');
    assert.equal(archive.length, seed.archiveBytes);
    assert.equal(archive.subarray(0, 7).toString(), 'main.sh');
  });

  it('leaves the shell empty for a non-interactive block and the seed empty without files', () => {
    const variables = evalScript(parsePayload(buildWarmSeed(spec({files: []}), limits, 0).payload));
    assert.equal(variables.sandbox_shell, '');
    assert.equal(variables.sandbox_seed, '');
  });

  it('clamps a junk terminal size like the cold launcher does', () => {
    const variables = evalScript(parsePayload(buildWarmSeed(spec({cols: Number.NaN, rows: 1e9}), limits, 0).payload));
    assert.equal(variables.sandbox_cols, '80');
    assert.equal(variables.sandbox_rows, '1000');
  });

  it('keeps multi-line commands and UTF-8 intact and counts bytes in the length', () => {
    const cmd = 'printf "héllo\\n"\necho ünïcode';
    assert.equal(evalScript(parsePayload(buildWarmSeed(spec({cmd}), limits, 0).payload)).sandbox_cmd, cmd);
  });

  it('applies the cold caps: 256 KiB of files, the file count, the 64 KiB command, NUL', () => {
    assert.throws(() => buildWarmSeed(spec({files: [{path: 'big', content: 'x'.repeat(limits.maxSeedBytes + 1)}]}), limits, 0), {code: 'too-large'});
    const many = Array.from({length: limits.maxFiles + 1}, (_, index) => ({path: `f${index}`, content: ''}));
    assert.throws(() => buildWarmSeed(spec({files: many}), limits, 0), {code: 'too-many-files'});
    assert.throws(() => buildWarmSeed(spec({cmd: 'x'.repeat(64 * 1024 + 1)}), limits, 0), {code: 'too-large'});
    assert.throws(() => buildWarmSeed(spec({cmd: 'a\0b'}), limits, 0), {code: 'bad-request'});
    assert.throws(() => buildWarmSeed(spec({files: [{path: '../x', content: ''}]}), limits, 0), {code: 'bad-path'});
    // Exactly the cap is accepted.
    buildWarmSeed(spec({files: [{path: 'big', content: 'x'.repeat(limits.maxSeedBytes)}]}), limits, 0);
  });

  it('shellQuote round-trips quotes and backslashes', () => {
    for (const value of ["'", "''", "a'b\\'c", '\\', '$(id)', '']) {
      assert.equal(execFileSync('sh', ['-c', `printf '%s' ${shellQuote(value)}`]).toString(), value);
    }
  });
});

describe('WARM_LAUNCHER', () => {
  it('is valid POSIX sh and ends with the same tail as the cold launcher', () => {
    execFileSync('sh', ['-n', '-c', WARM_LAUNCHER]);
    assert.ok(WARM_LAUNCHER.endsWith(LAUNCH_TAIL.join('\n')));
    assert.ok(LAUNCHER.endsWith(LAUNCH_TAIL.join('\n')));
    assert.doesNotMatch(WARM_LAUNCHER, /\[\[|<<<|\bsource\b|function /);
  });

  it('prints both markers exactly (octal escapes through printf)', () => {
    const printfs = WARM_LAUNCHER.split('\n').filter((line) => line.startsWith("printf '\\0"));
    assert.equal(printfs.length, 2);
    assert.equal(execFileSync('sh', ['-c', printfs[0]!]).toString('latin1'), WARM_MARKER);
    assert.equal(execFileSync('sh', ['-c', printfs[1]!]).toString('latin1'), SEEDED_MARKER);
  });

  it('reads the seed only after switching the terminal to raw and announcing it waits', () => {
    const at = (text: string) => WARM_LAUNCHER.indexOf(text);
    assert.ok(at('stty raw -echo') < at('printf') && at('printf') < at('read -r sandbox_length'));
    assert.ok(at('read -r sandbox_length') < at('head -c "$sandbox_length"'));
  });
});

describe('warmCreateOptions', () => {
  it('keeps the cold hardening and changes only the command, the environment and the pool labels', () => {
    const warm = warmCreateOptions({id: 'warm-1', envName: 'shell', env, pool: 'p1', warmForMs: 600_000}, 'inst');
    const cold = hardenedCreateOptions({...spec(), sessionId: 'warm-1'}, 'inst', []);
    assert.deepEqual(warm.HostConfig, cold.HostConfig);
    for (const key of ['Image', 'User', 'WorkingDir', 'Entrypoint', 'Tty', 'OpenStdin', 'StdinOnce', 'NetworkDisabled', 'name', 'Hostname'] as const) {
      assert.deepEqual(warm[key], cold[key], key);
    }
    assert.deepEqual(warm.Cmd, ['sh', '-c', WARM_LAUNCHER]);
    assert.ok(!warm.Env!.some((entry) => entry.startsWith('SANDBOX_')), 'no session variable in a warm container');
    assert.equal(warm.Labels![LABELS.pool], 'p1');
    assert.equal(warm.Labels![LABELS.warmFor], '600000');
    assert.equal(warm.Labels![LABELS.instance], 'inst');
    assert.equal(warm.Labels![LABELS.project], 'true');
  });
});

describe('readUntilMarker', () => {
  it('finds a marker split across chunks and leaves the stream paused with the rest', async () => {
    const stream = new PassThrough();
    const read = readUntilMarker(stream, SEEDED_MARKER, {timeoutMs: 1000});
    stream.write('oops\r\n');
    stream.write(SEEDED_MARKER.slice(0, 5));
    stream.write(Buffer.concat([Buffer.from(SEEDED_MARKER.slice(5), 'latin1'), Buffer.from('first')]));
    const {before, after} = await read;
    assert.equal(before.toString(), 'oops\r\n');
    assert.equal(after.toString(), 'first');
    assert.equal(stream.isPaused(), true);
    assert.equal(stream.listenerCount('data'), 0);
  });

  it('rejects with sandbox-lost on end, on timeout and after 64 KiB without the marker', async () => {
    const ended = new PassThrough();
    const onEnd = readUntilMarker(ended, WARM_MARKER, {timeoutMs: 1000});
    ended.end('bye');
    await assert.rejects(onEnd, {code: 'sandbox-lost'});
    await assert.rejects(readUntilMarker(new PassThrough(), WARM_MARKER, {timeoutMs: 10}), {code: 'sandbox-lost'});
    const chatty = new PassThrough();
    const flood = readUntilMarker(chatty, WARM_MARKER, {timeoutMs: 1000});
    chatty.write(Buffer.alloc(65 * 1024, 0x61));
    await assert.rejects(flood, {code: 'sandbox-lost'});
  });

  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    const read = readUntilMarker(new PassThrough(), WARM_MARKER, {timeoutMs: 1000, signal: controller.signal});
    controller.abort(new Error('reader left'));
    await assert.rejects(read, /reader left/);
  });
});

/**
 * A scripted container whose "launcher" answers like WARM_LAUNCHER: the warm
 * marker at once, and once a whole payload has arrived, the seeded marker
 * followed by `output`.
 */
function scriptedContainer(options: {output?: string; answer?: boolean} = {}) {
  const written: Buffer[] = [];
  let removed = 0;
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk);
      const payload = Buffer.concat(written);
      const newline = payload.indexOf(0x0a);
      if (newline !== -1 && options.answer !== false) {
        const length = Number(payload.subarray(0, newline).toString());
        if (payload.length - newline - 1 >= length) {
          stream.push(Buffer.from(`${SEEDED_MARKER}${options.output ?? ''}`, 'latin1'));
        }
      }
      callback();
    },
  });
  stream.push(Buffer.from(WARM_MARKER, 'latin1'));
  const container: SandboxContainer = {
    id: 'c1',
    stream,
    exited: new Promise<ContainerExit>(() => undefined),
    resize: async () => undefined,
    kill: async () => undefined,
    remove: async () => {
      removed += 1;
    },
    [Symbol.asyncDispose]: async () => undefined,
  };
  return {container, written, removed: () => removed};
}

const drain = (stream: Duplex): Promise<string> =>
  new Promise((resolve) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    stream.resume();
    setTimeout(() => resolve(text), 20);
  });

describe('WarmSandbox', () => {
  it('take writes the seed in one write and hands over the stream without the marker', async () => {
    const scripted = scriptedContainer({output: 'hi\r\n'});
    const warm = await WarmSandbox.prepare(scripted.container, {timeoutMs: 1000, clock: {now: () => 42}});
    assert.equal(warm.readyAt, 42);
    assert.equal(warm.available, true);
    const container = await warm.take(spec(), {timeoutMs: 1000, limits, mtime: 0});
    assert.equal(scripted.written.length, 1, 'nothing may follow the payload before the marker');
    assert.equal(container.stream.isPaused(), true, 'handed over paused, for the session to resume');
    assert.equal(await drain(container.stream), 'hi\r\n');
    assert.equal(warm.available, false);
    await assert.rejects(warm.take(spec(), {timeoutMs: 1000, limits, mtime: 0}), /one session only/);
  });

  it('a refused seed (over the caps) writes nothing and keeps the container warm', async () => {
    const scripted = scriptedContainer();
    const warm = await WarmSandbox.prepare(scripted.container, {timeoutMs: 1000, clock: systemClock});
    await assert.rejects(warm.take(spec({cmd: 'a\0'}), {timeoutMs: 1000, limits, mtime: 0}), {code: 'bad-request'});
    assert.equal(scripted.written.length, 0);
    assert.equal(warm.available, true);
  });

  it('a launcher that never answers: take fails with sandbox-lost and removes the container', async () => {
    const scripted = scriptedContainer({answer: false});
    const warm = await WarmSandbox.prepare(scripted.container, {timeoutMs: 1000, clock: systemClock});
    await assert.rejects(warm.take(spec(), {timeoutMs: 20, limits, mtime: 0}), (error: unknown) => error instanceof SandboxError && error.code === 'sandbox-lost');
    assert.equal(scripted.removed(), 1);
  });

  it('remove() is idempotent and does nothing to a taken container', async () => {
    const scripted = scriptedContainer();
    const warm = await WarmSandbox.prepare(scripted.container, {timeoutMs: 1000, clock: systemClock});
    await warm.remove();
    await warm.remove();
    assert.equal(scripted.removed(), 1);
    const other = scriptedContainer();
    const taken = await WarmSandbox.prepare(other.container, {timeoutMs: 1000, clock: systemClock});
    await taken.take(spec(), {timeoutMs: 1000, limits, mtime: 0});
    await taken.remove();
    assert.equal(other.removed(), 0, "a taken container is the session's to remove");
  });
});

describe('DockerRuntime.reap and warm containers', () => {
  function engine(list: Array<{Id: string; Created: number; Labels: Record<string, string>}>) {
    const removed: string[] = [];
    const docker = {
      listContainers: async () => list,
      getContainer: (id: string) => ({remove: async () => void removed.push(id)}),
    };
    return {docker: docker as unknown as Dockerode, removed};
  }
  const base = {[LABELS.project]: 'true', [LABELS.instance]: 'inst'};

  it('allows a warm container its warm-for time on top of the age cut-off', async () => {
    const now = 10_000_000;
    const {docker, removed} = engine([
      {Id: 'cold-old', Created: (now - 700_000) / 1000, Labels: base},
      {Id: 'warm-taken-late', Created: (now - 700_000) / 1000, Labels: {...base, [LABELS.pool]: 'p', [LABELS.warmFor]: '600000'}},
      {Id: 'warm-too-old', Created: (now - 1_300_000) / 1000, Labels: {...base, [LABELS.pool]: 'p', [LABELS.warmFor]: '600000'}},
    ]);
    const runtime = new DockerRuntime({instanceId: 'inst', docker, clock: {now: () => now}});
    assert.equal(await runtime.reap({olderThanMs: 660_000}), 2);
    assert.deepEqual(removed.sort(), ['cold-old', 'warm-too-old']);
  });

  it('spares what the filter asks to spare', async () => {
    const {docker, removed} = engine([
      {Id: 'a', Created: 0, Labels: {...base, [LABELS.pool]: 'mine'}},
      {Id: 'b', Created: 0, Labels: {...base, [LABELS.pool]: 'predecessor'}},
      {Id: 'c', Created: 0, Labels: base},
    ]);
    const runtime = new DockerRuntime({instanceId: 'inst', docker});
    await runtime.reap({instanceId: 'inst', spare: ({id, labels}) => labels[LABELS.pool] === 'mine' || id === 'c'});
    assert.deepEqual(removed, ['b']);
  });
});
