import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {type DoctorReport, formatDoctorReport} from '../doctor.js';

const healthy: DoctorReport = {
  ok: true,
  engine: {reachable: true, version: '20.10.24', runtimes: ['runc', 'runsc']},
  environments: [
    {name: 'shell', image: 'docusaurus-sandbox/shell:1', present: true, probe: {ok: true, missing: [], detail: 'tools sh tar base64 head stty present; seeding works'}},
    {name: 'node', image: 'docusaurus-sandbox/node:1', present: true, runtime: 'runsc', probe: {ok: true, missing: [], detail: 'tools present'}},
  ],
  runtimes: [{name: 'runsc', registered: true, works: true, detail: 'runs docusaurus-sandbox/shell:1'}],
  problems: [],
};

describe('formatDoctorReport', () => {
  it('prints one line per fact and says when all checks passed', () => {
    const text = formatDoctorReport(healthy);
    assert.match(text, /^ok {3}Docker engine 20\.10\.24 \(runtimes: runc, runsc\)$/m);
    assert.match(text, /^ok {3}shell: docusaurus-sandbox\/shell:1: tools sh tar base64 head stty present/m);
    assert.match(text, /^ok {3}node: docusaurus-sandbox\/node:1 \[runtime runsc\]: tools present$/m);
    assert.match(text, /^ok {3}runtime runsc: works \(runs docusaurus-sandbox\/shell:1\)$/m);
    assert.match(text, /All checks passed\./);
  });

  it('marks failures and lists each problem with its fix', () => {
    const report: DoctorReport = {
      ok: false,
      engine: {reachable: true, version: '20.10.24', runtimes: ['runc']},
      environments: [
        {name: 'shell', image: 'docusaurus-sandbox/shell:1', present: false},
        {name: 'alpine', image: 'mine:1', present: true, probe: {ok: false, missing: ['stty'], detail: 'exit code 0; missing stty'}},
        {name: 'gvisor', image: 'mine:1', present: true, runtime: 'runsc'},
      ],
      runtimes: [{name: 'runsc', registered: false, works: false, detail: 'not registered with the engine'}],
      problems: ['shell: image docusaurus-sandbox/shell:1 is missing: run `docusaurus-sandbox images build`', 'alpine: missing stty'],
    };
    const text = formatDoctorReport(report);
    assert.match(text, /^FAIL shell: docusaurus-sandbox\/shell:1 missing$/m);
    assert.match(text, /^FAIL alpine: mine:1: exit code 0; missing stty$/m);
    assert.match(text, /^FAIL gvisor: mine:1 \[runtime runsc\]: runtime not registered$/m);
    assert.match(text, /^FAIL runtime runsc: not registered with the engine$/m);
    assert.match(text, /2 problems:\n {2}- shell: .*images build/);
  });

  it('says so when the engine is unreachable', () => {
    const text = formatDoctorReport({ok: false, engine: {reachable: false, runtimes: [], error: 'connect ENOENT'}, environments: [], runtimes: [], problems: ['engine down']});
    assert.match(text, /^FAIL Docker engine unreachable: connect ENOENT$/m);
    assert.match(text, /1 problem:/);
  });
});
