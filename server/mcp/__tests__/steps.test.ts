/**
 * The MCP tools over a page session, against a scripted server that speaks
 * the environment contract (no Docker): list_blocks names each step's session
 * and position, check_blocks runs the steps as `check` does, run_block of a
 * later step asks for a catch-up and removes the environment it made.
 */
import {stepBlock} from '../../../test/helpers/blocks.js';
import assert from 'node:assert/strict';
import {after, before, beforeEach, describe, it} from 'node:test';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {InMemoryTransport} from '@modelcontextprotocol/sdk/inMemory.js';
import type {SandboxBlock} from '../../../config/block.js';
import {startFakeStepsServer, type FakeStepsServer} from '../../../test/helpers/fake-steps-server.js';
import {systemClock} from '../../clock.js';
import {BlockCatalog} from '../catalog.js';
import {httpOpener} from '../opener.js';
import {createMcpServer, type SandboxMcpServer} from '../server.js';

const step = (id: string, position: number): SandboxBlock => stepBlock(id, 'tour-1', position);
const blocks = [step('s1', 1), step('s2', 2), step('s3', 3)];

describe('MCP tools over a page session', () => {
  let sandbox: FakeStepsServer;
  let client: Client;
  let server: SandboxMcpServer;
  before(async () => {
    sandbox = await startFakeStepsServer({
      s1: {output: 'one\r\n', code: 0, session: 'tour-1', step: 1},
      s2: {output: 'two\r\n', code: 2, session: 'tour-1', step: 2},
      s3: {output: 'three\r\n', code: 0, session: 'tour-1', step: 3},
    });
    server = createMcpServer({
      catalog: new BlockCatalog(blocks, new Map(), [{id: 'tour-1', name: 'tour', source: 'docs/tour.md', env: 'shell', blocks: ['s1', 's2', 's3']}]),
      target: {opener: httpOpener(sandbox.url), defaultTimeoutMs: 5000, jobs: 2, clock: systemClock},
      allowInline: false,
      clock: systemClock,
      log: () => {},
      version: 'test',
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({name: 'test', version: '1'});
    await client.connect(clientSide);
  });
  after(async () => {
    await client.close();
    await server.close();
    await sandbox[Symbol.asyncDispose]();
  });
  beforeEach(() => {
    sandbox.posts.length = 0;
    sandbox.deletes.length = 0;
  });

  it('list_blocks gives each step its session and step', async () => {
    const listed = (await client.callTool({name: 'list_blocks', arguments: {}})).structuredContent as {blocks: Array<{id: string; session: string; step: number}>};
    assert.deepEqual(listed.blocks.map((each) => [each.id, each.session, each.step]), [
      ['s1', 'tour-1', 1],
      ['s2', 'tour-1', 2],
      ['s3', 'tour-1', 3],
    ]);
  });

  it('check_blocks runs the steps in order in one environment, stops after the failed one, and deletes the environment', async () => {
    const checked = await client.callTool({name: 'check_blocks', arguments: {}});
    assert.equal(checked.isError, true);
    const report = checked.structuredContent as {failed: number; notRun: number; blocks: Array<{id: string; step: number; session: {name: string}; verdict: {status: string; message?: string}}>};
    assert.deepEqual(report.blocks.map((each) => [each.id, each.step, each.session.name, each.verdict.status]), [
      ['s1', 1, 'tour', 'pass'],
      ['s2', 2, 'tour', 'fail'],
      ['s3', 3, 'tour', 'not-run'],
    ]);
    assert.equal(report.blocks[2]!.verdict.message, 'not run (step 2 failed)');
    assert.deepEqual([report.failed, report.notRun], [1, 1]);
    assert.deepEqual(sandbox.posts, [{block: 's1'}, {block: 's2', environment: {id: 'env-1', token: 'env-token-1'}}]);
    assert.deepEqual(sandbox.deletes, [{id: 'env-1', token: 'env-token-1'}]);
  });

  it('run_block of a later step runs it after a catch-up of the earlier ones, and removes that environment', async () => {
    const ran = await client.callTool({name: 'run_block', arguments: {block: 's3'}});
    assert.equal(ran.isError, undefined);
    assert.match((ran.structuredContent as {output: string}).output, /three/);
    assert.deepEqual(sandbox.posts, [{block: 's3', catchUp: true}]);
    assert.equal(sandbox.deletes.length, 1);
    assert.equal(sandbox.environments.size, 0);
  });

  it('run_block of step 1 needs no catch-up', async () => {
    await client.callTool({name: 'run_block', arguments: {block: 's1'}});
    assert.deepEqual(sandbox.posts, [{block: 's1'}]);
    assert.equal(sandbox.deletes.length, 1);
  });
});
