import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {formatSeconds, outputTailLines, timeoutMessage, trailingPrompt} from '../explain.js';
import {judge} from '../evaluate.js';
import {formatTable} from '../report.js';
import type {CheckReport} from '../run.js';

describe('timeout explanations', () => {
  const facts = {limitMs: 30_000, hasInput: false};

  it('a prompt left on the last line with the program silent since: waiting for input, give input=', () => {
    assert.equal(
      timeoutMessage({...facts, output: '\u001b[0mYour name? ', silentForMs: 29_800}),
      'timed out after 30 s while the program was waiting for input at "Your name? ": give it with input="…"',
    );
  });

  it('with input= given: it waited for more than input= gives', () => {
    assert.equal(
      timeoutMessage({...facts, hasInput: true, output: 'Your name? Ada\r\nGuess (1-10): ', silentForMs: 25_000}),
      'timed out after 30 s while the program was waiting for more input than input= gives, at "Guess (1-10): ": add the missing lines to input="…"',
    );
  });

  it('silence without a prompt only suggests input (a bare read, or a long sleep)', () => {
    assert.equal(
      timeoutMessage({...facts, limitMs: 1500, output: '\u001b[?2004h', silentForMs: 1900}),
      'timed out after 1.5 s without any output: if the program is waiting for input, give it with input="…"',
    );
    assert.equal(
      timeoutMessage({...facts, output: 'started\r\n', silentForMs: 31_200}),
      'timed out after 30 s with no output for the last 30 s: if the program is waiting for input, give it with input="…"',
      'never longer than the limit',
    );
    assert.equal(
      timeoutMessage({...facts, hasInput: true, output: 'done one\r\n', silentForMs: 12_000}),
      'timed out after 30 s with no output for the last 12 s: if the program waits for more input, add the missing lines to input="…"',
    );
  });

  it('a program still printing at the end simply ran too long', () => {
    const message = 'timed out after 30 s: the block ran past its time limit; raise timeout= if it needs longer';
    assert.equal(timeoutMessage({...facts, output: 'Your name? ', silentForMs: 300}), message, 'a prompt it just printed is no proof');
    assert.equal(timeoutMessage({...facts, output: 'tick\r\n', silentForMs: undefined}), message);
  });

  it('judge uses the limit the server applied, else the block`s own', () => {
    const block = {options: {editable: true, interactive: false, exit: 0, skipCheck: false}};
    const run = {output: 'Your name? ', exit: {code: 124, reason: 'timeout' as const}, durationMs: 5000, silentForMs: 4900};
    assert.deepEqual(judge(block, run, {limitMs: 5000}), {
      status: 'fail',
      reason: 'timeout',
      message: 'timed out after 5 s while the program was waiting for input at "Your name? ": give it with input="…"',
    });
    assert.match((judge({options: {...block.options, timeout: 8000}}, run) as {message: string}).message, /^timed out after 8 s while/);
  });

  it('a prompt is the unfinished last line; a long one is cut from the start', () => {
    assert.equal(trailingPrompt('line\r\n$ '), '$ ');
    assert.equal(trailingPrompt('line\r\n'), undefined);
    assert.equal(trailingPrompt('line\r\n   '), undefined);
    assert.equal(trailingPrompt(`${'x'.repeat(100)}?`), `…${'x'.repeat(59)}?`);
    assert.equal(formatSeconds(2000), '2 s');
    assert.equal(formatSeconds(2500), '2.5 s');
  });
});

describe('output tail in the table', () => {
  it('keeps the last non-empty lines, readable and bounded in width', () => {
    const output = 'one\r\ntwo\r\n\r\n\u001b[31mthree\u001b[0m\u0007\r\nfour\r\nfive\r\nsix   \r\n';
    assert.deepEqual(outputTailLines(output), ['two', 'three', 'four', 'five', 'six']);
    assert.deepEqual(outputTailLines('y'.repeat(200), 5, 10), [`${'y'.repeat(9)}…`]);
    assert.deepEqual(outputTailLines(''), []);
  });

  it('prints the tail under a failed block only', () => {
    const report: CheckReport = {
      blocks: [
        {id: 'a', source: 'docs/a.md', line: 3, env: 'shell', exitCode: 0, reason: 'exit', durationMs: 100, verdict: {status: 'pass'}, outputTail: 'fine\r\n'},
        {
          id: 'b',
          source: 'docs/b.md',
          line: 7,
          env: 'python',
          exitCode: 124,
          reason: 'timeout',
          durationMs: 30_100,
          verdict: {status: 'fail', reason: 'timeout', message: 'timed out after 30 s while the program was waiting for input at "Your name? ": give it with input="…"'},
          outputTail: '\u001b[?2004hWelcome\r\nYour name? ',
        },
      ],
      passed: 1,
      failed: 1,
      skipped: 0,
      notRun: 0,
      wallMs: 30_200,
      sumMs: 30_200,
      maxInFlight: 2,
      jobs: 2,
    };
    assert.equal(
      formatTable(report),
      [
        'block        env     exit  time    result',
        'docs/a.md:3  shell   0     0.1 s   pass',
        'docs/b.md:7  python  124   30.1 s  FAIL timeout: timed out after 30 s while the program was waiting for input at "Your name? ": give it with input="…"',
        '    | Welcome',
        '    | Your name?',
        '',
        '1 passed, 1 failed, 0 skipped in 30.2 s wall (30.2 s of block run time, 2 jobs)',
      ].join('\n'),
    );
  });
});
