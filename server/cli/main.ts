#!/usr/bin/env node
/**
 * `docusaurus-sandbox`: a thin entry over `args.ts` (parsing), `loadConfig`
 * (configuration) and `createSandboxServer`. Exit codes: 0 success, 1 failure,
 * 2 bad usage, invalid configuration or missing backend packages.
 *
 * The server is imported only by the commands that run it, after
 * `requireBackendPackages`: its packages are optional peer dependencies.
 */
import {existsSync, statSync} from 'node:fs';
import {ConfigError, loadConfig, type SandboxConfig} from '../../config/index.js';
import {AdminConfigError} from '../admin/server.js';
import {parseCommandLine, requireNamedConfigFile, requireSiteDir, resolveConfigFile, USAGE, UsageError, type Command} from './args.js';
import {packageVersion} from '../own-package.js';
import {MissingBackendPackagesError, requireBackendPackages} from './backend-packages.js';

function config(configFile: string | undefined, siteDir: string | undefined, server: Record<string, unknown> = {}): SandboxConfig {
  requireNamedConfigFile(configFile, {cwd: process.cwd(), exists: existsSync});
  const {file, optional} = resolveConfigFile(configFile, {cwd: process.cwd(), siteDir, exists: existsSync});
  return loadConfig({file, optionalFile: optional, env: process.env, server});
}

function version(): string {
  return packageVersion();
}

function isDirectory(path: string): boolean | undefined {
  try {
    return statSync(path).isDirectory();
  } catch {
    return undefined;
  }
}

async function serve(command: Extract<Command, {command: 'serve'}>): Promise<void> {
  const flags: Record<string, unknown> = {};
  if (command.port !== undefined) flags.port = command.port;
  if (command.host !== undefined) flags.host = command.host;
  if (command.allowInline) flags.allowInline = true;
  // Checked by the config schema like the file's keys, so a bad flag names server.node / server.redis.
  if (command.node !== undefined) flags.node = command.node;
  if (command.redis !== undefined) flags.redis = command.redis;
  requireSiteDir(command.siteDir, {cwd: process.cwd(), isDirectory});
  const loaded = config(command.configFile, command.siteDir, flags);
  requireBackendPackages('docusaurus-sandbox serve');
  const [{createSandboxServer}, {createLogger}] = await Promise.all([import('../index.js'), import('../log.js')]);
  const logger = createLogger({level: command.logLevel ?? 'info'});
  const port = loaded.server.port;
  const admin = {
    // Beside the public port by default; an ephemeral public port gets an ephemeral admin port.
    port: command.adminPort ?? (port === 0 ? 0 : port + 1),
    host: command.adminHost ?? '127.0.0.1',
    token: command.adminToken ?? (process.env.SANDBOX_ADMIN_TOKEN || undefined),
  };
  const server = createSandboxServer({config: loaded, siteDir: command.siteDir, logger, admin});
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: the operator does not want to wait.
      process.exit(1);
    }
    stopping = true;
    logger.info({signal}, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({error: String(error)}, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const {url, adminUrl} = await server.listen();
  logger.info({url, adminUrl, instanceId: server.instanceId, site: command.siteDir ?? null}, 'docusaurus-sandbox serving');
  // The lines scripts (and tests) wait for on stdout.
  process.stdout.write(`docusaurus-sandbox admin on ${adminUrl}\n`);
  process.stdout.write(`docusaurus-sandbox listening on ${url}\n`);
}

async function run(argv: string[]): Promise<number> {
  const command = parseCommandLine(argv);
  switch (command.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'serve':
      await serve(command);
      return -1; // keeps running until a signal
    case 'images-build': {
      requireBackendPackages('docusaurus-sandbox images build');
      const {buildImages} = await import('../runtime/images.js');
      const loaded = config(command.configFile, undefined);
      const bundled = Object.keys(loaded.environments);
      const unknown = command.envs.filter((env) => !bundled.includes(env));
      if (unknown.length > 0) throw new UsageError(`unknown environment ${unknown.join(', ')} (known: ${bundled.join(', ')})`);
      await buildImages({envs: command.envs.length > 0 ? command.envs : undefined, force: command.force, log: (line) => process.stdout.write(`${line}\n`)});
      return 0;
    }
    case 'check': {
      requireBackendPackages('docusaurus-sandbox check');
      const {runCheck} = await import('./check.js');
      return runCheck(command, {stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env});
    }
    case 'mcp': {
      requireBackendPackages('docusaurus-sandbox mcp');
      // Stdout is the MCP channel from here on: logs and messages go to stderr only.
      const {runMcp} = await import('./mcp.js');
      return runMcp(command, {stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, version: version()});
    }
    case 'sessions-list':
    case 'sessions-kill': {
      const {runSessions} = await import('./sessions.js');
      return runSessions(command, {stdout: process.stdout, env: process.env});
    }
    case 'doctor': {
      requireBackendPackages('docusaurus-sandbox doctor');
      const {doctor, formatDoctorReport} = await import('../runtime/doctor.js');
      const report = await doctor(config(command.configFile, undefined));
      process.stdout.write(`${formatDoctorReport(report)}\n`);
      return report.ok ? 0 : 1;
    }
  }
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    const setupError = error instanceof ConfigError || error instanceof AdminConfigError || error instanceof MissingBackendPackagesError;
    if (error instanceof UsageError || setupError) {
      process.stderr.write(`docusaurus-sandbox: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write('Run docusaurus-sandbox --help for usage.\n');
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`docusaurus-sandbox: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    // What failed has disposed what it made, so nothing should keep the process
    // up; should anything still (a library's socket), a supervisor must see the
    // failure at once, not a live process.
    setTimeout(() => process.exit(1), 500).unref();
  },
);
