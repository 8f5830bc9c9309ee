/**
 * The few process and socket effects the cluster harness needs: start a
 * detached process with its output in a log file, wait for a port or a
 * command, stop a process by its PID (and only by its PID).
 */
import {spawn, spawnSync} from 'node:child_process';
import {closeSync, openSync, readFileSync} from 'node:fs';
import {createConnection, createServer} from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';

/** Starts `argv` detached from this process (it outlives `up`), output appended to `logFile`. */
export function startDetached(argv: readonly string[], options: {logFile: string; env?: NodeJS.ProcessEnv; cwd?: string}): number {
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ['ignore', log, log],
      env: options.env ?? process.env,
      cwd: options.cwd,
    });
    if (child.pid === undefined) throw new Error(`cannot start ${argv[0]}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The process exists and has not exited (a zombie whose new parent has not reaped it yet counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

/** Signals `pid`, then waits until it is gone; SIGKILL after `graceMs`. True when it is gone. */
export async function stopPid(pid: number | undefined, {signal = 'SIGTERM' as NodeJS.Signals, graceMs = 10_000} = {}): Promise<boolean> {
  if (pid === undefined || !isAlive(pid)) return true;
  try {
    process.kill(pid, signal);
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
  for (let tries = 0; tries < 40 && isAlive(pid); tries += 1) await sleep(50);
  return !isAlive(pid);
}

/** A process that exited but whose parent (not us: it was detached) has not reaped it yet. */
function isZombie(pid: number): boolean {
  try {
    // The state follows the command name in parentheses, which may itself hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** `count` ports free on 127.0.0.1 now (each bound to port 0, then released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({length: count}, () => new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === 'object' && address ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Resolves once `check` returns true; throws `what` with the last error after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, {timeoutMs = 30_000, intervalMs = 100, alive}: {timeoutMs?: number; intervalMs?: number; alive?: () => boolean} = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    if (alive && !alive()) throw new Error(`${what}: the process exited`);
    await sleep(intervalMs);
  }
  throw new Error(`${what}: no answer within ${timeoutMs} ms${last ? ` (${last instanceof Error ? last.message : String(last)})` : ''}`);
}

/** Redis answers PING on 127.0.0.1:port (RESP inline command, no client library needed here). */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host: '127.0.0.1', port});
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/** An HTTP GET answers with status 200. */
export async function httpOk(url: string): Promise<boolean> {
  const response = await fetch(url, {signal: AbortSignal.timeout(2_000)});
  await response.arrayBuffer();
  return response.ok;
}

/** Runs a command to its end; throws with its stderr when it fails. */
export function run(argv: readonly string[], options: {timeoutMs?: number; allowFailure?: boolean} = {}): {status: number; stdout: string; stderr: string} {
  const result = spawnSync(argv[0]!, argv.slice(1), {encoding: 'utf8', timeout: options.timeoutMs ?? 60_000});
  const status = result.status ?? -1;
  if (status !== 0 && !options.allowFailure) {
    throw new Error(`${argv.join(' ')} failed (${result.error?.message ?? `exit ${status}`}): ${result.stderr.trim().slice(-500)}`);
  }
  return {status, stdout: result.stdout ?? '', stderr: result.stderr ?? ''};
}

/** `docker save IMAGE | docker -H HOST load`: the engines share no registry (there is none here). */
export async function copyImage(image: string, host: string): Promise<void> {
  const save = spawn('docker', ['save', image], {stdio: ['ignore', 'pipe', 'pipe']});
  const load = spawn('docker', ['-H', host, 'load', '--quiet'], {stdio: ['pipe', 'ignore', 'pipe']});
  let errors = '';
  save.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  load.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  load.stdin.on('error', () => {}); // load failed early: its exit code tells
  save.stdout.pipe(load.stdin);
  const exit = (child: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (code) => resolve(code));
    });
  const [saved, loaded] = await Promise.all([exit(save), exit(load)]);
  if (saved !== 0 || loaded !== 0) throw new Error(`copying ${image} to ${host} failed: ${errors.trim().slice(-300)}`);
}
