/**
 * The floor: the engine's own way to run a second process in a running
 * container, with nothing in between. Raw dockerode exec create, then start
 * (hijacked, attached before the process runs), timed from before the create
 * to the first output byte. The options are those the server's DockerRuntime
 * gives a step's exec (the sandbox user, /workspace, a TTY sized at create),
 * so only the way of starting differs.
 */
import type {Duplex} from 'node:stream';
import type Dockerode from 'dockerode';
import {SANDBOX_USER, WORKSPACE} from '../../server/runtime/hardening.js';

/** ms from before `exec create` to the first byte of `argv`'s output; resolves once its stream has ended. */
export async function execFirstByte(docker: Dockerode, containerId: string, argv: string[], timeoutMs = 30_000): Promise<number> {
  const startedAt = performance.now();
  const exec = await docker.getContainer(containerId).exec({
    Cmd: argv,
    User: SANDBOX_USER,
    WorkingDir: WORKSPACE,
    Privileged: false,
    Tty: true,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    ConsoleSize: [24, 80],
  } as Dockerode.ExecCreateOptions);
  const stream = (await exec.start({hijack: true, stdin: true, Tty: true})) as Duplex;
  let firstByteAt: number | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      stream.on('data', () => {
        firstByteAt ??= performance.now();
      });
      stream.once('end', () => resolve());
      stream.once('close', () => resolve());
      stream.once('error', reject);
      timer = setTimeout(() => reject(new Error(`docker exec ${argv.join(' ')}: no end within ${timeoutMs} ms`)), timeoutMs);
    });
  } finally {
    clearTimeout(timer);
    stream.destroy();
  }
  if (firstByteAt === undefined) throw new Error(`docker exec ${argv.join(' ')}: ended without output`);
  return firstByteAt - startedAt;
}
