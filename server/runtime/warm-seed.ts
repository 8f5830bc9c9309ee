/**
 * Seeding a warm (already running) container over its attached TTY stdin
 * (the warm pool). Pure: the launcher text and the bytes the server writes.
 *
 * A pooled container is created and started ahead of demand with the same
 * hardened options as a cold one, but its command is WARM_LAUNCHER, which
 * knows nothing about the session yet. It saves the terminal settings, switches
 * the TTY to `raw -echo` (so the payload is neither echoed nor cut at the line
 * discipline's 4 KiB line limit), prints WARM_MARKER and waits. On take, the
 * server writes ONE buffer: a decimal length line, then a POSIX-sh script of
 * that many bytes that only assigns the session's variables (command, shell,
 * terminal size, base64 ustar of the files). The launcher reads the length with
 * `read` (byte by byte, so it consumes exactly the line) and the script with
 * `head -c LENGTH`, restores the terminal, sets its size, unpacks the files,
 * prints SEEDED_MARKER and runs the command through the same LAUNCH_TAIL as the
 * cold launcher.
 *
 * `head -c` reads in blocks and may swallow bytes that follow the payload, so
 * nothing else may be written to stdin until SEEDED_MARKER arrives: the
 * runtime resolves `start()` only then, and sessions write keystrokes only
 * after `start()`.
 *
 * The markers are APC strings (ESC _ … ESC \): the runtime strips them from the
 * stream, and a terminal that ever saw one would ignore it.
 */
import type Dockerode from 'dockerode';
import type {EnvironmentConfig} from '../../config/index.js';
import {BASE_ENV, clampSize, hardenedCreateOptions} from './hardening.js';
import {buildTar, checkCommand, checkSeedFiles, LAUNCH_TAIL, type SeedLimits} from './seed.js';
import {type ContainerSpec, LABELS} from './types.js';

/** Printed once the launcher waits for its seed: the container is warm. */
export const WARM_MARKER = '\x1b_sandbox:warm\x1b\\';
/** Printed once the seed is read and unpacked, right before the command runs. */
export const SEEDED_MARKER = '\x1b_sandbox:seeded\x1b\\';

/** printf format of a marker: octal escapes keep ESC and the backslash out of the shell's quoting. */
function printfMarker(marker: string): string {
  const body = [...marker]
    .map((character) => {
      const code = character.charCodeAt(0);
      return code < 0x20 || character === '\\' || character === "'" || character === '%'
        ? `\\${code.toString(8).padStart(3, '0')}`
        : character;
    })
    .join('');
  return `printf '${body}'`;
}

/**
 * The part of a launcher that waits for its seed on the TTY stdin: prints
 * `readyMarker`, reads the length line and the script, restores the terminal
 * with the seed's size, unpacks the files into /workspace and prints
 * SEEDED_MARKER (also when the files fail, so the server hands the process
 * over and the reader sees the message); then exits 125 on such a failure.
 * `beforeSeeded` runs right before SEEDED_MARKER (a step records its pid).
 * The warm launcher and a page session's step launcher both start with it.
 */
export function seedReader(readyMarker: string, beforeSeeded: readonly string[] = []): string[] {
  return [
    'umask 022',
    'sandbox_tty=$(stty -g 2>/dev/null)',
    'stty raw -echo 2>/dev/null || exit 125',
    printfMarker(readyMarker),
    'IFS= read -r sandbox_length || exit 125',
    'case "$sandbox_length" in',
    `  ''|*[!0-9]*) echo 'sandbox: the seed header is not a length' >&2; exit 125 ;;`,
    'esac',
    'sandbox_script=$(head -c "$sandbox_length")',
    // The script only assigns sandbox_cmd, sandbox_shell, sandbox_cols,
    // sandbox_rows and sandbox_seed, each single-quoted by the server.
    'eval "$sandbox_script"',
    // One exec restores the saved settings and sets the size; `sane` if that fails.
    'stty "$sandbox_tty" cols "$sandbox_cols" rows "$sandbox_rows" 2>/dev/null || {',
    '  stty sane 2>/dev/null',
    '  stty cols "$sandbox_cols" rows "$sandbox_rows" 2>/dev/null',
    '}',
    'sandbox_status=0',
    'if [ -n "$sandbox_seed" ]; then',
    `  printf '%s' "$sandbox_seed" | base64 -d | tar -x -f - -C /workspace || {`,
    `    echo "sandbox: could not unpack the block's files into /workspace" >&2`,
    '    sandbox_status=125',
    '  }',
    'fi',
    'unset sandbox_tty sandbox_length sandbox_script sandbox_seed sandbox_cols sandbox_rows',
    ...beforeSeeded,
    printfMarker(SEEDED_MARKER),
    '[ "$sandbox_status" -eq 0 ] || exit 125',
  ];
}

/**
 * Exit code 125 means the seed could not be read or unpacked (the message
 * says why); the seeded marker is still printed when the files fail, so the
 * server hands the container over and the reader sees the message and code.
 */
export const WARM_LAUNCHER = [...seedReader(WARM_MARKER), ...LAUNCH_TAIL].join('\n');

/** A POSIX-sh single-quoted word holding `value` exactly (no NUL: checked before). */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export interface WarmSeed {
  /** The one write: `LENGTH\n` then the script. */
  payload: Buffer;
  contentBytes: number;
  archiveBytes: number;
}

/**
 * The bytes that seed a warm container for `spec`. Throws SandboxError
 * ('bad-request', 'too-large', 'too-many-files', 'bad-path') before anything is
 * written, with the same caps as the cold path (limits.maxSeedBytes, maxFiles,
 * the 64 KiB command).
 */
export function buildWarmSeed(
  spec: Pick<ContainerSpec, 'files' | 'cmd' | 'interactive' | 'cols' | 'rows'> & {env: {shell: string}},
  limits: SeedLimits,
  mtime: number,
): WarmSeed {
  checkCommand(spec.cmd);
  const contentBytes = checkSeedFiles(spec.files, limits);
  const archive = spec.files.length === 0 ? Buffer.alloc(0) : buildTar(spec.files, mtime);
  const script = Buffer.from(
    [
      `sandbox_cmd=${shellQuote(spec.cmd)}`,
      `sandbox_shell=${spec.interactive ? shellQuote(spec.env.shell) : "''"}`,
      `sandbox_cols=${clampSize(spec.cols, 80)}`,
      `sandbox_rows=${clampSize(spec.rows, 24)}`,
      // base64 holds no quote, so it needs no escaping.
      `sandbox_seed='${archive.toString('base64')}'`,
      '',
    ].join('\n'),
    'utf8',
  );
  return {
    payload: Buffer.concat([Buffer.from(`${script.length}\n`, 'ascii'), script]),
    contentBytes,
    archiveBytes: archive.length,
  };
}

export interface WarmContainerRequest {
  /** Unique per warm container; names it and fills the session label until a session takes it. */
  id: string;
  envName: string;
  env: EnvironmentConfig;
  /** The owning pool's label value (LABELS.pool). */
  pool: string;
  /** How long it may wait warm (ms), for the sweep (LABELS.warmFor). */
  warmForMs: number;
}

/**
 * Create options of a warm container: exactly the cold hardening (the same
 * function builds it), with the warm launcher as command, no session variables
 * in its environment, and the pool's labels.
 */
export function warmCreateOptions(request: WarmContainerRequest, instanceId: string): Dockerode.ContainerCreateOptions {
  const cold = hardenedCreateOptions(
    {sessionId: request.id, envName: request.envName, env: request.env, files: [], cmd: '', interactive: false, cols: 80, rows: 24},
    instanceId,
    [],
  );
  return {
    ...cold,
    Cmd: ['sh', '-c', WARM_LAUNCHER],
    Env: [...BASE_ENV],
    Labels: {...cold.Labels, [LABELS.pool]: request.pool, [LABELS.warmFor]: String(Math.max(0, Math.round(request.warmForMs)))},
  };
}
