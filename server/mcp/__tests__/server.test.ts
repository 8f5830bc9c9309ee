import assert from 'node:assert/strict';
import {after, before, describe, it} from 'node:test';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {InMemoryTransport} from '@modelcontextprotocol/sdk/inMemory.js';
import {McpError} from '@modelcontextprotocol/sdk/types.js';
import type {SandboxBlock} from '../../../config/block.js';
import {systemClock} from '../../clock.js';
import {BlockCatalog} from '../catalog.js';
import {httpOpener} from '../opener.js';
import {createMcpServer, type SandboxMcpServer} from '../server.js';

const blocks: SandboxBlock[] = [
  {
    id: 'b1',
    env: 'node',
    cmd: 'node index.js',
    title: 'Hello',
    files: [{path: 'index.js', content: 'console.log("hi")', hidden: false, readonly: false, lang: 'js'}],
    options: {editable: false, interactive: false, exit: 0, skipCheck: false, expect: 'hi'},
    source: 'docs/intro.md',
    line: 5,
  },
];

async function connect(allowInline: boolean): Promise<{client: Client; server: SandboxMcpServer}> {
  const server = createMcpServer({
    catalog: new BlockCatalog(blocks, new Map([['b1', '/docs/intro']])),
    // Nothing listens here: these tests never reach a sandbox.
    target: {opener: httpOpener('http://127.0.0.1:9'), defaultTimeoutMs: 1000, jobs: 1, clock: systemClock},
    allowInline,
    clock: systemClock,
    log: () => {},
    version: 'test',
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({name: 'test', version: '1'});
  await client.connect(clientSide);
  return {client, server};
}

const toolError = async (promise: Promise<unknown>, pattern: RegExp) => {
  await assert.rejects(promise, (error: unknown) => error instanceof McpError && error.code === -32602 && pattern.test(error.message));
};

describe('MCP server without a sandbox', () => {
  let client: Client;
  let server: SandboxMcpServer;
  before(async () => ({client, server} = await connect(false)));
  after(async () => {
    await client.close();
    await server.close();
  });

  it('lists the tools, run_code only with inline runs', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.deepEqual(names, ['list_blocks', 'get_block', 'run_block', 'check_blocks', 'start_session', 'send_input', 'read_output', 'stop_session']);
    const inline = await connect(true);
    assert.ok((await inline.client.listTools()).tools.some((tool) => tool.name === 'run_code'));
    await inline.client.close();
    await inline.server.close();
  });

  it('lists and gets blocks', async () => {
    const listed = await client.callTool({name: 'list_blocks', arguments: {query: 'hello'}});
    assert.equal(listed.isError, undefined);
    assert.deepEqual(listed.structuredContent, {
      total: 1,
      blocks: [{id: 'b1', pageUrl: '/docs/intro', source: 'docs/intro.md', line: 5, title: 'Hello', env: 'node', files: ['index.js'], interactive: false, editable: false, expect: 'hi', exit: 0, resource: 'sandbox://block/b1'}],
    });
    const got = (await client.callTool({name: 'get_block', arguments: {block: 'b1'}})).structuredContent as {cmd: string; files: Array<{content: string}>};
    assert.equal(got.cmd, 'node index.js');
    assert.equal(got.files[0]!.content, 'console.log("hi")');
  });

  it('serves each block as a resource', async () => {
    const {resources} = await client.listResources();
    assert.deepEqual(resources.map((resource) => resource.uri), ['sandbox://block/b1']);
    const read = await client.readResource({uri: 'sandbox://block/b1'});
    const content = read.contents[0]!;
    assert.ok('text' in content);
    assert.match(content.text, /# cmd: node index.js\n--- index.js\nconsole.log\("hi"\)\n/);
    await toolError(client.readResource({uri: 'sandbox://block/nope'}), /no such resource/);
  });

  it('answers bad arguments with an MCP error that names them', async () => {
    await toolError(client.callTool({name: 'get_block', arguments: {}}), /invalid arguments for get_block: block: /);
    await toolError(client.callTool({name: 'list_blocks', arguments: {colour: 'red'}}), /Unrecognized key/);
    await toolError(client.callTool({name: 'get_block', arguments: {block: 'zzz'}}), /no block "zzz"/);
    await toolError(client.callTool({name: 'run_block', arguments: {block: 'b1', files: [{path: 'index.js', content: ''}]}}), /not editable/);
    await toolError(client.callTool({name: 'start_session', arguments: {block: 'b1', env: 'node'}}), /exactly one of block and env/);
    await toolError(client.callTool({name: 'read_output', arguments: {sessionId: 'nope'}}), /no session "nope"/);
    await toolError(client.callTool({name: 'run_code', arguments: {env: 'node', files: [], cmd: 'true'}}), /unknown tool "run_code"/);
  });

  it('reports an unreachable sandbox server as a failed result, not an error', async () => {
    const run = await client.callTool({name: 'run_block', arguments: {block: 'b1'}});
    assert.equal(run.isError, true);
    assert.equal((run.structuredContent as {error: {code: string}}).error.code, 'unreachable');
  });
});
