/**
 * `docusaurus-sandbox mcp`: the effects around `server/mcp/`: read the
 * manifest and the built pages, start a sandbox server in-process (or use
 * `--server`), serve MCP on stdin/stdout until the client goes away, then end
 * every session and remove every container. Stdout carries only MCP messages.
 */
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import type {Readable, Writable} from 'node:stream';
import {StdioServerTransport} from '@modelcontextprotocol/sdk/server/stdio.js';
import {DEFAULT_LIMITS, loadConfig, MANIFEST_FILE, type SandboxConfig} from '../../config/index.js';
import {systemClock} from '../clock.js';
import {createSandboxServer, readManifest, type SandboxServer} from '../index.js';
import {createLogger} from '../log.js';
import {inProcessServerConfig} from './in-process.js';
import {BlockCatalog} from '../mcp/catalog.js';
import {readPageIndex} from '../mcp/pages.js';
import {httpOpener} from '../mcp/opener.js';
import {createMcpServer} from '../mcp/server.js';
import {requireNamedConfigFile, resolveConfigFile, UsageError, type Command} from './args.js';

export type McpCommand = Extract<Command, {command: 'mcp'}>;

export interface McpIo {
  stdin: Readable;
  stdout: Writable;
  stderr: {write(text: string): unknown};
  cwd: string;
  env: NodeJS.ProcessEnv;
  version: string;
}

/** Parallel blocks of check_blocks: the default per-client session limit is 4, and interactive sessions need room too. */
const DEFAULT_JOBS = 2;

/**
 * The in-process server: the site's config with its limits as readers get
 * them (an MCP client is one client), on loopback, for its own origin only.
 */
export function mcpServerConfig(config: SandboxConfig, allowInline: boolean): SandboxConfig {
  // This process serves MCP on stdio; its loopback server needs no /mcp of its own.
  return inProcessServerConfig(config, 'mcp', {allowInline});
}

export async function runMcp(command: McpCommand, io: McpIo): Promise<number> {
  const siteDir = resolve(io.cwd, command.siteDir);
  if (!existsSync(join(siteDir, MANIFEST_FILE))) {
    throw new UsageError(`no ${MANIFEST_FILE} in ${siteDir}; build the site first (docusaurus build) or name its build directory`);
  }
  const manifest = readManifest(siteDir)!;
  const logger = createLogger({level: command.logLevel ?? 'warn', destination: {write: (line: string) => io.stderr.write(line)}});
  const log = (level: 'info' | 'warn' | 'error', message: string, details: Record<string, unknown> = {}) => logger[level](details, message);

  let sandbox: SandboxServer | undefined;
  let serverUrl = command.serverUrl;
  let defaultTimeoutMs = DEFAULT_LIMITS.timeout;
  if (!serverUrl) {
    requireNamedConfigFile(command.configFile, {cwd: io.cwd, exists: existsSync});
    const {file, optional} = resolveConfigFile(command.configFile, {cwd: io.cwd, siteDir: command.siteDir, exists: existsSync});
    const config = mcpServerConfig(loadConfig({file, optionalFile: optional, env: io.env}), command.allowInline);
    defaultTimeoutMs = config.limits.timeout;
    sandbox = createSandboxServer({config, manifest, logger});
    serverUrl = (await sandbox.listen()).url;
  }

  const mcp = createMcpServer({
    catalog: new BlockCatalog(manifest.blocks, readPageIndex(siteDir), manifest.sessions),
    target: {opener: httpOpener(serverUrl), defaultTimeoutMs, jobs: command.jobs ?? DEFAULT_JOBS, clock: systemClock},
    allowInline: command.allowInline,
    clock: systemClock,
    log,
    version: io.version,
  });

  let finished: (() => void) | undefined;
  const done = new Promise<void>((resolveDone) => (finished = resolveDone));
  let stopping: Promise<void> | undefined;
  // The client going away in any way (stdin closed, a signal, a broken pipe) ends everything it started.
  const stop = (why: string) =>
    (stopping ??= (async () => {
      log('info', 'mcp client gone; shutting down', {why});
      await mcp.close().catch((error: unknown) => log('warn', 'closing the MCP connection failed', {error: String(error)}));
      await sandbox?.close();
      finished?.();
    })());
  const onEnd = () => void stop('stdin closed');
  const onSignal = (signal: NodeJS.Signals) => void stop(signal);
  io.stdin.on('end', onEnd);
  io.stdin.on('close', onEnd);
  io.stdout.on('error', () => void stop('stdout closed'));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  mcp.server.onerror = (error) => log('warn', 'mcp transport error', {error: String(error)});

  try {
    await mcp.connect(new StdioServerTransport(io.stdin, io.stdout));
    log('info', 'docusaurus-sandbox mcp ready', {serverUrl, blocks: manifest.blocks.length, allowInline: command.allowInline});
    await done;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await stop('finished');
  }
  return 0;
}
