/**
 * The MCP server: tools and `sandbox://block/<id>` resources over one
 * transport. Built on the SDK's low-level `Server` on purpose: its high-level
 * `McpServer` turns every thrown error, bad arguments included, into an
 * `isError` result, while the contract here is that bad arguments are protocol
 * errors (InvalidParams) and only a program's failure is an `isError` result.
 */
import {Server} from '@modelcontextprotocol/sdk/server/index.js';
import type {Transport} from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type {Clock} from '../clock.js';
import type {LogFunction} from '../log.js';
import {blockIdOfUri, blockResourceUri, type BlockCatalog} from './catalog.js';
import type {LiveSession} from './live-session.js';
import {LiveSessions, UnknownSessionError} from './live-sessions.js';
import {RunRefusedError, type SandboxTarget} from './runs.js';
import {isToolName, ToolArgumentError, toolDefinitions} from './tool-arguments.js';
import {callTool, type ToolContext} from './tools.js';

export interface McpServerOptions {
  catalog: BlockCatalog;
  target: SandboxTarget;
  /** List `run_code` and allow sessions of an environment (the sandbox server must allow inline runs too). */
  allowInline: boolean;
  clock: Clock;
  log: LogFunction;
  version: string;
}

export interface SandboxMcpServer extends AsyncDisposable {
  readonly server: Server;
  /** Serves one client over `transport`; resolves once connected. */
  connect(transport: Transport): Promise<void>;
  /** Ends the interactive sessions and the connection. Idempotent. */
  close(): Promise<void>;
}

/** The source of a block as an agent reads it: its command, then each file under its path. */
export function blockSourceText(block: {cmd: string; env: string; files: Array<{path: string; content: string}>}): string {
  const files = block.files.map((file) => `--- ${file.path}\n${file.content.endsWith('\n') || file.content === '' ? file.content : `${file.content}\n`}`);
  return [`# env: ${block.env}`, `# cmd: ${block.cmd}`, ...files].join('\n');
}

export function createMcpServer(options: McpServerOptions): SandboxMcpServer {
  const {catalog} = options;
  const sessions = new LiveSessions({opener: options.target.opener, clock: options.clock});
  // One-shot runs end with the client too, not only its interactive sessions.
  const target = {...options.target, hold: (run: LiveSession) => sessions.hold(run)};
  const context: ToolContext = {catalog, target, sessions, allowInline: options.allowInline};
  const server = new Server(
    {name: 'docusaurus-sandbox', version: options.version},
    {
      capabilities: {tools: {}, resources: {}},
      instructions:
        "Runnable examples of this documentation site. list_blocks finds them, get_block shows one, run_block runs it (with your edits), check_blocks verifies them all; each run is a fresh, isolated, network-less sandbox with the site's limits.",
    },
  );

  server.setRequestHandler(ListToolsRequestSchema, () => ({tools: toolDefinitions({allowInline: options.allowInline})}));

  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const {name} = request.params;
    if (!isToolName(name) || (name === 'run_code' && !options.allowInline)) {
      throw new McpError(ErrorCode.InvalidParams, `unknown tool "${name.slice(0, 64)}"; tools/list names the tools of this server`);
    }
    try {
      return await callTool(context, name, request.params.arguments);
    } catch (error) {
      if (error instanceof ToolArgumentError || error instanceof UnknownSessionError) throw new McpError(ErrorCode.InvalidParams, error.message);
      if (error instanceof RunRefusedError) throw new McpError(ErrorCode.InvalidParams, `${error.code}: ${error.message}`);
      options.log('error', 'mcp tool failed', {tool: name, error: String(error)});
      throw new McpError(ErrorCode.InternalError, `${name} failed inside the MCP server; see its log`);
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: catalog.blocks.map((block) => ({
      uri: blockResourceUri(block.id),
      name: block.title ?? `${block.source}:${block.line}`,
      description: `${block.env} block at ${block.source}:${block.line}`,
      mimeType: 'text/plain',
    })),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [{uriTemplate: 'sandbox://block/{id}', name: 'block', description: 'The source of one block (command and files)', mimeType: 'text/plain'}],
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const id = blockIdOfUri(request.params.uri);
    const block = id === undefined ? undefined : catalog.get(id);
    if (!block) throw new McpError(ErrorCode.InvalidParams, `no such resource "${request.params.uri.slice(0, 160)}"; resources/list names them (sandbox://block/<id>)`);
    return {contents: [{uri: request.params.uri, mimeType: 'text/plain', text: blockSourceText(block)}]};
  });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await sessions[Symbol.asyncDispose]();
      await server.close();
    })());
  // The client went away (stdin closed, socket gone): its sessions end with it.
  server.onclose = () => {
    void sessions[Symbol.asyncDispose]();
  };

  return {
    server,
    connect: (transport) => server.connect(transport),
    close,
    [Symbol.asyncDispose]: close,
  };
}
