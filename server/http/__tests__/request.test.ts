import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig, type SandboxBlock} from '../../../config/index.js';
import {SandboxError} from '../../errors.js';
import {originAllowed} from '../origin.js';
import {earlierSteps, resolveSessionRequest, stepSpecOf} from '../request.js';
import {findToken, offeredProtocols, selectProtocol} from '../upgrade.js';

const block = (id: string, editable: boolean): SandboxBlock => ({
  id,
  env: 'python',
  cmd: 'python3 main.py',
  files: [
    {path: 'main.py', content: 'print(1)', hidden: false, readonly: false, lang: 'python'},
    {path: 'lib/data.txt', content: 'x', hidden: false, readonly: true, lang: 'text'},
  ],
  options: {editable, interactive: false, timeout: 5_000, exit: 0, skipCheck: false},
  source: 'docs/a.md',
  line: 3,
});
const blocks = new Map([
  ['b1', block('b1', true)],
  ['b2', block('b2', false)],
]);
const config = normalizeConfig({server: {allowInline: true}, limits: {maxSeedBytes: 100, maxFiles: 3}});
const strict = normalizeConfig({});
const resolve = (body: unknown, cfg = config) => resolveSessionRequest(body, {config: cfg, blocks, client: '1.2.3.4'});

function code(body: unknown, cfg = config): string {
  try {
    resolve(body, cfg);
  } catch (error) {
    assert.ok(error instanceof SandboxError, String(error));
    return error.code;
  }
  return 'accepted';
}

describe('resolveSessionRequest', () => {
  it('runs a manifest block with its command, files and timeout', () => {
    const request = resolve({block: 'b1', cols: 100, rows: 30});
    assert.equal(request.spec.cmd, 'python3 main.py');
    assert.equal(request.spec.envName, 'python');
    assert.deepEqual(request.spec.files.map((file) => file.path), ['main.py', 'lib/data.txt']);
    assert.equal(request.timeouts.run, 5_000);
    assert.deepEqual([request.spec.cols, request.spec.rows], [100, 30]);
    assert.equal(request.client, '1.2.3.4');
  });

  it('applies a reader edit to an editable block only, for its own writable files', () => {
    const request = resolve({block: 'b1', files: [{path: 'main.py', content: 'print(2)'}]});
    assert.equal(request.spec.files[0]!.content, 'print(2)');
    assert.equal(code({block: 'b2', files: [{path: 'main.py', content: ''}]}), 'not-editable');
    assert.equal(code({block: 'b1', files: [{path: 'lib/data.txt', content: ''}]}), 'not-editable');
    assert.equal(code({block: 'b1', files: [{path: 'other.py', content: ''}]}), 'bad-path');
    assert.equal(code({block: 'b1', files: [{path: '../main.py', content: ''}]}), 'bad-path');
  });

  it('refuses what a block request may not carry', () => {
    assert.equal(code({block: 'nope'}), 'unknown-block');
    assert.equal(code({block: 'b1', cmd: 'rm -rf /'}), 'bad-request');
    assert.equal(code({block: 7}), 'bad-request');
    assert.equal(code({block: 'b1', extra: 1}), 'bad-request');
    assert.equal(code([]), 'bad-request');
    assert.equal(code(null), 'bad-request');
  });

  it('accepts inline sessions only when allowed', () => {
    assert.equal(code({env: 'node', cmd: 'node -v'}, strict), 'inline-disabled');
    const request = resolve({env: 'node', files: [{path: 'index.js', content: '1'}], cmd: 'node index.js'});
    assert.equal(request.spec.envName, 'node');
    assert.equal(resolve({}).spec.cmd, config.environments.shell!.cmd, 'default env and command');
  });

  it('checks inline envs, commands, paths, counts and sizes', () => {
    assert.equal(code({env: 'cobol'}), 'unknown-env');
    assert.equal(code({env: '__proto__'}), 'unknown-env');
    assert.equal(code({cmd: ''}), 'bad-request');
    assert.equal(code({cmd: 'x'.repeat(5000)}), 'bad-request');
    assert.equal(code({files: [{path: '/etc/passwd', content: ''}]}), 'bad-path');
    assert.equal(code({files: [{path: 'a', content: ''}, {path: 'a', content: ''}]}), 'bad-path');
    assert.equal(code({files: [{path: 'a'}]}), 'bad-request');
    assert.equal(code({files: 'a'}), 'bad-request');
    const four = ['a', 'b', 'c', 'd'].map((path) => ({path, content: ''}));
    assert.equal(code({files: four}), 'too-many-files');
    assert.equal(code({files: [{path: 'a', content: 'x'.repeat(101)}]}), 'too-large');
    assert.equal(code({cols: 'wide'}), 'bad-request');
  });

  it('clamps the terminal size', () => {
    const request = resolve({cols: 1, rows: 100_000});
    assert.deepEqual([request.spec.cols, request.spec.rows], [10, 200]);
  });
});

describe('steps of a page session', () => {
  const stepBlock = (id: string, step: number, cmd: string): SandboxBlock => ({
    ...block(id, true),
    env: 'shell',
    cmd,
    files: [{path: 'main.sh', content: `echo ${id}`, hidden: false, readonly: false, lang: 'bash'}],
    session: 'ps-a',
    step,
  });
  const steps = new Map([
    ['s3', stepBlock('s3', 3, 'sh main.sh')],
    ['s1', stepBlock('s1', 1, 'sh main.sh')],
    ['s2', stepBlock('s2', 2, 'node x.js')],
    ['b1', block('b1', true)],
  ]);
  const context = {config, blocks: steps, client: '1.2.3.4'};

  it('carries the step target: its session, position, environment and catch-up', () => {
    assert.deepEqual(resolveSessionRequest({block: 's2'}, context).step, {session: 'ps-a', step: 2, block: 's2', catchUp: false});
    assert.deepEqual(resolveSessionRequest({block: 's2', environment: {id: 'env-1', token: 't'}}, context).step?.environment, {id: 'env-1', token: 't'});
    assert.equal(resolveSessionRequest({block: 's3', catchUp: true}, context).step?.catchUp, true);
    assert.equal(resolveSessionRequest({block: 'b1'}, context).step, undefined);
  });

  it('refuses an environment or catch-up where they mean nothing, and malformed ones', () => {
    const refused = (body: unknown) => {
      try {
        resolveSessionRequest(body, context);
      } catch (error) {
        return (error as SandboxError).code;
      }
      return 'accepted';
    };
    assert.equal(refused({block: 'b1', environment: {id: 'env-1', token: 't'}}), 'bad-request');
    assert.equal(refused({block: 'b1', catchUp: true}), 'bad-request');
    assert.equal(refused({env: 'shell', cmd: 'true', catchUp: true}), 'bad-request');
    assert.equal(refused({block: 's2', environment: 'env-1'}), 'bad-request');
    assert.equal(refused({block: 's2', environment: {id: '', token: 't'}}), 'bad-request');
    assert.equal(refused({block: 's2', environment: {id: 'x'.repeat(201), token: 't'}}), 'bad-request');
    assert.equal(refused({block: 's2', catchUp: 'yes'}), 'bad-request');
    assert.equal(refused({block: 's3', catchUp: true, environment: {id: 'env-1', token: 't'}}), 'bad-request');
  });

  it('catch-up runs the earlier steps as authored, in order, a shell script read by the step\'s shell', () => {
    const target = resolveSessionRequest({block: 's3', catchUp: true, files: [{path: 'main.sh', content: 'edited'}]}, context);
    const earlier = earlierSteps(target.step!, context);
    assert.deepEqual(earlier.map((item) => [item.step, item.block, item.spec.cmd, item.spec.files[0]!.content]), [
      [1, 's1', '. /workspace/main.sh', 'echo s1'],
      [2, 's2', 'node x.js', 'echo s2'],
    ]);
    const own = stepSpecOf(target, target.step!);
    assert.equal(own.spec.cmd, '. /workspace/main.sh');
    assert.equal(own.spec.files[0]!.content, 'edited', 'the step itself runs with the reader\'s edits');
  });
});

describe('originAllowed', () => {
  const request = {host: 'docs.example:3000', secure: false};
  it('allows the origin the server is reached at by default', () => {
    assert.equal(originAllowed('http://docs.example:3000', request, {origins: [], allowNoOrigin: false}), true);
    assert.equal(originAllowed('https://docs.example:3000', request, {origins: [], allowNoOrigin: false}), false);
    assert.equal(originAllowed('http://evil.example', request, {origins: [], allowNoOrigin: false}), false);
  });
  it('uses the configured list, exactly', () => {
    const policy = {origins: ['https://a.example'], allowNoOrigin: false};
    assert.equal(originAllowed('https://a.example', request, policy), true);
    assert.equal(originAllowed('https://a.example.evil', request, policy), false);
    assert.equal(originAllowed('http://docs.example:3000', request, policy), false);
  });
  it('refuses a missing origin unless allowed', () => {
    assert.equal(originAllowed(undefined, request, {origins: [], allowNoOrigin: false}), false);
    assert.equal(originAllowed(undefined, request, {origins: [], allowNoOrigin: true}), true);
  });
});

describe('upgrade helpers', () => {
  it('finds the token in the subprotocols first, then the query', () => {
    const protocols = offeredProtocols('sandbox.v1, sandbox.token.abc');
    assert.deepEqual(protocols, ['sandbox.v1', 'sandbox.token.abc']);
    assert.equal(findToken(protocols, new URLSearchParams('token=q')), 'abc');
    assert.equal(findToken(['sandbox.v1'], new URLSearchParams('token=q')), 'q');
    assert.equal(findToken(['sandbox.v1'], new URLSearchParams('')), undefined);
  });
  it('selects sandbox.v1 and never echoes the token', () => {
    assert.equal(selectProtocol(new Set(['sandbox.token.abc', 'sandbox.v1'])), 'sandbox.v1');
    assert.equal(selectProtocol(new Set(['sandbox.token.abc'])), false);
  });
});
