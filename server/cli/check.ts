/**
 * `docusaurus-sandbox check`: the effects around `server/check/` (pure runs and
 * reports): read the manifest, start a server in-process (or use `--server`),
 * run the blocks, print the report, write JUnit and transcripts.
 */
import {existsSync, writeFileSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import {join, resolve} from 'node:path';
import {loadConfig, MANIFEST_FILE, TRANSCRIPTS_FILE, DEFAULT_LIMITS, type SandboxConfig} from '../../config/index.js';
import type {BlockReport} from '../check/block-report.js';
import {planCheck} from '../check/plan.js';
import {checkBlocks} from '../check/run.js';
import {formatTable, statusWord, toJson, toJUnit, toTranscripts} from '../check/report.js';
import {createSandboxServer, readManifest, type SandboxServer} from '../index.js';
import {createLogger} from '../log.js';
import {requireNamedConfigFile, resolveConfigFile, UsageError, type Command} from './args.js';
import {inProcessServerConfig} from './in-process.js';

export type CheckCommand = Extract<Command, {command: 'check'}>;

export interface CheckIo {
  stdout: {write(text: string): unknown};
  stderr: {write(text: string): unknown; isTTY?: boolean};
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with the in-process server once it listens (tests watch its sessions). */
  onServer?: (server: SandboxServer) => void;
}

/** The in-process server: the site's config, its own origin only, limits that fit `jobs` parallel runs. */
export function checkServerConfig(config: SandboxConfig, jobs: number): SandboxConfig {
  return inProcessServerConfig(config, 'check', {
    // Only the manifest's blocks run, from the server's own origin, as from a page it serves.
    allowInline: false,
    maxSessions: Math.max(config.server.maxSessions, jobs),
    maxSessionsPerClient: Math.max(config.server.maxSessionsPerClient, jobs),
    // Every run comes from one client: the per-minute rate is for readers, not for check.
    sessionsPerMinute: Math.max(config.server.sessionsPerMinute, 1_000_000),
  });
}

const BAR_WIDTH = 24;

export function progressLine(done: number, total: number, last: BlockReport): string {
  const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
  const step = last.session && last.step !== undefined ? ` step ${last.step}/${last.session.steps}` : '';
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${last.source}:${last.line}${step} ${statusWord(last.verdict)}`;
}

export async function runCheck(command: CheckCommand, io: CheckIo): Promise<number> {
  const siteDir = resolve(io.cwd, command.siteDir);
  if (!existsSync(join(siteDir, MANIFEST_FILE))) {
    throw new UsageError(`no ${MANIFEST_FILE} in ${siteDir}; build the site first (docusaurus build) or name its build directory`);
  }
  const manifest = readManifest(siteDir)!;
  const jobs = command.jobs ?? availableParallelism();
  const source = {blocks: manifest.blocks, sessions: manifest.sessions};
  if (planCheck(source, command.filter).length === 0) {
    io.stderr.write(command.filter ? `no block matches --filter ${JSON.stringify(command.filter)}\n` : 'the manifest has no blocks\n');
    return command.filter ? 1 : 0;
  }

  let server: SandboxServer | undefined;
  let serverUrl = command.serverUrl;
  let defaultTimeoutMs = DEFAULT_LIMITS.timeout;
  try {
    if (!serverUrl) {
      requireNamedConfigFile(command.configFile, {cwd: io.cwd, exists: existsSync});
      const {file, optional} = resolveConfigFile(command.configFile, {cwd: io.cwd, siteDir: command.siteDir, exists: existsSync});
      const config = checkServerConfig(loadConfig({file, optionalFile: optional, env: io.env}), jobs);
      defaultTimeoutMs = config.limits.timeout;
      server = createSandboxServer({
        config,
        manifest,
        // Warnings go to stderr so --json on stdout stays parseable.
        logger: createLogger({level: 'warn', destination: {write: (line: string) => io.stderr.write(line)}}),
      });
      serverUrl = (await server.listen()).url;
      io.onServer?.(server);
    }
    const showProgress = io.stderr.isTTY === true && !command.json;
    const report = await checkBlocks(source, {
      serverUrl,
      jobs,
      filter: command.filter,
      record: command.record,
      defaultTimeoutMs,
      onProgress: showProgress
        ? (done, total, last) => io.stderr.write(`\r\u001b[2K${progressLine(done, total, last)}${done === total ? '\n' : ''}`)
        : undefined,
    });
    io.stdout.write(command.json ? toJson(report) : `${formatTable(report)}\n`);
    if (command.junit) writeFileSync(resolve(io.cwd, command.junit), toJUnit(report));
    if (command.record) {
      const file = join(siteDir, TRANSCRIPTS_FILE);
      writeFileSync(file, `${JSON.stringify(toTranscripts(report, new Date()))}\n`);
      if (!command.json) io.stdout.write(`recorded ${report.blocks.filter((block) => block.transcript).length} transcripts in ${file}\n`);
    }
    // A step not run follows a failed step, which fails the run already; counted too, so the status never rests on that.
    return report.failed > 0 || report.notRun > 0 ? 1 : 0;
  } finally {
    await server?.close();
  }
}
