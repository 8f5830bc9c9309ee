/**
 * Command-line parsing for `docusaurus-sandbox`, pure: argv in, a command
 * (or a UsageError naming the problem) out. `main.ts` does the effects.
 */
import {parseArgs as parseNodeArgs} from 'node:util';
import {basename, dirname, join, resolve} from 'node:path';
import {ENV_VARIABLES} from '../../config/index.js';

export class UsageError extends Error {
  readonly code = 'usage';
  override readonly name = 'UsageError';
}

export type Command =
  | {
      command: 'serve';
      siteDir: string | undefined;
      configFile: string | undefined;
      port: number | undefined;
      host: string | undefined;
      allowInline: boolean;
      /** Admin listener port; default the serving port + 1 (0 when serving on 0). */
      adminPort: number | undefined;
      adminHost: string | undefined;
      adminToken: string | undefined;
      logLevel: LogLevel | undefined;
      /** server.node: this gateway's name in a cluster (absent when not given). */
      node?: string;
      /** server.redis: the cluster's Redis URL (absent when not given). */
      redis?: string;
    }
  | {
      command: 'check';
      siteDir: string;
      configFile: string | undefined;
      serverUrl: string | undefined;
      jobs: number | undefined;
      filter: string | undefined;
      json: boolean;
      junit: string | undefined;
      record: boolean;
    }
  | {
      command: 'mcp';
      siteDir: string;
      configFile: string | undefined;
      serverUrl: string | undefined;
      allowInline: boolean;
      jobs: number | undefined;
      logLevel: LogLevel | undefined;
    }
  | {command: 'sessions-list'; adminUrl: string | undefined; adminToken: string | undefined; json: boolean}
  | {command: 'sessions-kill'; id: string; adminUrl: string | undefined; adminToken: string | undefined}
  | {command: 'images-build'; envs: string[]; force: boolean; configFile: string | undefined}
  | {command: 'doctor'; configFile: string | undefined}
  | {command: 'help'}
  | {command: 'version'};

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Comma-separated names wrapped at 110 columns, the first line starting `firstIndent` columns in. */
function wrapList(names: string[], firstIndent: number): string {
  const lines: string[] = [];
  let line = '';
  let width = firstIndent;
  for (const [index, name] of names.entries()) {
    const item = index < names.length - 1 ? `${name}, ` : name;
    if (line !== '' && width + item.trimEnd().length > 110) {
      lines.push(line.trimEnd());
      line = '';
      width = 0;
    }
    line += item;
    width += item.length;
  }
  return [...lines, line].join('\n');
}

export const USAGE = `Usage: docusaurus-sandbox <command> [options]

Commands:
  serve [SITE_BUILD_DIR]     Serve the API, the WebSocket and (optionally) the built site
      --port N               Port to listen on (default 3000; 0 = any free port)
      --host HOST            Address to bind (default 127.0.0.1)
      --config FILE          Config file (default ./sandbox.config.json, else SITE_BUILD_DIR/../sandbox.config.json)
      --allow-inline         Also run sessions that are not blocks of the site's manifest
      --admin-port N         Port of the admin listener (/metrics, /admin/sessions); default: port + 1
      --admin-host HOST      Address of the admin listener (default 127.0.0.1; beyond loopback needs a token)
      --admin-token TOKEN    Bearer token the admin listener requires (or SANDBOX_ADMIN_TOKEN)
      --log-level LEVEL      fatal, error, warn, info (default), debug, trace or silent
      --node NAME            This gateway's name in a cluster (server.node; session URLs carry it)
      --redis URL            The cluster's Redis, redis://HOST:PORT (server.redis: cluster-wide limits,
                             the session directory, node heartbeats)
  check [SITE_BUILD_DIR]     Run every block of a built site (default ./build) and verify its output
      --server URL           Run against this server instead of one started in-process
      --jobs N               Blocks run at once (default: the number of cores)
      --filter TEXT          Only blocks whose id, source file or title contains TEXT
                             (a tutorial step brings the steps before it)
      --json                 Print the report as JSON
      --junit FILE           Also write a JUnit XML report to FILE
      --record               Write sandbox-transcripts.json next to the manifest
      --config FILE          Config file for the in-process server
  mcp [SITE_BUILD_DIR]       Serve the site's blocks to coding agents over MCP on stdin/stdout (default ./build)
      --server URL           Run against this server instead of one started in-process
      --allow-inline         Also offer run_code and shells of an environment (the server must allow inline runs)
      --jobs N               Blocks check_blocks runs at once (default 2)
      --config FILE          Config file for the in-process server
      --log-level LEVEL      Log level on stderr (default warn)
  sessions list [--json]     List the running sessions of a server (through its admin listener)
  sessions kill ID           End one session (reason "killed")
      --admin URL            Admin listener (default SANDBOX_ADMIN_URL, else http://127.0.0.1:3001)
      --admin-token TOKEN    Its bearer token (or SANDBOX_ADMIN_TOKEN)
  images build [--force] [ENV...]
                             Build the bundled environment images offline (existing ones are kept unless --force)
  doctor [--config FILE]     Check the Docker engine, its version, the images and the runtimes

  --help, -h                 Show this help
  --version                  Show the version

Environment variables: ${wrapList([...Object.keys(ENV_VARIABLES), 'SANDBOX_ADMIN_TOKEN', 'SANDBOX_ADMIN_URL'], 'Environment variables: '.length)}
(flags win over them, they win over the file).`;

function parsePort(value: string | undefined, flag = '--port'): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`${flag} must be a number from 0 to 65535 (got "${value}")`);
  return Number(value);
}

function parseJobs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1) throw new UsageError(`--jobs must be a whole number of at least 1 (got "${value}")`);
  return Number(value);
}

function parseUrl(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} must be a URL such as http://127.0.0.1:3000 (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${flag} must be an http or https URL (got "${value}")`);
  return value.replace(/\/+$/, '');
}

function parseLogLevel(value: string | undefined): LogLevel | undefined {
  if (value === undefined) return undefined;
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')} (got "${value}")`);
  return value as LogLevel;
}

type Values = Record<string, string | boolean | undefined>;

function parse(argv: string[], options: Record<string, {type: 'string' | 'boolean'}>): {values: Values; positionals: string[]} {
  try {
    const parsed = parseNodeArgs({args: argv, options: {...options, help: {type: 'boolean', short: 'h'}}, allowPositionals: true, strict: true});
    return {values: parsed.values as Values, positionals: parsed.positionals};
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return {command: 'help'};
  if (first === '--version' || first === '-v') return {command: 'version'};
  switch (first) {
    case 'serve': {
      const {values, positionals} = parse(rest, {
        port: {type: 'string'},
        host: {type: 'string'},
        config: {type: 'string'},
        'allow-inline': {type: 'boolean'},
        'admin-port': {type: 'string'},
        'admin-host': {type: 'string'},
        'admin-token': {type: 'string'},
        'log-level': {type: 'string'},
        node: {type: 'string'},
        redis: {type: 'string'},
      });
      if (values.help) return {command: 'help'};
      if (positionals.length > 1) throw new UsageError(`serve takes one SITE_BUILD_DIR (got ${positionals.length} arguments)`);
      if (values.host === '') throw new UsageError('--host must not be empty');
      if (values.node === '') throw new UsageError('--node needs a name, e.g. --node n1');
      if (values.redis === '') throw new UsageError('--redis needs a URL, e.g. --redis redis://127.0.0.1:6379');
      return {
        command: 'serve',
        siteDir: positionals[0],
        configFile: values.config as string | undefined,
        port: parsePort(values.port as string | undefined),
        host: values.host as string | undefined,
        allowInline: values['allow-inline'] === true,
        adminPort: parsePort(values['admin-port'] as string | undefined, '--admin-port'),
        adminHost: (values['admin-host'] as string | undefined) || undefined,
        adminToken: (values['admin-token'] as string | undefined) || undefined,
        logLevel: parseLogLevel(values['log-level'] as string | undefined),
        ...(typeof values.node === 'string' ? {node: values.node} : {}),
        ...(typeof values.redis === 'string' ? {redis: values.redis} : {}),
      };
    }
    case 'check': {
      const {values, positionals} = parse(rest, {
        server: {type: 'string'},
        jobs: {type: 'string'},
        filter: {type: 'string'},
        json: {type: 'boolean'},
        junit: {type: 'string'},
        record: {type: 'boolean'},
        config: {type: 'string'},
      });
      if (values.help) return {command: 'help'};
      if (positionals.length > 1) throw new UsageError(`check takes one SITE_BUILD_DIR (got ${positionals.length} arguments)`);
      if (values.junit === '') throw new UsageError('--junit needs a file name');
      return {
        command: 'check',
        siteDir: positionals[0] ?? 'build',
        configFile: values.config as string | undefined,
        serverUrl: parseUrl(values.server as string | undefined, '--server'),
        jobs: parseJobs(values.jobs as string | undefined),
        filter: (values.filter as string | undefined) || undefined,
        json: values.json === true,
        junit: values.junit as string | undefined,
        record: values.record === true,
      };
    }
    case 'mcp': {
      const {values, positionals} = parse(rest, {
        server: {type: 'string'},
        'allow-inline': {type: 'boolean'},
        jobs: {type: 'string'},
        config: {type: 'string'},
        'log-level': {type: 'string'},
      });
      if (values.help) return {command: 'help'};
      if (positionals.length > 1) throw new UsageError(`mcp takes one SITE_BUILD_DIR (got ${positionals.length} arguments)`);
      return {
        command: 'mcp',
        siteDir: positionals[0] ?? 'build',
        configFile: values.config as string | undefined,
        serverUrl: parseUrl(values.server as string | undefined, '--server'),
        allowInline: values['allow-inline'] === true,
        jobs: parseJobs(values.jobs as string | undefined),
        logLevel: parseLogLevel(values['log-level'] as string | undefined),
      };
    }
    case 'sessions': {
      const [sub, ...more] = rest;
      const {values, positionals} = parse(more, {admin: {type: 'string'}, 'admin-token': {type: 'string'}, json: {type: 'boolean'}});
      if (values.help) return {command: 'help'};
      const adminUrl = parseUrl(values.admin as string | undefined, '--admin');
      const adminToken = (values['admin-token'] as string | undefined) || undefined;
      if (sub === 'list') {
        if (positionals.length > 0) throw new UsageError('sessions list takes no arguments');
        return {command: 'sessions-list', adminUrl, adminToken, json: values.json === true};
      }
      if (sub === 'kill') {
        if (positionals.length !== 1 || !/^[A-Za-z0-9_-]{1,64}$/.test(positionals[0]!)) {
          throw new UsageError('sessions kill takes one session ID (see sessions list)');
        }
        return {command: 'sessions-kill', id: positionals[0]!, adminUrl, adminToken};
      }
      throw new UsageError(`unknown sessions command "${sub ?? ''}"; use "sessions list" or "sessions kill ID"`);
    }
    case 'images': {
      const [sub, ...more] = rest;
      if (sub !== 'build') throw new UsageError(`unknown images command "${sub ?? ''}"; did you mean "images build"?`);
      const {values, positionals} = parse(more, {force: {type: 'boolean'}, config: {type: 'string'}});
      if (values.help) return {command: 'help'};
      return {command: 'images-build', envs: positionals, force: values.force === true, configFile: values.config as string | undefined};
    }
    case 'doctor': {
      const {values, positionals} = parse(rest, {config: {type: 'string'}});
      if (values.help) return {command: 'help'};
      if (positionals.length > 0) throw new UsageError('doctor takes no arguments');
      return {command: 'doctor', configFile: values.config as string | undefined};
    }
    default:
      throw new UsageError(`unknown command "${first}"; run docusaurus-sandbox --help`);
  }
}

/**
 * The config file to load: the one given, else `sandbox.config.json` in the
 * working directory, else next to the site's source: SITE_BUILD_DIR/.. (a
 * Docusaurus `build/`), or the VitePress root for a build in its default
 * `.vitepress/dist` (two levels up, where VitePress's withSandbox reads it).
 * `optional` is true when the file was not named explicitly.
 */
export function resolveConfigFile(
  given: string | undefined,
  context: {cwd: string; siteDir: string | undefined; exists: (path: string) => boolean},
): {file: string | undefined; optional: boolean} {
  if (given) return {file: resolve(context.cwd, given), optional: false};
  const candidates = [join(context.cwd, 'sandbox.config.json')];
  if (context.siteDir) {
    const build = resolve(context.cwd, context.siteDir);
    candidates.push(join(dirname(build), 'sandbox.config.json'));
    if (basename(dirname(build)) === '.vitepress') candidates.push(join(dirname(dirname(build)), 'sandbox.config.json'));
  }
  return {file: candidates.find((candidate) => context.exists(candidate)), optional: true};
}

/**
 * A config file named with --config must exist: the defaults apply only when
 * none was named, so a typo must not silently run with them. The message says
 * where it looked and what the command does without the flag.
 */
export function requireNamedConfigFile(given: string | undefined, context: {cwd: string; exists: (path: string) => boolean}): void {
  if (!given) return;
  const file = resolve(context.cwd, given);
  if (context.exists(file)) return;
  throw new UsageError(
    `cannot read sandbox config file ${given}: there is no file ${file}. Create it (every key is optional; see the configuration page), ` +
      'or leave out --config to use ./sandbox.config.json, else SITE_BUILD_DIR/../sandbox.config.json when one exists, else the defaults',
  );
}

/**
 * `serve SITE_BUILD_DIR` must name a folder that is there: a server started on a
 * missing one would say "listening" and then answer every page with 404 and
 * every Run with an unknown block.
 */
export function requireSiteDir(siteDir: string | undefined, context: {cwd: string; isDirectory: (path: string) => boolean | undefined}): void {
  if (siteDir === undefined) return;
  const path = resolve(context.cwd, siteDir);
  const isDirectory = context.isDirectory(path);
  if (isDirectory === true) return;
  if (isDirectory === false) throw new UsageError(`site directory ${siteDir} is a file, not a folder (${path}); give the folder \`docusaurus build\` writes (usually build/)`);
  throw new UsageError(`site directory ${siteDir} does not exist (looked at ${path}); build the site first (npm run build) or give the folder \`docusaurus build\` writes (usually build/)`);
}
