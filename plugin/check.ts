/**
 * The plugin's `check` option: after `docusaurus build` wrote the manifest, run
 * every block through an in-process server exactly as `docusaurus-sandbox check
 * <outDir>` does, and fail the build when one fails.
 */
import {requireBackendPackages} from '../server/cli/backend-packages.js';
import type {CheckCommand, CheckIo} from '../server/cli/check.js';

export interface BuildCheckOptions {
  /** Blocks run at once; default the number of cores. */
  jobs?: number | undefined;
  /** Only blocks whose id, source or title contains this text (a tutorial step brings the steps before it). */
  filter?: string | undefined;
  /** Also write `sandbox-transcripts.json` for the offline playback. */
  record: boolean;
}

export type RunCheck = (command: CheckCommand, io: CheckIo) => Promise<number>;

export class BuildCheckError extends Error {
  readonly code = 'check-failed';
  override readonly name = 'BuildCheckError';
}

async function loadRunCheck(): Promise<RunCheck> {
  // Loaded only when the option is on: a build without it needs no Docker code,
  // and is named with its install line when the backend's packages are missing.
  requireBackendPackages('the plugin option check');
  const module = (await import(new URL('../server/cli/check.js', import.meta.url).href)) as {runCheck: RunCheck};
  return module.runCheck;
}

export async function checkBuiltSite(input: {
  outDir: string;
  siteDir: string;
  configFile: string | undefined;
  options: BuildCheckOptions;
  runCheck?: RunCheck;
  io?: Partial<CheckIo>;
}): Promise<void> {
  const runCheck = input.runCheck ?? (await loadRunCheck());
  const status = await runCheck(
    {
      command: 'check',
      siteDir: input.outDir,
      configFile: input.configFile,
      serverUrl: undefined,
      jobs: input.options.jobs,
      filter: input.options.filter,
      json: false,
      junit: undefined,
      record: input.options.record,
    },
    {stdout: process.stdout, stderr: process.stderr, cwd: input.siteDir, env: process.env, ...input.io},
  );
  if (status !== 0) {
    throw new BuildCheckError('[docusaurus-sandbox] some sandbox blocks failed the check (report above); fix them, or mark a block skip-check');
  }
}
