/**
 * `docusaurus-sandbox check --server` over a page session, against a scripted
 * server that speaks the environment contract (no Docker): what check posts
 * for each step, the DELETE at the end, the exit status, the report and the
 * recordings.
 */
import {testBlock} from '../../../test/helpers/blocks.js';
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, it} from 'node:test';
import {MANIFEST_FILE, TRANSCRIPTS_FILE, type SandboxBlock, type SandboxManifest} from '../../../config/block.js';
import {startFakeStepsServer, type FakeStepsServer, type ScriptedProgram} from '../../../test/helpers/fake-steps-server.js';
import {runCheck, type CheckCommand} from '../check.js';

const block = (id: string, line: number, extra: Partial<SandboxBlock> = {}): SandboxBlock => testBlock(id, {line, ...extra});

const manifest: SandboxManifest = {
  version: 1,
  blocks: [
    block('lone', 3, {source: 'docs/other.md', options: {editable: false, interactive: false, exit: 0, skipCheck: false, expect: 'hello'}}),
    block('s1', 10, {session: 'tour-1', step: 1, title: 'Write a note'}),
    block('s2', 20, {session: 'tour-1', step: 2, options: {editable: false, interactive: false, exit: 0, skipCheck: false, expect: 'a note'}}),
    block('s3', 30, {session: 'tour-1', step: 3}),
  ],
  sessions: [{id: 'tour-1', name: 'tour', source: 'docs/tour.md', env: 'shell', blocks: ['s1', 's2', 's3']}],
};

const steps = (second: ScriptedProgram): Record<string, ScriptedProgram> => ({
  lone: {output: 'hello\r\n', code: 0},
  s1: {output: 'written\r\n', code: 0, session: 'tour-1', step: 1},
  s2: {...second, session: 'tour-1', step: 2},
  s3: {output: 'done\r\n', code: 0, session: 'tour-1', step: 3},
});

function capture() {
  let stdout = '';
  let stderr = '';
  return {
    io: (cwd: string) => ({stdout: {write: (text: string) => (stdout += text)}, stderr: {write: (text: string) => (stderr += text)}, cwd, env: {}}),
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('check over page sessions', () => {
  let siteDir = '';
  let server: FakeStepsServer | undefined;
  beforeEach(() => {
    siteDir = mkdtempSync(join(tmpdir(), 'check-steps-'));
    writeFileSync(join(siteDir, MANIFEST_FILE), JSON.stringify(manifest));
  });
  afterEach(async () => {
    await server?.[Symbol.asyncDispose]();
    rmSync(siteDir, {recursive: true, force: true});
  });

  const command = (extra: Partial<CheckCommand> = {}): CheckCommand => ({
    command: 'check',
    siteDir,
    configFile: undefined,
    serverUrl: server!.url,
    jobs: 2,
    filter: undefined,
    json: false,
    junit: undefined,
    record: false,
    ...extra,
  });

  it('runs the steps in order in the environment of the first answer, then deletes it', async () => {
    server = await startFakeStepsServer(steps({output: 'a note\r\n', code: 0}));
    const out = capture();
    const code = await runCheck(command({record: true}), out.io(siteDir));
    assert.equal(code, 0, out.stdout());
    const stepPosts = server.posts.filter((post) => post.block !== 'lone');
    assert.deepEqual(stepPosts, [
      {block: 's1'},
      {block: 's2', environment: {id: 'env-1', token: 'env-token-1'}},
      {block: 's3', environment: {id: 'env-1', token: 'env-token-1'}},
    ]);
    assert.deepEqual(server.posts.find((post) => post.block === 'lone'), {block: 'lone'}, 'a lone block is posted as before');
    assert.deepEqual(server.deletes, [{id: 'env-1', token: 'env-token-1'}]);
    assert.equal(server.environments.size, 0);
    const recorded = JSON.parse(readFileSync(join(siteDir, TRANSCRIPTS_FILE), 'utf8')) as {transcripts: Record<string, {chunks: Array<[number, string]>}>};
    assert.deepEqual(Object.keys(recorded.transcripts).sort(), ['lone', 's1', 's2', 's3']);
    assert.equal(recorded.transcripts.s2!.chunks.map(([, text]) => text).join(''), 'a note\r\n');
  });

  it('a failing step 2 of 3: step 3 is not run, the table says so, the status is 1, and the environment is deleted', async () => {
    server = await startFakeStepsServer(steps({output: 'cat: notes.txt: No such file\r\n', code: 1}));
    const out = capture();
    const junit = join(siteDir, 'check.xml');
    const code = await runCheck(command({junit}), out.io(siteDir));
    assert.equal(code, 1);
    assert.deepEqual(server.posts.map((post) => post.block).sort(), ['lone', 's1', 's2'], 'step 3 never reached the server');
    assert.match(out.stdout(), /^docs\/tour\.md:20 \(tour, step 2 of 3\)\s+shell\s+1\s+\S+ s\s+FAIL exit-code: exit code 1, expected 0$/m);
    assert.match(out.stdout(), /^docs\/tour\.md:30 \(tour, step 3 of 3\)\s+shell\s+-\s+-\s+not run \(step 2 failed\)$/m);
    assert.match(out.stdout(), /^2 passed, 1 failed, 1 not run, 0 skipped/m);
    assert.match(readFileSync(junit, 'utf8'), /name="Step 3 of 3: docs\/tour\.md:30" time="0\.000"><skipped message="not run \(step 2 failed\)"\/>/);
    assert.deepEqual(server.deletes, [{id: 'env-1', token: 'env-token-1'}]);
  });

  it('--filter on a later step runs the steps before it, and only those', async () => {
    server = await startFakeStepsServer(steps({output: 'a note\r\n', code: 0}));
    const out = capture();
    const code = await runCheck(command({filter: 's2', json: true}), out.io(siteDir));
    assert.equal(code, 0);
    assert.deepEqual(server.posts.map((post) => post.block), ['s1', 's2']);
    const report = JSON.parse(out.stdout()) as {blocks: Array<{id: string; step: number; session: {name: string; steps: number}}>};
    assert.deepEqual(report.blocks.map((each) => [each.id, each.step, each.session.name, each.session.steps]), [
      ['s1', 1, 'tour', 3],
      ['s2', 2, 'tour', 3],
    ]);
  });
});
