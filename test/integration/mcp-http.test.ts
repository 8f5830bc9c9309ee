/**
 * The MCP tools over Streamable HTTP at `/mcp` (`server.mcp`), on the real
 * engine, driven by the SDK's own Client: refused without a credential (401,
 * no MCP session), served with the admin token (tools listed, a block run, its
 * session counted under the operator, not the loopback address), `run_code`
 * listed only with `allowInline`, and no container left 10 s after a client
 * walks away mid-session.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {after, before, describe, it} from 'node:test';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {normalizeConfig, type SandboxBlock} from '../../config/index.js';
import {createSandboxServer, type SandboxServer} from '../../server/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {LABELS} from '../../server/runtime/types.js';
import {needDocker} from '../helpers/requirements.js';
import {testInstanceId} from '../helpers/server.js';

const TOKEN = 'mcp-http-test-admin-token-0123456789';

const block = (id: string, cmd: string, interactive = false): SandboxBlock => ({
  id,
  env: 'shell',
  cmd,
  files: [],
  options: {editable: false, interactive, exit: 0, skipCheck: false, timeout: 30_000},
  source: 'docs/mcp.md',
  line: 1,
});
const HELLO = block('hello', 'echo hello-over-http');
const SHELL = block('shell', 'true', true);

interface Started {
  server: SandboxServer;
  url: string;
  adminUrl: string;
  instanceId: string;
}

async function start(allowInline: boolean): Promise<Started> {
  const instanceId = testInstanceId(`mcp-http-${allowInline ? 'inline' : 'blocks'}`);
  const config = normalizeConfig({server: {port: 0, host: '127.0.0.1', mcp: true, allowInline, instanceId}});
  const server = createSandboxServer({config, manifest: {version: 1, blocks: [HELLO, SHELL]}, admin: {port: 0, token: TOKEN}});
  const {url, adminUrl} = await server.listen();
  return {server, url, adminUrl: adminUrl!, instanceId};
}

function containersOf(instanceId: string): string[] {
  const out = execFileSync('docker', ['ps', '-aq', '--filter', `label=${LABELS.instance}=${instanceId}`], {encoding: 'utf8'});
  return out.split('\n').filter(Boolean);
}

async function connect(url: string, token = TOKEN): Promise<{client: Client; transport: StreamableHTTPClientTransport}> {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {requestInit: {headers: {authorization: `Bearer ${token}`}}});
  const client = new Client({name: 'mcp-http-test', version: '1'});
  await client.connect(transport);
  return {client, transport};
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {protocolVersion: '2025-06-18', capabilities: {}, clientInfo: {name: 'raw', version: '1'}},
};

async function postInitialize(url: string, headers: Record<string, string>) {
  return fetch(new URL('/mcp', url), {
    method: 'POST',
    headers: {'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers},
    body: JSON.stringify(initialize),
  });
}

describe('MCP over Streamable HTTP at /mcp (Docker)', {skip: needDocker()}, () => {
  let blocksOnly: Started;
  let inline: Started;

  before(async () => {
    await buildImages({envs: ['shell']});
    blocksOnly = await start(false);
    inline = await start(true);
  });
  after(async () => {
    await blocksOnly?.server.close();
    await inline?.server.close();
  });

  it('refuses a request without a credential or with a wrong one: 401, and no MCP session', async () => {
    const attempts: Array<Record<string, string>> = [{}, {authorization: 'Bearer not-the-token'}, {authorization: 'Basic abc'}];
    for (const headers of attempts) {
      const response = await postInitialize(blocksOnly.url, headers);
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('mcp-session-id'), null);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer');
      const body = (await response.json()) as {error: {code: string}};
      assert.equal(body.error.code, 'unauthorized');
    }
    // A browser page of another origin is refused before its credential is looked at.
    const foreign = await postInitialize(blocksOnly.url, {authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example'});
    assert.equal(foreign.status, 403);
    assert.equal(foreign.headers.get('mcp-session-id'), null);
  });

  it('serves the tools with the admin token: lists them (no run_code without allowInline) and runs a block as the operator', async () => {
    const {client} = await connect(blocksOnly.url);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('run_block') && names.includes('list_blocks') && names.includes('start_session'), names.join(', '));
      assert.ok(!names.includes('run_code'), 'run_code is listed only with allowInline');
      const listed = (await client.callTool({name: 'list_blocks', arguments: {}})).structuredContent as {total: number};
      assert.equal(listed.total, 2);

      const run = await client.callTool({name: 'run_block', arguments: {block: 'hello'}}, undefined, {timeout: 60_000});
      const value = run.structuredContent as {output: string; exitCode: number; reason: string};
      assert.equal(run.isError, undefined);
      assert.equal(value.exitCode, 0);
      assert.equal(value.reason, 'exit');
      assert.match(value.output, /hello-over-http/);

      // The session is counted under the operator, not under the loopback address of the server itself.
      const started = (await client.callTool({name: 'start_session', arguments: {block: 'shell'}})).structuredContent as {sessionId: string};
      const listing = (await (await fetch(new URL('/admin/sessions', blocksOnly.adminUrl), {headers: {authorization: `Bearer ${TOKEN}`}})).json()) as {
        sessions: Array<{id: string; client: string}>;
      };
      const mine = listing.sessions.find((session) => session.id === started.sessionId);
      assert.equal(mine?.client, 'mcp:admin');
      await client.callTool({name: 'stop_session', arguments: {sessionId: started.sessionId}});
    } finally {
      await client.close();
    }
  });

  it('lists run_code when the server allows inline code, and runs it', async () => {
    const {client} = await connect(inline.url);
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      assert.ok(names.includes('run_code'), names.join(', '));
      const run = await client.callTool({name: 'run_code', arguments: {env: 'shell', cmd: 'echo $((6*7))', files: []}}, undefined, {timeout: 60_000});
      assert.match((run.structuredContent as {output: string}).output, /42/);
    } finally {
      await client.close();
    }
  });

  it('leaves no container 10 s after the client walks away mid-session', async () => {
    const {client, transport} = await connect(inline.url);
    const started = (await client.callTool({name: 'start_session', arguments: {block: 'shell'}})).structuredContent as {sessionId: string};
    await client.callTool({name: 'send_input', arguments: {sessionId: started.sessionId, text: 'echo still-here\n'}});
    const read = (await client.callTool({name: 'read_output', arguments: {sessionId: started.sessionId, waitMs: 5000}})).structuredContent as {output: string};
    assert.match(read.output, /still-here/);
    assert.ok(containersOf(inline.instanceId).length > 0, 'the session has a container');
    // Gone without a DELETE: the connections just close, as when the agent's process dies.
    await transport.close();
    const until = Date.now() + 10_000;
    while (containersOf(inline.instanceId).length > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 250));
    assert.deepEqual(containersOf(inline.instanceId), [], 'containers left 10 s after the client went away');
  });
});
