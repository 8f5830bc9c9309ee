/**
 * Seeding a block's files into the container's tmpfs /workspace.
 *
 * `putArchive` cannot be used: under a tmpfs mount it writes beneath the mount
 * (the files are invisible inside the running container) and with a read-only
 * root filesystem it fails outright (engine 20.10: 500, "rootfs is marked
 * read-only"). So the files travel with the container's start: the server
 * builds a ustar archive itself (regular files
 * only, normalised modes, the sandbox user as owner), base64-encodes it, splits
 * it across environment variables, and a small POSIX-sh launcher unpacks it into
 * /workspace, clears those variables and `exec`s the command. The files are
 * therefore in place before the command's first instruction.
 *
 * Everything here is pure: no Docker, no clock (the caller passes `mtime`).
 */
import {checkFilePath} from '../../config/index.js';
import {SandboxError} from '../errors.js';
import type {SeedFile} from './types.js';

/** The sandbox user every image has (see site/docs/reference/images.md). */
export const SANDBOX_UID = 1000;
export const SANDBOX_GID = 1000;

/** Names of the variables the launcher reads (and unsets before the command runs). */
export const SEED_VARIABLE_PREFIX = 'SANDBOX_SEED_';
export const SEED_COUNT_VARIABLE = 'SANDBOX_SEED_COUNT';
export const COMMAND_VARIABLE = 'SANDBOX_CMD';
export const SHELL_VARIABLE = 'SANDBOX_SHELL';
export const COLS_VARIABLE = 'SANDBOX_COLS';
export const ROWS_VARIABLE = 'SANDBOX_ROWS';

/**
 * Linux caps one environment string (name=value plus NUL) at MAX_ARG_STRLEN,
 * 32 pages = 128 KiB; stay a little below so the name always fits.
 */
export const MAX_SEED_VARIABLE_BYTES = 128 * 1024 - 64;

const BLOCK = 512;

export interface SeedLimits {
  /** Most bytes of file content (UTF-8) one session may seed. */
  maxSeedBytes: number;
  /** Most files one session may seed. */
  maxFiles: number;
}

export interface Seed {
  /** `NAME=value` strings for the container's Env. */
  env: string[];
  /** Bytes of file content seeded (before archiving). */
  contentBytes: number;
  /** Size of the archive before base64. */
  archiveBytes: number;
}

const formatBytes = (bytes: number): string =>
  bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;

/** Longest command accepted: it travels in one environment variable (128 KiB at most). */
export const MAX_COMMAND_BYTES = 64 * 1024;

/** A command must fit one variable and hold no NUL (which no environment can carry). */
export function checkCommand(cmd: string): void {
  if (cmd.includes('\0')) throw new SandboxError('bad-request', 'the command contains a NUL byte; remove it');
  const bytes = Buffer.byteLength(cmd, 'utf8');
  if (bytes > MAX_COMMAND_BYTES) {
    throw new SandboxError('too-large', `the command is ${bytes} bytes, over the limit of ${MAX_COMMAND_BYTES / 1024} KiB`);
  }
}

/** Checks the files against the caps and path rules; throws a SandboxError naming the cap. */
export function checkSeedFiles(files: readonly SeedFile[], limits: SeedLimits): number {
  if (files.length > limits.maxFiles) {
    throw new SandboxError(
      'too-many-files',
      `${files.length} files is over the limit of ${limits.maxFiles} files per session (limits.maxFiles)`,
    );
  }
  const seen = new Set<string>();
  let total = 0;
  for (const file of files) {
    const problem = checkFilePath(file.path);
    if (problem !== undefined) throw new SandboxError('bad-path', problem);
    if (seen.has(file.path)) throw new SandboxError('bad-path', `the file path "${file.path}" is given twice`);
    seen.add(file.path);
    total += Buffer.byteLength(file.content, 'utf8');
  }
  for (const path of seen) {
    // A file that is also a parent folder of another file cannot be unpacked.
    const slash = path.lastIndexOf('/');
    for (let index = slash; index > 0; index = path.lastIndexOf('/', index - 1)) {
      const parent = path.slice(0, index);
      if (seen.has(parent)) {
        throw new SandboxError('bad-path', `"${parent}" is both a file and the folder of "${path}"`);
      }
    }
  }
  if (total > limits.maxSeedBytes) {
    throw new SandboxError(
      'too-large',
      `the files total ${total} bytes, over the limit of ${formatBytes(limits.maxSeedBytes)} per session (limits.maxSeedBytes)`,
    );
  }
  return total;
}

/** Writes `value` as a NUL-terminated octal field of `width` bytes. */
function writeOctal(header: Buffer, offset: number, width: number, value: number): void {
  const digits = value.toString(8).padStart(width - 1, '0');
  if (digits.length > width - 1) throw new RangeError(`tar field overflow: ${value}`);
  header.write(`${digits}\0`, offset, width, 'ascii');
}

/** ustar keeps 100 bytes of name and 155 of prefix; split a longer path at a "/". */
function splitName(path: string): {name: string; prefix: string} {
  if (Buffer.byteLength(path) <= 100) return {name: path, prefix: ''};
  for (let index = path.indexOf('/'); index !== -1; index = path.indexOf('/', index + 1)) {
    const prefix = path.slice(0, index);
    const name = path.slice(index + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return {name, prefix};
  }
  throw new SandboxError('bad-path', `the file path "${path}" cannot be archived; shorten its last segment to 100 bytes`);
}

function header(path: string, type: 'file' | 'directory', mode: number, size: number, mtime: number): Buffer {
  const block = Buffer.alloc(BLOCK);
  const {name, prefix} = splitName(path);
  block.write(name, 0, 100, 'utf8');
  writeOctal(block, 100, 8, mode);
  writeOctal(block, 108, 8, SANDBOX_UID);
  writeOctal(block, 116, 8, SANDBOX_GID);
  writeOctal(block, 124, 12, size);
  writeOctal(block, 136, 12, mtime);
  block.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  block.write(type === 'file' ? '0' : '5', 156, 1, 'ascii');
  block.write('ustar\0', 257, 6, 'ascii');
  block.write('00', 263, 2, 'ascii');
  block.write('sandbox', 265, 32, 'ascii');
  block.write('sandbox', 297, 32, 'ascii');
  block.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return block;
}

/** Scripts (content starting with "#!") are executable; everything else is 0644. */
export const fileMode = (content: string): number => (content.startsWith('#!') ? 0o755 : 0o644);

/**
 * A ustar archive of `files`: regular files only, parent folders created
 * (0755), owner 1000:1000, normalised modes. Paths must be checked first.
 */
export function buildTar(files: readonly SeedFile[], mtime: number): Buffer {
  const seconds = Math.max(0, Math.floor(mtime / 1000));
  const parts: Buffer[] = [];
  const directories = new Set<string>();
  for (const file of files) {
    const segments = file.path.split('/');
    for (let depth = 1; depth < segments.length; depth++) {
      const directory = segments.slice(0, depth).join('/');
      if (directories.has(directory)) continue;
      directories.add(directory);
      parts.push(header(`${directory}/`, 'directory', 0o755, 0, seconds));
    }
    const content = Buffer.from(file.content, 'utf8');
    parts.push(header(file.path, 'file', fileMode(file.content), content.length, seconds), content);
    const padding = (BLOCK - (content.length % BLOCK)) % BLOCK;
    if (padding > 0) parts.push(Buffer.alloc(padding));
  }
  parts.push(Buffer.alloc(BLOCK * 2)); // end of archive: two zero blocks
  return Buffer.concat(parts);
}

/**
 * The variables that carry `files` into the container. Throws SandboxError
 * ('too-many-files', 'too-large', 'bad-path') with the cap in the message.
 */
export function buildSeed(files: readonly SeedFile[], limits: SeedLimits, mtime: number): Seed {
  const contentBytes = checkSeedFiles(files, limits);
  if (files.length === 0) return {env: [`${SEED_COUNT_VARIABLE}=0`], contentBytes: 0, archiveBytes: 0};
  const archive = buildTar(files, mtime);
  const encoded = archive.toString('base64');
  const env: string[] = [];
  for (let offset = 0, index = 0; offset < encoded.length; index++) {
    const name = `${SEED_VARIABLE_PREFIX}${index}=`;
    const take = MAX_SEED_VARIABLE_BYTES - name.length;
    env.push(name + encoded.slice(offset, offset + take));
    offset += take;
  }
  return {env: [`${SEED_COUNT_VARIABLE}=${env.length}`, ...env], contentBytes, archiveBytes: archive.length};
}

/**
 * The end of every launcher (cold and warm): with `sandbox_cmd` and
 * `sandbox_shell` set as shell variables (never exported), run the command in
 * /workspace. Non-interactive: `exec sh -c "$cmd"`, so the command's exit code
 * is the container's. Interactive: run the command, then `exec` the shell.
 * A terminal-only block's command is the shell itself: running it and then
 * the shell again would give the reader two nested shells (the first `exit`
 * only drops into the second), so then the shell is exec'd once.
 */
export const LAUNCH_TAIL: readonly string[] = [
  'cd /workspace || exit 125',
  'if [ -n "$sandbox_shell" ]; then',
  '  [ "$sandbox_cmd" = "$sandbox_shell" ] || sh -c "$sandbox_cmd"',
  // Word splitting is wanted here: the shell may carry arguments ("bash -l").
  '  exec $sandbox_shell',
  'fi',
  'exec sh -c "$sandbox_cmd"',
];

/**
 * The container's command is `sh -c LAUNCHER`. It only uses POSIX sh, `stty`,
 * `base64`, `tar` (GNU or busybox), so an operator's image needs just those.
 * - `stty` sets the terminal size at once: the engine's TTY starts at 0x0 until
 *   the first resize, and a program that asks early would see that.
 * - The seed is unpacked as the sandbox user (umask 022), so files get the
 *   archive's 0644/0755 and belong to that user.
 * - Every SANDBOX_* variable is unset before the command runs, so neither the
 *   program nor its children see the seed or the launcher's settings.
 * - Non-interactive: `exec sh -c "$cmd"`, so the command's exit code is the
 *   container's. Interactive: run the command, then `exec` the shell.
 * Exit code 125 means the files could not be unpacked (the message says why).
 */
export const LAUNCHER = [
  'umask 022',
  `stty cols "\${${COLS_VARIABLE}:-80}" rows "\${${ROWS_VARIABLE}:-24}" 2>/dev/null`,
  `sandbox_count="\${${SEED_COUNT_VARIABLE}:-0}"`,
  'if [ "$sandbox_count" -gt 0 ]; then',
  '  sandbox_i=0',
  '  while [ "$sandbox_i" -lt "$sandbox_count" ]; do',
  `    eval "printf '%s' \\"\\$${SEED_VARIABLE_PREFIX}$sandbox_i\\""`,
  '    sandbox_i=$((sandbox_i + 1))',
  '  done | base64 -d | tar -x -f - -C /workspace || {',
  `    echo "sandbox: could not unpack the block's files into /workspace" >&2`,
  '    exit 125',
  '  }',
  '  sandbox_i=0',
  '  while [ "$sandbox_i" -lt "$sandbox_count" ]; do',
  `    unset "${SEED_VARIABLE_PREFIX}$sandbox_i"`,
  '    sandbox_i=$((sandbox_i + 1))',
  '  done',
  'fi',
  `sandbox_cmd="\$${COMMAND_VARIABLE}"`,
  `sandbox_shell="\$${SHELL_VARIABLE}"`,
  `unset ${SEED_COUNT_VARIABLE} ${COMMAND_VARIABLE} ${SHELL_VARIABLE} ${COLS_VARIABLE} ${ROWS_VARIABLE} sandbox_count sandbox_i`,
  ...LAUNCH_TAIL,
].join('\n');
