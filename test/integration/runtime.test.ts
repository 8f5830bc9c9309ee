/**
 * DockerRuntime on the real engine: the bundled images, seeding, exit codes,
 * terminal size, signals, clean-up after failures, and the reaper. Every
 * container is labelled with an instance id unique to this run, so other
 * suites' containers on the same engine are never touched.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import Dockerode from 'dockerode';
import {normalizeConfig, type EnvironmentConfig} from '../../config/index.js';
import {SandboxError} from '../../server/errors.js';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {doctor, formatDoctorReport} from '../../server/runtime/doctor.js';
import {buildImages} from '../../server/runtime/images.js';
import {type ContainerExit, type ContainerSpec, LABELS, type SandboxContainer, type SeedFile} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';

const RUN = randomUUID().slice(0, 8);
const INSTANCE = `it-runtime-${RUN}`;
const config = normalizeConfig({});
const docker = new Dockerode();
let sessions = 0;

function spec(envName: string, cmd: string, files: SeedFile[] = [], overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    sessionId: `${RUN}-${++sessions}`,
    envName,
    env: config.environments[envName]!,
    files,
    cmd,
    interactive: false,
    cols: 80,
    rows: 24,
    ...overrides,
  };
}

interface Run {
  output: string;
  exit: ContainerExit;
  firstByteMs: number;
}

/** Collects a container's output (bounded) until it exits, then removes it. */
async function collect(container: SandboxContainer, started: number, timeoutMs = 30_000): Promise<Run> {
  let output = '';
  let firstByteMs = -1;
  container.stream.on('data', (chunk: Buffer) => {
    if (firstByteMs < 0) firstByteMs = performance.now() - started;
    if (output.length < 1024 * 1024) output += chunk.toString('utf8');
  });
  try {
    const exit = await Promise.race([
      container.exited,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms; output: ${output}`)), timeoutMs).unref()),
    ]);
    // The attach stream may still hold the last bytes when the exit arrives.
    await new Promise((resolve) => setTimeout(resolve, 50));
    return {output, exit, firstByteMs};
  } finally {
    await container.remove();
  }
}

async function run(runtime: DockerRuntime, containerSpec: ContainerSpec): Promise<Run> {
  const started = performance.now();
  return collect(await runtime.start(containerSpec), started);
}

/** Containers of this run (any state), optionally of one session. */
async function ours(session?: string): Promise<Dockerode.ContainerInfo[]> {
  const label = [`${LABELS.project}=true`, session ? `${LABELS.session}=${session}` : `${LABELS.instance}=${INSTANCE}`];
  return docker.listContainers({all: true, filters: {label}});
}

/** Waits until `text` shows in the stream's output. */
function waitFor(container: SandboxContainer, text: string | RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      container.stream.off('data', onData);
      reject(new Error(`did not see ${String(text)} within ${timeoutMs} ms; saw ${JSON.stringify(seen)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString('utf8');
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        container.stream.off('data', onData);
        resolve(seen);
      }
    };
    container.stream.on('data', onData);
  });
}

const LIST_FILES = 'find /workspace -mindepth 1 -type f | sort && echo ---';

const PROGRAMS: Record<string, {files: SeedFile[]; cmd: string; expect: RegExp; code: number}> = {
  shell: {
    files: [
      {path: 'main.sh', content: '. ./lib/greet.sh\ngreet "$(cat data/name.txt)"\nexit 7\n'},
      {path: 'lib/greet.sh', content: 'greet() { echo "hello, $1 from $(basename "$SHELL" 2>/dev/null || echo sh)"; }\n'},
      {path: 'data/name.txt', content: 'shell\n'},
    ],
    cmd: 'sh main.sh',
    expect: /hello, shell/,
    code: 7,
  },
  node: {
    files: [
      {path: 'index.js', content: "const {greet} = require('./lib/greet.js');\nconsole.log(greet(require('fs').readFileSync('data/name.txt', 'utf8').trim()), process.version);\nprocess.exit(5);\n"},
      {path: 'lib/greet.js', content: "exports.greet = (name) => `hello, ${name}`;\n"},
      {path: 'data/name.txt', content: 'node\n'},
    ],
    cmd: 'node index.js',
    expect: /hello, node v(\d+)\./,
    code: 5,
  },
  python: {
    files: [
      {path: 'main.py', content: "import sys, json\nfrom pkg.greet import greet\nprint(greet(open('data/name.txt').read().strip()), json.dumps(sys.version_info[:2]))\nsys.exit(4)\n"},
      {path: 'pkg/__init__.py', content: ''},
      {path: 'pkg/greet.py', content: "def greet(name):\n    return f'hello, {name}'\n"},
      {path: 'data/name.txt', content: 'python\n'},
    ],
    cmd: 'python3 main.py',
    expect: /hello, python \[3, \d+\]/,
    code: 4,
  },
};

describe('DockerRuntime on the real engine', {skip: needDocker()}, () => {
  const runtime = new DockerRuntime({instanceId: INSTANCE});

  before(async () => {
    // Builds only what is missing (about 75 s from nothing, instant when present).
    await buildImages({log: (line) => console.log(`[images] ${line}`)});
  });

  after(async () => {
    await runtime.reap({instanceId: INSTANCE});
  });

  for (const [envName, program] of Object.entries(PROGRAMS)) {
    it(`${envName}: runs a multi-file block with its files, output and exit code`, async () => {
      const {output, exit} = await run(runtime, spec(envName, `${LIST_FILES} && ${program.cmd}`, program.files));
      const [listing, rest] = output.split('---');
      const seeded = listing!.trim().split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
      assert.deepEqual(seeded, program.files.map((file) => `/workspace/${file.path}`).sort(), '/workspace holds exactly the seeded files');
      assert.match(rest!, program.expect);
      assert.deepEqual(exit, {code: program.code, oomKilled: false});
      if (envName === 'node') assert.ok(Number(program.expect.exec(rest!)![1]) >= 20, 'Node.js 20+');
    });
  }

  it('seeds files near the 256 KiB cap intact (several seed variables), modes normalised', async () => {
    const big = 'abcdefghij'.repeat(25 * 1024); // 250 KiB
    const {output, exit} = await run(
      runtime,
      spec('shell', 'wc -c < big.txt; md5sum big.txt | cut -c1-32; stat -c "%a %u:%g %n" big.txt run.sh; ./run.sh; env | grep -c SANDBOX_ || true', [
        {path: 'big.txt', content: big},
        {path: 'run.sh', content: '#!/bin/sh\necho script ran\n'},
      ]),
    );
    const {createHash} = await import('node:crypto');
    assert.match(output, new RegExp(`^${big.length}\\r?$`, 'm'));
    assert.match(output, new RegExp(createHash('md5').update(big).digest('hex')));
    assert.match(output, /644 1000:1000 big\.txt/);
    assert.match(output, /755 1000:1000 run\.sh/);
    assert.match(output, /script ran/);
    assert.match(output, /^0\r?$/m, 'no SANDBOX_ variable reaches the program');
    assert.equal(exit.code, 0);
  });

  it('refuses files over the cap before any container exists', async () => {
    const tooBig = spec('shell', 'true', [{path: 'x', content: 'x'.repeat(256 * 1024 + 1)}]);
    await assert.rejects(runtime.start(tooBig), (error: unknown) => error instanceof SandboxError && error.code === 'too-large' && /256 KiB/.test(error.message));
    assert.equal((await ours(tooBig.sessionId)).length, 0);
  });

  it('gives the program the requested terminal size and follows resize', async () => {
    const container = await runtime.start(spec('shell', 'stty size', [], {interactive: true, cols: 132, rows: 43}));
    try {
      await waitFor(container, '43 132');
      await container.resize(100, 50);
      container.stream.write('stty size\r');
      await waitFor(container, '50 100');
      container.stream.write('exit 3\r');
      assert.deepEqual(await container.exited, {code: 3, oomKilled: false});
    } finally {
      await container.remove();
    }
  });

  it('interactive: runs the command, then the shell reads the keyboard', async () => {
    const container = await runtime.start(spec('shell', 'echo first-done', [], {interactive: true}));
    try {
      await waitFor(container, 'first-done');
      container.stream.write('echo $((6 * 7))\r');
      await waitFor(container, '42');
      container.stream.write('exit 9\r');
      assert.equal((await container.exited).code, 9);
    } finally {
      await container.remove();
    }
  });

  it('kill: SIGTERM reaches the command through tini, SIGKILL ends it with 137', async () => {
    for (const [signal, code] of [
      ['SIGTERM', 143],
      ['SIGKILL', 137],
    ] as const) {
      const container = await runtime.start(spec('shell', 'echo sleeping; sleep 60'));
      try {
        await waitFor(container, 'sleeping');
        const sent = performance.now();
        await container.kill(signal);
        const exit = await container.exited;
        assert.equal(exit.code, code, signal);
        assert.ok(performance.now() - sent < 5000, `${signal} took effect at once`);
      } finally {
        await container.remove();
      }
    }
  });

  it('remove is idempotent, also racing itself, and the container is gone', async () => {
    const container = await runtime.start(spec('shell', 'sleep 60'));
    await Promise.all([container.remove(), container.remove(), container[Symbol.asyncDispose]()]);
    await container.remove();
    await assert.rejects(docker.getContainer(container.id).inspect(), {statusCode: 404});
    await container.kill('SIGKILL'); // a gone container: tolerated
    await container.resize(10, 10);
  });

  it('a missing image is image-missing and leaves nothing behind', async () => {
    const env: EnvironmentConfig = {...config.environments.shell!, image: `docusaurus-sandbox-test/absent:${RUN}`};
    const missing = spec('shell', 'true', [], {env});
    await assert.rejects(runtime.start(missing), {code: 'image-missing'});
    assert.equal((await ours(missing.sessionId)).length, 0);
  });

  it('a failed start removes what it made and rethrows the engine error', async () => {
    // A tmpfs size the kernel refuses: create succeeds, start fails in runc.
    const env: EnvironmentConfig = {...config.environments.shell!, limits: {...config.environments.shell!.limits, workspaceSize: -5}};
    const failing = spec('shell', 'true', [], {env});
    await assert.rejects(runtime.start(failing), (error: unknown) => {
      assert.ok(error instanceof SandboxError);
      assert.equal(error.code, 'docker-unavailable');
      assert.match(String((error.cause as Error).message), /error mounting "tmpfs"/, 'the original engine error is kept as cause');
      return true;
    });
    assert.equal((await ours(failing.sessionId)).length, 0, 'the created container was removed');
  });

  it('an aborted start leaves nothing behind', async () => {
    // Aborted at several points: during create, attach and start.
    for (const delay of [0, 3, 10, 40, 80]) {
      const controller = new AbortController();
      const aborted = spec('shell', 'sleep 60');
      const starting = runtime.start(aborted, {signal: controller.signal});
      setTimeout(() => controller.abort(new Error('reader left')), delay);
      const result = await starting.then(
        async (container) => {
          await container.remove(); // it won the race; the caller still owns it
          return 'started';
        },
        (error: unknown) => {
          assert.match(String(error), /reader left/);
          return 'aborted';
        },
      );
      // A create the engine finishes after the abort is removed when it lands
      // (on a loaded engine the create and the removal take a while).
      let left = await ours(aborted.sessionId);
      for (let waited = 0; left.length > 0 && waited < 10_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        left = await ours(aborted.sessionId);
      }
      assert.equal(left.length, 0, `abort after ${delay} ms (${result})`);
    }
  });

  it('reports the engine and images', async () => {
    const engine = await runtime.engine();
    assert.equal(engine.reachable, true);
    assert.match(engine.version ?? '', /^\d+\.\d+/);
    assert.ok(engine.runtimes.includes('runc'));
    assert.equal(await runtime.hasImage(config.environments.shell!.image), true);
    assert.equal(await runtime.hasImage(`docusaurus-sandbox-test/absent:${RUN}`), false);
    const down = new DockerRuntime({instanceId: INSTANCE, docker: new Dockerode({socketPath: `/nonexistent/${RUN}.sock`})});
    const info = await down.engine();
    assert.equal(info.reachable, false);
    assert.match(info.error ?? '', /not reachable/);
    await assert.rejects(down.start(spec('shell', 'true')), {code: 'docker-unavailable'});
  });

  it('reap removes labelled orphans of one instance only, and by age', async () => {
    const otherInstance = `${INSTANCE}-other`;
    const other = new DockerRuntime({instanceId: otherInstance});
    assert.deepEqual(await ours(), [], 'nothing of this instance is left from earlier tests');
    const mine = [await runtime.start(spec('shell', 'sleep 60')), await runtime.start(spec('shell', 'sleep 60'))];
    const theirs = await other.start(spec('shell', 'sleep 60'));
    try {
      assert.equal(await runtime.reap({instanceId: INSTANCE}), 2);
      for (const container of mine) await assert.rejects(docker.getContainer(container.id).inspect(), {statusCode: 404});
      assert.equal((await docker.getContainer(theirs.id).inspect()).State.Running, true, "another instance's container is untouched");
      assert.equal(await other.reap({instanceId: otherInstance, olderThanMs: 3_600_000}), 0, 'too young to reap');
      // Two hours later by the runtime's clock, it is past an hour's cut-off.
      const later = new DockerRuntime({instanceId: otherInstance, clock: {now: () => Date.now() + 2 * 3_600_000}});
      assert.equal(await later.reap({instanceId: otherInstance, olderThanMs: 3_600_000}), 1);
      await assert.rejects(docker.getContainer(theirs.id).inspect(), {statusCode: 404});
      await assert.rejects(runtime.reap({}), TypeError);
    } finally {
      await Promise.all([...mine, theirs].map((container) => container.remove()));
    }
  });

  it('time to first byte of a hardened container (create + attach + start → first output)', async () => {
    const samples: number[] = [];
    for (let index = 0; index < 10; index++) {
      const {output, firstByteMs} = await run(runtime, spec('shell', 'echo ready'));
      assert.match(output, /ready/);
      samples.push(firstByteMs);
    }
    samples.sort((a, b) => a - b);
    const median = samples[Math.floor(samples.length / 2)]!;
    console.log(`[runtime] time to first byte over ${samples.length} runs: median ${median.toFixed(0)} ms, max ${samples.at(-1)!.toFixed(0)} ms`);
    assert.ok(median < 2000, `median ${median} ms`);
  });

  it('doctor: engine, bundled images, their tools and seeding all pass; a missing image is named', async () => {
    const report = await doctor(config);
    assert.equal(report.ok, true, formatDoctorReport(report));
    assert.deepEqual(report.environments.map((env) => [env.name, env.present, env.probe?.ok]), [
      ['shell', true, true],
      ['node', true, true],
      ['python', true, true],
    ]);
    const broken = normalizeConfig({environments: {ghost: {image: `docusaurus-sandbox-test/absent:${RUN}`, file: 'a', cmd: 'a', shell: 'sh', lang: 'sh'}}});
    const failing = await doctor(broken, {probe: false});
    assert.equal(failing.ok, false);
    assert.match(formatDoctorReport(failing), /FAIL ghost: docusaurus-sandbox-test\/absent/);
  });

  it('leaves no container of this run behind', async () => {
    assert.deepEqual(await ours(), []);
  });
});
