import assert from 'node:assert/strict';
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {after, before, describe, it} from 'node:test';
import {Client} from '@modelcontextprotocol/sdk/client/index.js';
import {StreamableHTTPClientTransport} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {systemClock} from '../../clock.js';
import {BlockCatalog} from '../catalog.js';
import {GONE_GRACE_MS, McpHttpSessions} from '../http-sessions.js';
import {httpOpener} from '../opener.js';
import {createMcpServer} from '../server.js';

/** A plain HTTP server around the registry; the principal is whatever `x-principal` says (auth is the route's job). */
function serve(registry: McpHttpSessions, closed: string[]): Server {
  return createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString();
      const body: unknown = text ? JSON.parse(text) : undefined;
      const principal = String(request.headers['x-principal'] ?? 'anyone');
      const create = () => {
        const mcp = createMcpServer({
          catalog: new BlockCatalog([]),
          // Nothing listens here: these tests never reach a sandbox.
          target: {opener: httpOpener('http://127.0.0.1:9'), defaultTimeoutMs: 1000, jobs: 1, clock: systemClock},
          allowInline: false,
          clock: systemClock,
          log: () => {},
          version: 'test',
        });
        const close = mcp.close;
        return {...mcp, close: () => (closed.push(principal), close())};
      };
      registry.handle(request, response, body, principal, create).then(
        (refusal) => {
          if (refusal) response.writeHead(refusal.status, {'content-type': 'application/json'}).end(JSON.stringify({jsonrpc: '2.0', error: {code: refusal.code, message: refusal.message}, id: null}));
        },
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
  });
}

const until = async (condition: () => boolean) => {
  for (let turn = 0; turn < 200 && !condition(); turn++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'condition not met in time');
};

describe('McpHttpSessions', () => {
  const clock = new ManualClock();
  const closed: string[] = [];
  const registry = new McpHttpSessions({clock, log: () => {}, max: 2});
  let server: Server;
  let url: URL;

  before(async () => {
    server = serve(registry, closed);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });
  after(async () => {
    await registry.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const connect = async (principal: string) => {
    const transport = new StreamableHTTPClientTransport(url, {requestInit: {headers: {'x-principal': principal}}});
    const client = new Client({name: 'test', version: '1'});
    await client.connect(transport);
    return {client, transport};
  };

  it('makes one MCP session per initialize, refuses other first requests and another principal\'s session id', async () => {
    const {client, transport} = await connect('alice');
    assert.equal(registry.size, 1);
    assert.ok((await client.listTools()).tools.length > 0);
    const notInitialize = await fetch(url, {method: 'POST', headers: {'content-type': 'application/json', accept: 'application/json, text/event-stream'}, body: JSON.stringify({jsonrpc: '2.0', id: 1, method: 'tools/list'})});
    assert.equal(notInitialize.status, 400);
    const stolen = await fetch(url, {
      method: 'POST',
      headers: {'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': transport.sessionId!, 'x-principal': 'mallory', 'mcp-protocol-version': '2025-06-18'},
      body: JSON.stringify({jsonrpc: '2.0', id: 2, method: 'tools/list'}),
    });
    assert.equal(stolen.status, 404);
    await transport.terminateSession();
    await until(() => registry.size === 0);
    assert.deepEqual(closed.splice(0), ['alice']);
  });

  it('is bounded: the MCP session over `max` is refused with 503', async () => {
    const first = await connect('a');
    const second = await connect('b');
    await assert.rejects(connect('c'), /503|at most 2 MCP sessions/);
    assert.equal(registry.size, 2);
    await first.transport.terminateSession();
    await second.transport.terminateSession();
    await until(() => registry.size === 0);
    closed.splice(0);
  });

  it('closes the MCP session once its client\'s connections are gone for the grace, not before', async () => {
    const {transport} = await connect('walker');
    // The client's GET event stream is open once initialised.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await transport.close();
    // Let the server see its connections close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(clock.pendingTimers > 0, 'the gone-grace timer runs');
    clock.advance(GONE_GRACE_MS - 1);
    assert.equal(registry.size, 1);
    clock.advance(1);
    assert.equal(registry.size, 0);
    await until(() => closed.includes('walker'));
  });
});
