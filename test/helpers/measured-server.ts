/**
 * A sandbox server in a process of its own, for tests that measure the
 * server's memory apart from the test's clients: started by
 * `startMeasuredServer`, it answers `'rss'` over IPC with its resident set
 * size after a full garbage collection (it runs with --expose-gc), so a
 * reading tells what the server retains rather than where the collector's
 * saw-tooth happens to be.
 */
import {fork, type ChildProcess} from 'node:child_process';
import {once} from 'node:events';
import type {SandboxConfigInput} from '../../config/index.js';
import {startTestServer} from './server.js';

type Reply = {url: string} | {rss: number};

export interface MeasuredServer extends AsyncDisposable {
  url: string;
  child: ChildProcess;
  /** RSS (bytes) after a full collection. */
  rss(): Promise<number>;
  close(): Promise<void>;
}

const SELF = new URL(import.meta.url).pathname;

export async function startMeasuredServer(options: {instanceId: string; config: SandboxConfigInput}): Promise<MeasuredServer> {
  const child = fork(SELF, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: {...process.env, SANDBOX_MEASURED_SERVER: JSON.stringify(options)},
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = async (): Promise<Reply> => ((await once(child, 'message')) as [Reply])[0];
  const started = await Promise.race([next(), once(child, 'exit').then(([code]) => Promise.reject(new Error(`the measured server exited with ${String(code)}`)))]);
  if (!('url' in started)) throw new Error('the measured server did not start');
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.send('close');
    await exited;
  };
  return {
    url: started.url,
    child,
    async rss() {
      child.send('rss');
      const reply = await next();
      if (!('rss' in reply)) throw new Error('unexpected reply');
      return reply.rss;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

// The child's side: runs when this file is the forked entry.
const given = process.env.SANDBOX_MEASURED_SERVER;
if (given && process.send) {
  const {instanceId, config} = JSON.parse(given) as {instanceId: string; config: SandboxConfigInput};
  const server = await startTestServer({instanceId, config});
  process.send({url: server.url});
  const collect = (globalThis as {gc?: () => void}).gc;
  process.on('message', (message) => {
    if (message === 'rss') {
      collect?.();
      collect?.();
      process.send!({rss: process.memoryUsage().rss});
    } else if (message === 'close') {
      void server.close().then(() => process.exit(0));
    }
  });
}
