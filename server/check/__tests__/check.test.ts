import assert from 'node:assert/strict';
import {describe, test} from 'node:test';
import {judge, leaveShells, matchesExpect, scriptedInput, type RunResult} from '../evaluate.js';
import {plainText} from '../../terminal-text.js';
import {formatTable, toJson, toJUnit, toTranscripts} from '../report.js';
import type {CheckReport} from '../run.js';
import {planCheck} from '../plan.js';
import type {SandboxBlock} from '../../../config/block.js';

const options = (extra: Partial<SandboxBlock['options']> = {}): Pick<SandboxBlock, 'options'> => ({
  options: {editable: true, interactive: false, exit: 0, skipCheck: false, ...extra},
});
const ran = (output: string, code = 0, reason: 'exit' | 'timeout' | 'oom' = 'exit'): RunResult => ({output, exit: {code, reason}, durationMs: 5});

describe('evaluate', () => {
  test('plainText removes terminal escapes and CRs', () => {
    assert.equal(plainText('\u001b[1;32mok\u001b[0m\r\nnext\r\n\u001b]0;title\u0007done'), 'ok\nnext\ndone');
  });

  test('expect is a substring or a /regex/', () => {
    assert.equal(matchesExpect('Hello, Ada!', 'Ada'), true);
    assert.equal(matchesExpect('Hello, Ada!', 'Bob'), false);
    assert.equal(matchesExpect('took 12 ms', '/took \\d+ ms/'), true);
    assert.equal(matchesExpect('HELLO', '/hello/i'), true);
    assert.equal(matchesExpect('a/b', '/b'), true, 'without a closing slash it is plain text');
    assert.equal(matchesExpect('b', '/b'), false);
    assert.throws(() => matchesExpect('x', '/(/'), /not a valid regular expression/);
  });

  test('judge names the reason of each failure', () => {
    assert.deepEqual(judge(options(), ran('hi')), {status: 'pass'});
    assert.deepEqual(judge(options({expect: 'hi'}), ran('\u001b[0mhi\r\n')), {status: 'pass'});
    assert.equal(judge(options({skipCheck: true}), ran('x', 1)).status, 'skip');
    assert.deepEqual(judge(options({expect: 'bye'}), ran('hi')), {
      status: 'fail',
      reason: 'expect',
      message: 'the output does not contain "bye"',
    });
    assert.deepEqual(judge(options(), ran('', 3)), {status: 'fail', reason: 'exit-code', message: 'exit code 3, expected 0'});
    assert.deepEqual(judge(options({exit: 3}), ran('', 3)), {status: 'pass'});
    assert.equal(judge(options(), ran('', 124, 'timeout')).status, 'fail');
    assert.equal((judge(options(), ran('', 124, 'timeout')) as {reason: string}).reason, 'timeout');
    assert.equal((judge(options(), ran('', 137, 'oom')) as {reason: string}).reason, 'exit-code');
    assert.deepEqual(judge(options(), {output: '', durationMs: 1, error: {code: 'unknown-env', message: 'no such env'}}), {
      status: 'fail',
      reason: 'error',
      message: 'unknown-env: no such env',
    });
    assert.equal((judge(options(), {output: '', durationMs: 1}) as {reason: string}).reason, 'no-exit');
  });

  test('scripted input ends every line with Enter', () => {
    assert.equal(scriptedInput('Ada'), 'Ada\r');
    assert.equal(scriptedInput('Ada\\n42'), 'Ada\r42\r');
    assert.equal(scriptedInput('one\ntwo\n'), 'one\rtwo\r');
    assert.equal(scriptedInput('a\\tb\\\\'), 'a\tb\\\r');
  });

  test('an interactive block is left with exit after its input; another gets its input as it is', () => {
    assert.equal(leaveShells(options({interactive: true}), 'Ada\r'), 'Ada\rexit\rexit\r');
    assert.equal(leaveShells(options({interactive: true}), undefined), 'exit\rexit\r');
    assert.equal(leaveShells(options(), 'Ada\r'), 'Ada\r');
    assert.equal(leaveShells(options(), undefined), undefined);
  });
});

const sampleReport: CheckReport = {
  blocks: [
    {id: 'a', source: 'docs/a.md', line: 3, env: 'node', exitCode: 0, reason: 'exit', durationMs: 1200, verdict: {status: 'pass'}, outputTail: 'ok'},
    {
      id: 'b',
      source: 'docs/b.md',
      line: 9,
      env: 'python',
      title: 'Fails <badly> & "loudly"',
      exitCode: 3,
      reason: 'exit',
      durationMs: 800,
      verdict: {status: 'fail', reason: 'exit-code', message: 'exit code 3, expected 0'},
      outputTail: 'Traceback \u0007<x>',
    },
    {id: 'c', source: 'docs/c.md', line: 1, env: 'shell', durationMs: 0, verdict: {status: 'skip', reason: 'skip-check'}, outputTail: ''},
  ],
  passed: 1,
  failed: 1,
  skipped: 1,
  notRun: 0,
  wallMs: 1500,
  sumMs: 2000,
  maxInFlight: 2,
  jobs: 2,
};

describe('report', () => {
  test('the table names each block by file:line and sums up', () => {
    const table = formatTable(sampleReport);
    assert.match(table, /^docs\/a\.md:3\s+node\s+0\s+1\.2 s\s+pass$/m);
    assert.match(table, /^docs\/b\.md:9\s+python\s+3\s+0\.8 s\s+FAIL exit-code: exit code 3, expected 0$/m);
    assert.match(table, /^docs\/c\.md:1\s+shell\s+-\s+-\s+skipped \(skip-check\)$/m);
    assert.match(table, /1 passed, 1 failed, 1 skipped in 1\.5 s wall \(2\.0 s of block run time, 2 jobs\)/);
  });

  test('JSON round-trips and leaves transcripts out', () => {
    const withTranscript = {...sampleReport, blocks: [{...sampleReport.blocks[0]!, transcript: [{at: 0, data: 'x'}]}]};
    const parsed = JSON.parse(toJson(withTranscript));
    assert.equal(parsed.blocks[0].transcript, undefined);
    assert.equal(parsed.blocks[0].source, 'docs/a.md');
    assert.equal(JSON.parse(toJson(sampleReport)).failed, 1);
  });

  test('JUnit XML is well formed and escaped', () => {
    const xml = toJUnit(sampleReport);
    assert.match(xml, /<testsuite name="docusaurus-sandbox check" tests="3" failures="1" skipped="1" time="1\.500">/);
    assert.match(xml, /name="docs\/b\.md:9 Fails &lt;badly&gt; &amp; &quot;loudly&quot;"/);
    assert.match(xml, /<failure type="exit-code" message="exit code 3, expected 0">Traceback &lt;x&gt;<\/failure>/);
    assert.match(xml, /<skipped message="skip-check"\/>/);
    assert.doesNotMatch(xml, /\u0007/);
    // Balanced testcase elements.
    assert.equal(xml.match(/<testcase /g)!.length, xml.match(/<\/testcase>/g)!.length);
  });

  test('filter selects by id, source or title', () => {
    const blocks = [
      {id: 'abc', source: 'docs/x.md', title: 'Hello'},
      {id: 'def', source: 'docs/y.md'},
    ] as SandboxBlock[];
    const ids = (filter: string | undefined) => planCheck({blocks}, filter).map((unit) => (unit.kind === 'block' ? unit.block.id : unit.session.id));
    assert.deepEqual(ids('y.md'), ['def']);
    assert.deepEqual(ids('Hell'), ['abc']);
    assert.deepEqual(ids(undefined), ['abc', 'def']);
  });
});

test('transcripts keep the rhythm with capped delays', () => {
  const report: CheckReport = {
    ...sampleReport,
    blocks: [
      {...sampleReport.blocks[0]!, transcript: [{at: 0, data: 'a'}, {at: 200, data: 'b'}, {at: 9200, data: 'c'}]},
      sampleReport.blocks[2]!,
    ],
  };
  const file = toTranscripts(report, new Date('2026-11-26T12:00:00Z'));
  assert.deepEqual(file, {
    version: 1,
    transcripts: {a: {recordedAt: '2026-11-26T12:00:00.000Z', exitCode: 0, chunks: [[0, 'a'], [200, 'b'], [1000, 'c']]}},
  });
});
