/**
 * Manifest blocks and container specs for tests: one shell block with the
 * defaults every test assumes, and a step of a page session, each with the
 * fields a test names overridden.
 */
import {normalizeConfig, type SandboxBlock} from '../../config/index.js';
import type {ContainerSpec} from '../../server/runtime/types.js';

/** A shell block of `docs/tour.md` running `sh main.sh`, with no files. */
export const testBlock = (id: string, extra: Partial<SandboxBlock> = {}): SandboxBlock => ({
  id,
  env: 'shell',
  cmd: 'sh main.sh',
  files: [],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false},
  source: 'docs/tour.md',
  line: 1,
  ...extra,
});

/** Step `step` of page session `session` (its line: ten per step). */
export const stepBlock = (id: string, session: string, step: number, extra: Partial<SandboxBlock> = {}): SandboxBlock =>
  testBlock(id, {line: step * 10, session, step, ...extra});

const shell = normalizeConfig({}).environments.shell!;

/** The spec of a shell container running `sh main.sh` with one file, 100×30. */
export const testSpec = (overrides: Partial<ContainerSpec> = {}): ContainerSpec => ({
  sessionId: 's1',
  envName: 'shell',
  env: shell,
  files: [{path: 'main.sh', content: 'echo hi\n'}],
  cmd: 'sh main.sh',
  interactive: false,
  cols: 100,
  rows: 30,
  ...overrides,
});
