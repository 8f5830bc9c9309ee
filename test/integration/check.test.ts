/**
 * `docusaurus-sandbox check` (and its `--record` file) on the real engine: the fixture site's failures are each reported with the
 * right reason, `--json` and `--junit` are validated, `--jobs 2` never has more
 * than 2 sessions running on the server, every block of the demo site and of the
 * VitePress demo passes, and the demo's three-step tutorial passes as authored
 * and, with step 2's expect changed, fails naming step 2 with step 3 not run.
 */
import assert from 'node:assert/strict';
import {execFile, spawnSync} from 'node:child_process';
import {cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {before, describe, it} from 'node:test';
import {MANIFEST_FILE, TRANSCRIPTS_FILE, type SandboxBlock, type SandboxManifest, type TranscriptsFile} from '../../config/index.js';
import {runCheck} from '../../server/cli/check.js';
import {buildImages} from '../../server/runtime/images.js';
import {plainText} from '../../server/terminal-text.js';
import {needDocker} from '../helpers/requirements.js';
import {startTestServer, testInstanceId, waitForNoContainers} from '../helpers/server.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const MAIN = join(ROOT, 'server/cli/main.ts');
const FIXTURE = join(ROOT, 'test/fixtures/check-site');

interface JsonReport {
  blocks: Array<{
    id: string;
    source: string;
    line: number;
    env: string;
    exitCode?: number;
    durationMs: number;
    session?: {id: string; name: string; steps: number};
    step?: number;
    verdict: {status: string; reason?: string; message?: string; failedStep?: number};
  }>;
  passed: number;
  failed: number;
  notRun: number;
  skipped: number;
  wallMs: number;
  sumMs: number;
  jobs: number;
}

function cli(args: string[], cwd = ROOT): Promise<{status: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], {encoding: 'utf8', cwd, maxBuffer: 32 * 1024 * 1024}, (error, stdout, stderr) => {
      resolve({status: error ? Number((error as {code?: unknown}).code ?? 1) : 0, stdout, stderr});
    });
  });
}

/** Well-formedness of the JUnit file: one root, every element closed in order, only the five XML entities. */
function assertWellFormedXml(text: string): void {
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/);
  const body = text.replace(/^<\?xml[^>]*\?>/, '');
  assert.doesNotMatch(body, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/, 'no control characters');
  assert.doesNotMatch(body.replace(/&(amp|lt|gt|quot|apos);/g, ''), /&/, 'only XML entities');
  const stack: string[] = [];
  for (const [, closing, name, selfClosing] of body.matchAll(/<(\/?)([A-Za-z][\w-]*)(?:\s+[\w-]+="[^"<]*")*\s*(\/?)>/g)) {
    if (closing) assert.equal(stack.pop(), name, `</${name}> closes the open element`);
    else if (!selfClosing) stack.push(name!);
  }
  assert.deepEqual(stack, []);
  assert.equal(body.replace(/<[^>]*>/g, '').includes('<'), false);
}

describe('check on the fixture site (Docker)', {skip: needDocker()}, () => {
  let dir = '';
  before(async () => {
    await buildImages({envs: ['shell']});
    dir = mkdtempSync(join(tmpdir(), 'sandbox-check-'));
    cpSync(FIXTURE, dir, {recursive: true});
  });

  it('reports each failure with its reason, exits 1, and writes valid --json, --junit and --record output', {timeout: 120_000}, async () => {
    const junit = join(dir, 'report.xml');
    const run = await cli(['check', join(dir, 'build'), '--config', join(dir, 'sandbox.config.json'), '--jobs', '3', '--json', '--junit', junit, '--record']);
    assert.equal(run.status, 1, run.stderr);
    const report = JSON.parse(run.stdout) as JsonReport;
    const byId = new Map(report.blocks.map((block) => [block.id, block]));
    const verdict = (id: string) => byId.get(id)?.verdict;

    for (const id of ['passes', 'regex-passes', 'expected-exit', 'interactive-input', 'terminal-only']) assert.deepEqual(verdict(id), {status: 'pass'}, id);
    assert.equal(byId.get('expected-exit')!.exitCode, 4);
    assert.equal(verdict('output-changed')!.reason, 'expect');
    assert.match(verdict('output-changed')!.message!, /does not contain "version 1\.0"/);
    assert.equal(verdict('exits-non-zero')!.reason, 'exit-code');
    assert.match(verdict('exits-non-zero')!.message!, /exit code 3, expected 0/);
    assert.equal(byId.get('exits-non-zero')!.exitCode, 3);
    assert.equal(verdict('times-out')!.reason, 'timeout');
    assert.equal(
      verdict('times-out')!.message,
      'timed out after 1.5 s without any output: if the program is waiting for input, give it with input="…"',
    );
    assert.ok(byId.get('times-out')!.durationMs < 10_000, 'the block limit ended it, not the runner deadline');
    assert.equal(verdict('bad-env')!.reason, 'error');
    assert.match(verdict('bad-env')!.message!, /^unknown-env: .*cobol/);
    assert.deepEqual(verdict('skipped'), {status: 'skip', reason: 'skip-check'});
    assert.deepEqual([report.passed, report.failed, report.skipped, report.jobs], [5, 4, 1, 3]);
    for (const block of report.blocks) {
      assert.equal(block.source, 'docs/check-fixture.md');
      assert.ok(block.line > 0);
      assert.equal(typeof block.durationMs, 'number');
    }

    const xml = readFileSync(junit, 'utf8');
    assertWellFormedXml(xml);
    assert.match(xml, /<testsuite name="docusaurus-sandbox check" tests="10" failures="4" skipped="1" time="[\d.]+">/);
    assert.equal([...xml.matchAll(/<testcase /g)].length, 10);
    assert.deepEqual(
      [...xml.matchAll(/<failure type="([a-z-]+)"/g)].map((match) => match[1]).sort(),
      ['error', 'exit-code', 'expect', 'timeout'],
    );
    assert.match(xml, /<testcase classname="docs\/check-fixture\.md" name="docs\/check-fixture\.md:27 output-changed" time="[\d.]+">/);
    assert.match(xml, /<skipped message="skip-check"\/>/);

    const transcripts = JSON.parse(readFileSync(join(dir, 'build', TRANSCRIPTS_FILE), 'utf8')) as TranscriptsFile;
    assert.equal(transcripts.version, 1);
    const passes = transcripts.transcripts.passes!;
    assert.ok(Date.parse(passes.recordedAt) > Date.now() - 120_000);
    assert.equal(passes.exitCode, 0);
    assert.match(passes.chunks.map(([, text]) => text).join(''), /check-fixture-ok/);
    assert.equal(transcripts.transcripts.skipped, undefined);
    // Input is typed once the shell waits at its prompt: the recording shows the prompt, then the typed command.
    const typed = plainText(transcripts.transcripts['terminal-only']!.chunks.map(([, text]) => text).join(''));
    assert.match(typed, /\S[$#] echo typed-\$\(\(6\*7\)\)\n+typed-42\n/, typed);
  });

  it('prints a table naming each block by file:line, and --filter selects blocks', {timeout: 60_000}, async () => {
    const lines: string[] = [];
    const code = await runCheck(
      {command: 'check', siteDir: join(dir, 'build'), configFile: join(dir, 'sandbox.config.json'), serverUrl: undefined, jobs: 2, filter: 'pass', json: false, junit: undefined, record: false},
      {stdout: {write: (text: string) => lines.push(text)}, stderr: {write: () => true}, cwd: dir, env: {}},
    );
    assert.equal(code, 0);
    const table = lines.join('');
    assert.match(table, /^block\s+env\s+exit\s+time\s+result$/m);
    assert.match(table, /^docs\/check-fixture\.md:3\s+shell\s+0\s+[\d.]+ s\s+pass$/m);
    assert.match(table, /^docs\/check-fixture\.md:9\s+shell\s+0/m);
    assert.doesNotMatch(table, /:27/);
    assert.match(table, /2 passed, 0 failed, 0 skipped in [\d.]+ s wall \([\d.]+ s of block run time, 2 jobs\)/);
    const failing: string[] = [];
    await runCheck(
      {command: 'check', siteDir: join(dir, 'build'), configFile: join(dir, 'sandbox.config.json'), serverUrl: undefined, jobs: 1, filter: 'exits-non-zero', json: false, junit: undefined, record: false},
      {stdout: {write: (text: string) => failing.push(text)}, stderr: {write: () => true}, cwd: dir, env: {}},
    );
    // A failure shows the last lines of its output under its row.
    assert.match(failing.join(''), /^docs\/check-fixture\.md:\d+\s+shell\s+3\s+[\d.]+ s\s+FAIL exit-code: exit code 3, expected 0\n {4}\| about to fail$/m);
    const none = await cli(['check', join(dir, 'build'), '--config', join(dir, 'sandbox.config.json'), '--filter', 'no-such-block']);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /no block matches --filter/);
    const missing = await cli(['check', join(dir, 'nowhere')]);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no sandbox-manifest\.json in .*nowhere; build the site first/);
  });
});

describe('check --jobs 2 on 40 blocks (Docker)', {skip: needDocker()}, () => {
  it('never has more than 2 sessions running on the server, and reports wall time against the sum of run times', {timeout: 180_000}, async () => {
    await buildImages({envs: ['shell']});
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-check-jobs-'));
    const blocks: SandboxBlock[] = Array.from({length: 40}, (_, index) => ({
      id: `job-${index}`,
      env: 'shell',
      cmd: `sleep 0.3; echo block-${index}-done`,
      files: [],
      options: {editable: false, interactive: false, exit: 0, skipCheck: false, expect: `block-${index}-done`},
      source: 'docs/many.md',
      line: 1 + index * 4,
    }));
    const manifest: SandboxManifest = {version: 1, blocks};
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
    const instanceId = testInstanceId('check-jobs');
    await using served = await startTestServer({
      instanceId,
      manifest,
      config: {server: {maxSessionsPerClient: 10, sessionsPerMinute: 1000, maxSessions: 10}},
    });
    let highest = 0;
    const samples: number[] = [];
    const poll = setInterval(() => {
      highest = Math.max(highest, served.server.activeSessions);
      samples.push(served.server.activeSessions);
    }, 5);
    const lines: string[] = [];
    try {
      const code = await runCheck(
        {command: 'check', siteDir: dir, configFile: undefined, serverUrl: served.url, jobs: 2, filter: undefined, json: false, junit: undefined, record: false},
        {stdout: {write: (text: string) => lines.push(text)}, stderr: {write: () => true}, cwd: dir, env: {}},
      );
      assert.equal(code, 0, lines.join(''));
    } finally {
      clearInterval(poll);
    }
    assert.equal(highest, 2, 'the highest number of sessions running at once on the server');
    assert.ok(samples.filter((count) => count === 2).length > 10, 'two ran together most of the time');
    const summary = /40 passed, 0 failed, 0 skipped in ([\d.]+) s wall \(([\d.]+) s of block run time, 2 jobs\)/.exec(lines.join(''));
    assert.ok(summary, lines.join(''));
    const [wall, sum] = [Number(summary[1]), Number(summary[2])];
    assert.ok(wall < sum * 0.75, `wall ${wall} s against ${sum} s of run time`);
    assert.equal(await waitForNoContainers(instanceId), 0);
  });
});

/** Builds the package and a demo workspace (`site`, `site-vitepress`) unless `build` already holds its manifest. */
function ensureBuilt(build: string, workspace: string): void {
  if (existsSync(join(build, MANIFEST_FILE))) return;
  for (const args of [['run', 'build'], ['run', 'build', '--workspace', workspace]]) {
    const built = spawnSync('npm', args, {cwd: ROOT, encoding: 'utf8', stdio: 'pipe'});
    assert.equal(built.status, 0, `npm ${args.join(' ')} failed: ${built.stderr.slice(-2000)}`);
  }
}

/** The report's failed blocks, each as `source:line reason: message`. */
const failuresOf = (report: JsonReport) =>
  report.blocks.filter((block) => block.verdict.status === 'fail').map((block) => `${block.source}:${block.line} ${block.verdict.reason}: ${block.verdict.message}`);

describe('check on the demo site (Docker)', {skip: needDocker()}, () => {
  const siteBuild = join(ROOT, 'site/build');
  before(async () => {
    ensureBuilt(siteBuild, 'site');
    await buildImages({});
  });

  it('runs every block of the built site and all pass', {timeout: 600_000}, async () => {
    const run = await cli(['check', siteBuild, '--jobs', '2', '--json']);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.deepEqual(failuresOf(report), []);
    assert.equal(run.status, 0, run.stderr);
    assert.ok(report.blocks.length > 0);
    assert.equal(report.passed + report.skipped, report.blocks.length);
  });
});

describe("check on the demo's three-step tutorial (Docker)", {skip: needDocker()}, () => {
  const siteBuild = join(ROOT, 'site/build');
  const FILTER = 'tutorials/three-steps';
  let manifest: SandboxManifest;
  before(async () => {
    assert.ok(existsSync(join(siteBuild, MANIFEST_FILE)), 'the demo site is built (npm run build --workspace site)');
    manifest = JSON.parse(readFileSync(join(siteBuild, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    await buildImages({envs: ['shell']});
  });

  const stepsOf = (report: JsonReport) => report.blocks.filter((block) => block.source.includes(FILTER)).sort((a, b) => (a.step ?? 0) - (b.step ?? 0));

  it('passes as authored, its three steps in order in one environment', {timeout: 120_000}, async () => {
    const run = await cli(['check', siteBuild, '--filter', FILTER, '--json']);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    const steps = stepsOf(JSON.parse(run.stdout) as JsonReport);
    assert.deepEqual(steps.map((step) => [step.step, step.verdict.status]), [[1, 'pass'], [2, 'pass'], [3, 'pass']]);
    assert.ok(steps.every((step) => step.session?.name === 'carry-over' && step.session.steps === 3));
  });

  it("fails naming step 2 when its expect is changed, and reports step 3 as not run", {timeout: 120_000}, async () => {
    // A copy of the build's manifest (check reads nothing else) whose step 2 expects what it never prints.
    const copy = mkdtempSync(join(tmpdir(), 'sandbox-check-steps-'));
    const step2 = manifest.blocks.find((block) => block.source.includes(FILTER) && block.step === 2);
    assert.ok(step2?.options.expect, 'step 2 of the tutorial has an expect');
    const changed: SandboxManifest = {
      ...manifest,
      blocks: manifest.blocks.map((block) => (block === step2 ? {...block, options: {...block.options, expect: 'a line step 2 never prints'}} : block)),
    };
    writeFileSync(join(copy, MANIFEST_FILE), JSON.stringify(changed));

    const json = await cli(['check', copy, '--filter', FILTER, '--json']);
    assert.equal(json.status, 1, json.stderr);
    const report = JSON.parse(json.stdout) as JsonReport;
    const steps = stepsOf(report);
    assert.deepEqual(steps.map((step) => [step.step, step.verdict.status]), [[1, 'pass'], [2, 'fail'], [3, 'not-run']]);
    assert.equal(steps[1]!.verdict.reason, 'expect');
    assert.deepEqual([steps[2]!.verdict.reason, steps[2]!.verdict.failedStep, steps[2]!.verdict.message], ['step-failed', 2, 'not run (step 2 failed)']);
    assert.equal(steps[2]!.durationMs, 0, 'step 3 never started');
    assert.deepEqual([report.failed, report.notRun], [1, 1]);

    // The table a reader of CI sees names the failing step and the one not run.
    const table = await cli(['check', copy, '--filter', FILTER]);
    assert.equal(table.status, 1);
    const text = plainText(table.stdout);
    assert.match(text, /three-steps\.md:\d+ \(carry-over, step 2 of 3\)[^\n]*fail/i);
    assert.match(text, /three-steps\.md:\d+ \(carry-over, step 3 of 3\)[^\n]*not run \(step 2 failed\)/);
    assert.match(text, /1 failed, 1 not run/);
  });
});

describe('check on the VitePress demo (Docker)', {skip: needDocker()}, () => {
  const vitepressBuild = join(ROOT, 'site-vitepress/.vitepress/dist');
  before(async () => {
    ensureBuilt(vitepressBuild, 'site-vitepress');
    await buildImages({});
  });

  it('runs every block of the VitePress build, steps of page sessions included, and all pass', {timeout: 600_000}, async () => {
    const run = await cli(['check', vitepressBuild, '--jobs', '2', '--json', '--config', join(ROOT, 'site/sandbox.config.json')]);
    const report = JSON.parse(run.stdout) as JsonReport;
    assert.deepEqual(failuresOf(report), []);
    assert.equal(run.status, 0, run.stderr);
    const manifest = JSON.parse(readFileSync(join(vitepressBuild, MANIFEST_FILE), 'utf8')) as SandboxManifest;
    assert.equal(report.blocks.length, manifest.blocks.length);
    assert.ok(report.blocks.some((block) => block.source === 'tutorials/containers.md'), 'the ::: sandbox container block ran');
    assert.equal(report.passed + report.skipped, report.blocks.length);
  });
});
