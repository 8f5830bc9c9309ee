/**
 * Turns the body of `POST /api/sessions` into what a session needs, or throws a
 * SandboxError with the stable code of the first problem. Pure: the manifest
 * and the config come in as arguments.
 */
import {checkFilePath, type SandboxBlock, type SandboxConfig} from '../../config/index.js';
import {TERMINAL_BOUNDS} from '../../protocol/index.js';
import {SandboxError} from '../errors.js';
import type {EnvironmentRef} from '../../protocol/index.js';
import type {StepSpec} from '../environments/registry.js';
import {stepCommand} from '../environments/step-launcher.js';
import type {SessionRequest} from '../sessions/manager.js';

/** A block of a page session: which step, and where the reader wants it to run. */
export interface StepTarget {
  session: string;
  step: number;
  block: string;
  environment?: EnvironmentRef;
  catchUp: boolean;
}

/** A session request; for a step of a page session, with its target. */
export interface ResolvedSessionRequest extends SessionRequest {
  step?: StepTarget;
}

function readEnvironmentRef(value: unknown): EnvironmentRef {
  if (!isRecord(value) || typeof value.id !== 'string' || typeof value.token !== 'string') {
    throw new SandboxError('bad-request', '"environment" must be {"id": string, "token": string}');
  }
  if (value.id.length === 0 || value.id.length > MAX_REF_LENGTH || value.token.length > MAX_REF_LENGTH) {
    throw new SandboxError('bad-request', `"environment" id and token hold 1 to ${MAX_REF_LENGTH} characters`);
  }
  return {id: value.id, token: value.token};
}

/** The step target of a request for `block`, or undefined for a block outside page sessions. */
function stepTarget(body: Record<string, unknown>, block: SandboxBlock): StepTarget | undefined {
  if (body.catchUp !== undefined && typeof body.catchUp !== 'boolean') throw new SandboxError('bad-request', '"catchUp" must be true or false');
  const catchUp = body.catchUp === true;
  if (block.session === undefined || block.step === undefined) {
    if (body.environment !== undefined || catchUp) {
      throw new SandboxError('bad-request', 'this block is not a step of a page session; send no "environment" or "catchUp"');
    }
    return undefined;
  }
  const environment = body.environment === undefined ? undefined : readEnvironmentRef(body.environment);
  if (environment && catchUp) {
    throw new SandboxError('bad-request', '"catchUp" makes a new environment; it cannot be combined with "environment"');
  }
  return {session: block.session, step: block.step, block: block.id, catchUp, ...(environment ? {environment} : {})};
}

const MAX_CMD_LENGTH = 4096;
const DEFAULT_SIZE = {cols: 80, rows: 24};

const BODY_KEYS = new Set(['block', 'env', 'cmd', 'files', 'cols', 'rows', 'interactive', 'environment', 'catchUp']);
const MAX_REF_LENGTH = 200;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, Math.round(value)));

function terminalSize(body: Record<string, unknown>): {cols: number; rows: number} {
  const size = {...DEFAULT_SIZE};
  for (const key of ['cols', 'rows'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new SandboxError('bad-request', `"${key}" must be a number`);
    size[key] = value;
  }
  return {
    cols: clamp(size.cols, TERMINAL_BOUNDS.minCols, TERMINAL_BOUNDS.maxCols),
    rows: clamp(size.rows, TERMINAL_BOUNDS.minRows, TERMINAL_BOUNDS.maxRows),
  };
}

/** Reads and checks `files`: an array of `{path, content}` with valid, unique paths. */
function readFiles(value: unknown, maxFiles: number): Array<{path: string; content: string}> {
  if (!Array.isArray(value)) throw new SandboxError('bad-request', '"files" must be an array of {path, content}');
  if (value.length > maxFiles) {
    throw new SandboxError('too-many-files', `${value.length} files given; at most ${maxFiles} files may be seeded`);
  }
  const seen = new Set<string>();
  return value.map((file: unknown, index) => {
    if (!isRecord(file) || typeof file.path !== 'string' || typeof file.content !== 'string') {
      throw new SandboxError('bad-request', `files[${index}] must be {"path": string, "content": string}`);
    }
    const problem = checkFilePath(file.path);
    if (problem) throw new SandboxError('bad-path', `files[${index}]: ${problem}`);
    if (seen.has(file.path)) throw new SandboxError('bad-path', `files[${index}]: "${file.path}" is given twice`);
    seen.add(file.path);
    return {path: file.path, content: file.content};
  });
}

function checkSeedBytes(files: Array<{content: string}>, maxSeedBytes: number): void {
  const bytes = files.reduce((sum, file) => sum + Buffer.byteLength(file.content, 'utf8'), 0);
  if (bytes > maxSeedBytes) {
    throw new SandboxError('too-large', `the files hold ${bytes} bytes; at most ${maxSeedBytes} bytes may be seeded per session (limits.maxSeedBytes)`);
  }
}

export function resolveSessionRequest(
  body: unknown,
  context: {config: SandboxConfig; blocks: ReadonlyMap<string, SandboxBlock>; client: string},
): ResolvedSessionRequest {
  if (!isRecord(body)) throw new SandboxError('bad-request', 'the body must be a JSON object');
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS.has(key)) throw new SandboxError('bad-request', `unknown field "${key.slice(0, 40)}"`);
  }
  const {config} = context;
  const size = terminalSize(body);

  if (body.block !== undefined) {
    if (typeof body.block !== 'string') throw new SandboxError('bad-request', '"block" must be a string');
    for (const key of ['env', 'cmd', 'interactive'] as const) {
      if (body[key] !== undefined) throw new SandboxError('bad-request', `"${key}" cannot be combined with "block": a block runs its own command`);
    }
    const block = context.blocks.get(body.block);
    if (!block) throw new SandboxError('unknown-block', `no block "${body.block.slice(0, 80)}" in this site's manifest`);
    const env = config.environments[block.env];
    if (!env) throw new SandboxError('unknown-env', `the block's environment "${block.env}" is not configured on this server`);
    let files = block.files.map((file) => ({path: file.path, content: file.content}));
    if (body.files !== undefined) {
      if (!block.options.editable) throw new SandboxError('not-editable', 'this block is not editable; send no "files"');
      const edits = readFiles(body.files, env.limits.maxFiles);
      const byPath = new Map(block.files.map((file) => [file.path, file]));
      for (const edit of edits) {
        const original = byPath.get(edit.path);
        if (!original) throw new SandboxError('bad-path', `"${edit.path}" is not a file of this block`);
        if (original.readonly) throw new SandboxError('not-editable', `"${edit.path}" is read-only in this block`);
      }
      const edited = new Map(edits.map((file) => [file.path, file.content]));
      files = files.map((file) => ({path: file.path, content: edited.get(file.path) ?? file.content}));
    }
    checkSeedBytes(files, env.limits.maxSeedBytes);
    const runTimeout = Math.min(block.options.timeout ?? env.limits.timeout, env.limits.maxTimeout);
    const step = stepTarget(body, block);
    return {
      ...(step ? {step} : {}),
      spec: {envName: block.env, env, files, cmd: block.cmd, interactive: block.options.interactive, cols: size.cols, rows: size.rows},
      timeouts: {run: runTimeout, idle: env.limits.idleTimeout, lifetime: env.limits.maxLifetime},
      outputLimit: env.limits.outputLimit,
      outputRate: env.limits.outputRate,
      client: context.client,
      block: block.id,
    };
  }

  for (const key of ['environment', 'catchUp'] as const) {
    if (body[key] !== undefined) throw new SandboxError('bad-request', `"${key}" needs "block": only a block of a page session runs in an environment`);
  }
  if (!config.server.allowInline) {
    throw new SandboxError('inline-disabled', 'this server only runs blocks of its manifest; send {"block": "<id>"}');
  }
  const envName = body.env ?? config.defaultEnv;
  if (typeof envName !== 'string') throw new SandboxError('bad-request', '"env" must be a string');
  const env = Object.hasOwn(config.environments, envName) ? config.environments[envName] : undefined;
  if (!env) {
    throw new SandboxError('unknown-env', `unknown environment "${envName.slice(0, 40)}" (known: ${Object.keys(config.environments).join(', ')})`);
  }
  const cmd = body.cmd ?? env.cmd;
  if (typeof cmd !== 'string' || cmd.length === 0 || cmd.length > MAX_CMD_LENGTH) {
    throw new SandboxError('bad-request', `"cmd" must be a non-empty string of at most ${MAX_CMD_LENGTH} characters`);
  }
  if (body.interactive !== undefined && typeof body.interactive !== 'boolean') {
    throw new SandboxError('bad-request', '"interactive" must be true or false');
  }
  const files = body.files === undefined ? [] : readFiles(body.files, env.limits.maxFiles);
  checkSeedBytes(files, env.limits.maxSeedBytes);
  return {
    spec: {envName, env, files, cmd, interactive: body.interactive === true, cols: size.cols, rows: size.rows},
    timeouts: {run: env.limits.timeout, idle: env.limits.idleTimeout, lifetime: env.limits.maxLifetime},
    outputLimit: env.limits.outputLimit,
    outputRate: env.limits.outputRate,
    client: context.client,
  };
}

/**
 * The page session's steps before `target`, as authored (never a reader's
 * edits), in order: what a catch-up runs first.
 */
export function earlierSteps(
  target: StepTarget,
  context: {config: SandboxConfig; blocks: ReadonlyMap<string, SandboxBlock>; client: string},
): StepSpec[] {
  const steps: StepSpec[] = [];
  for (const block of context.blocks.values()) {
    if (block.session !== target.session || block.step === undefined || block.step >= target.step) continue;
    const request = resolveSessionRequest({block: block.id}, context);
    steps.push({step: block.step, block: block.id, spec: {...request.spec, cmd: stepCommand(request.spec.cmd)}, runTimeout: request.timeouts.run});
  }
  return steps.sort((a, b) => a.step - b.step);
}

/** The step as the environment registry runs it. */
export const stepSpecOf = (request: ResolvedSessionRequest, target: StepTarget): StepSpec => ({
  step: target.step,
  block: target.block,
  spec: {...request.spec, cmd: stepCommand(request.spec.cmd)},
  runTimeout: request.timeouts.run,
});
