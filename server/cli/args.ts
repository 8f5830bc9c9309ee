/**
 * Command-line parsing for `docusaurus-sandbox`, pure: argv in, a command
 * (or a UsageError naming the problem) out. `main.ts` does the effects.
 */
import {parseArgs as parseNodeArgs} from 'node:util';
import {join, resolve} from 'node:path';

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
    }
  | {command: 'images-build'; envs: string[]; force: boolean; configFile: string | undefined}
  | {command: 'doctor'; configFile: string | undefined}
  | {command: 'help'}
  | {command: 'version'};

export const USAGE = `Usage: docusaurus-sandbox <command> [options]

Commands:
  serve [SITE_BUILD_DIR]     Serve the API, the WebSocket and (optionally) the built site
      --port N               Port to listen on (default 3000; 0 = any free port)
      --host HOST            Address to bind (default 127.0.0.1)
      --config FILE          Config file (default ./sandbox.config.json, else SITE_BUILD_DIR/../sandbox.config.json)
      --allow-inline         Also run sessions that are not blocks of the site's manifest
  images build [--force] [ENV...]
                             Build the bundled environment images offline (existing ones are kept unless --force)
  doctor [--config FILE]     Check the Docker engine, its version, the images and the runtimes

  --help, -h                 Show this help
  --version                  Show the version

Environment variables: SANDBOX_PORT, SANDBOX_HOST, SANDBOX_ALLOW_INLINE, SANDBOX_ORIGINS,
SANDBOX_INSTANCE_ID, SANDBOX_TOKEN_SECRET, SANDBOX_TRUST_PROXY (flags win over them, they win over the file).`;

function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`--port must be a number from 0 to 65535 (got "${value}")`);
  return Number(value);
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
      });
      if (values.help) return {command: 'help'};
      if (positionals.length > 1) throw new UsageError(`serve takes one SITE_BUILD_DIR (got ${positionals.length} arguments)`);
      if (values.host === '') throw new UsageError('--host must not be empty');
      return {
        command: 'serve',
        siteDir: positionals[0],
        configFile: values.config as string | undefined,
        port: parsePort(values.port as string | undefined),
        host: values.host as string | undefined,
        allowInline: values['allow-inline'] === true,
      };
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
 * working directory, else next to the site's source (SITE_BUILD_DIR/..).
 * `optional` is true when the file was not named explicitly.
 */
export function resolveConfigFile(
  given: string | undefined,
  context: {cwd: string; siteDir: string | undefined; exists: (path: string) => boolean},
): {file: string | undefined; optional: boolean} {
  if (given) return {file: resolve(context.cwd, given), optional: false};
  const candidates = [join(context.cwd, 'sandbox.config.json')];
  if (context.siteDir) candidates.push(resolve(context.cwd, context.siteDir, '..', 'sandbox.config.json'));
  return {file: candidates.find((candidate) => context.exists(candidate)), optional: true};
}
