/**
 * The bundled images provide the commands their tutorials type. Python
 * tutorials, and every Python image a reader may know, run `python main.py`:
 * Debian's python3 package alone has no `python` command, so that line exited
 * 127 ("not found") in the python environment. Each check runs in the
 * environment's own container, started exactly as a session starts it.
 */
import assert from 'node:assert/strict';
import {randomUUID} from 'node:crypto';
import {after, before, describe, it} from 'node:test';
import {normalizeConfig} from '../../config/index.js';
import {DockerRuntime} from '../../server/runtime/docker.js';
import {buildImages} from '../../server/runtime/images.js';
import type {ContainerExit, SeedFile} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';

const RUN = randomUUID().slice(0, 8);
const INSTANCE = `it-images-${RUN}`;
const config = normalizeConfig({});
const OUTPUT_CAP = 64 * 1024;
const REBUILD_HINT = 'an image built before python was provided: rebuild it with `docusaurus-sandbox images build python --force`';
let sessions = 0;

describe('bundled images', {skip: needDocker()}, () => {
  const runtime = new DockerRuntime({instanceId: INSTANCE});

  /** Runs `cmd` in a container of `envName` and returns its output (bounded) and exit. */
  async function run(envName: string, cmd: string, files: SeedFile[] = []): Promise<{output: string; exit: ContainerExit}> {
    const container = await runtime.start({
      sessionId: `${RUN}-${++sessions}`,
      envName,
      env: config.environments[envName]!,
      files,
      cmd,
      interactive: false,
      cols: 80,
      rows: 24,
    });
    let output = '';
    container.stream.on('data', (chunk: Buffer) => {
      if (output.length < OUTPUT_CAP) output += chunk.toString('utf8');
    });
    try {
      const exit = await Promise.race([
        container.exited,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no exit within 30 s; output: ${output}`)), 30_000).unref()),
      ]);
      // The attach stream may still hold the last bytes when the exit arrives.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return {output, exit};
    } finally {
      await container.remove();
    }
  }

  before(async () => {
    // Builds the python image only when it is missing (about 40 s from nothing).
    await buildImages({envs: ['python'], log: (line) => console.log(`[images] ${line}`)});
  });

  after(async () => {
    await runtime.reap({instanceId: INSTANCE});
    await runtime.close();
  });

  it('python: `python` is on PATH and is the image\'s python3', async () => {
    const {output, exit} = await run('python', 'python --version && python3 --version && readlink -f "$(command -v python)" "$(command -v python3)"');
    assert.equal(exit.code, 0, `python --version failed (${REBUILD_HINT}); output: ${output}`);
    const lines = output.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    assert.match(lines[0] ?? '', /^Python 3\.\d+\.\d+$/);
    assert.equal(lines[0], lines[1], 'python and python3 are the same version');
    assert.equal(lines[2], lines[3], 'python resolves to the same program as python3');
  });

  it('python: a tutorial\'s `python main.py` runs the block', async () => {
    const files = [{path: 'main.py', content: "import sys\nprint('hello from', sys.version_info[0])\n"}];
    const {output, exit} = await run('python', 'python main.py', files);
    assert.equal(exit.code, 0, `python main.py failed (${REBUILD_HINT}); output: ${output}`);
    assert.match(output, /hello from 3/);
  });

  it('python: ships no pip, so the image states no `pip` either', async () => {
    // The image is Debian's python3 without recommends: no pip, no ensurepip.
    // Should pip ever be added, `pip` must come with it (this test then says so).
    const {output, exit} = await run('python', 'python3 -m pip --version; echo "pip module: $?"; command -v pip || command -v pip3; echo "pip command: $?"');
    assert.equal(exit.code, 0, output);
    assert.match(output, /pip module: [1-9]/, 'python3 -m pip is absent; if it is present now, provide `pip` and test `pip --version`');
    assert.match(output, /pip command: [1-9]/, 'no pip command without the pip module');
  });
});
