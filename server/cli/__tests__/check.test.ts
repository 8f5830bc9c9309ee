import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {checkServerConfig, progressLine} from '../check.js';
import {formatSessions} from '../sessions.js';

describe('check command helpers', () => {
  it('draws a progress bar naming the last block', () => {
    const last = {id: 'a', source: 'docs/a.md', line: 12, env: 'shell', durationMs: 5, verdict: {status: 'pass' as const}, outputTail: ''};
    assert.equal(progressLine(6, 24, last), `[${'#'.repeat(6)}${'-'.repeat(18)}] 6/24 docs/a.md:12 pass`);
    const failed = {...last, verdict: {status: 'fail' as const, reason: 'expect' as const, message: 'm'}};
    assert.equal(progressLine(24, 24, failed), `[${'#'.repeat(24)}] 24/24 docs/a.md:12 FAIL`);
    const notRun = {...last, session: {id: 't', name: 'tour', steps: 3}, step: 3, verdict: {status: 'not-run' as const, reason: 'step-failed' as const, failedStep: 2, message: 'not run (step 2 failed)'}};
    assert.equal(progressLine(24, 24, notRun), `[${'#'.repeat(24)}] 24/24 docs/a.md:12 step 3/3 not run`);
  });

  it('runs the in-process server on loopback, own origin only, with room for every job', () => {
    const base = normalizeConfig({server: {allowInline: true, allowNoOrigin: true, origins: ['https://docs.example'], maxSessions: 2, maxSessionsPerClient: 1}});
    const {server} = checkServerConfig(base, 8);
    assert.deepEqual(
      [server.port, server.host, server.allowInline, server.allowNoOrigin, server.origins, server.maxSessions, server.maxSessionsPerClient],
      [0, '127.0.0.1', false, false, [], 8, 8],
    );
    assert.ok(server.sessionsPerMinute >= 1_000_000);
    assert.match(server.instanceId ?? '', /^check-\d+-/);
  });

  it('lists sessions as a table', () => {
    assert.equal(formatSessions([]), 'no running sessions');
    const table = formatSessions([
      {id: 'abc', env: 'shell', client: '127.0.0.1', state: 'running', createdAt: '2026-01-01T00:00:00.000Z', ageMs: 4200, connected: true, outputBytes: 12},
    ]);
    assert.equal(table, 'id   env    state    client     age  connected  output\nabc  shell  running  127.0.0.1  4 s  yes        12 B');
  });
});
