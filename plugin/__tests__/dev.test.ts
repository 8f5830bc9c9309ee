import assert from 'node:assert/strict';
import {EventEmitter} from 'node:events';
import {describe, it} from 'node:test';
import type {SandboxManifest} from '../../config/block.js';
import {normalizeConfig} from '../../config/normalize.js';
import {
  devServerConfig,
  devSitePort,
  isDevServer,
  serveDevBackend,
  startDevBackend,
  type BackendMessage,
  type BackendProcess,
  type BackendRegistry,
  type PluginMessage,
  type ServerModule,
} from '../dev.js';

const argv = (...args: string[]) => ['node', 'docusaurus', ...args];

describe('dev backend', () => {
  it('runs only under docusaurus start, not build --dev', () => {
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('start')), true);
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('--no-open', 'start')), true);
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('build', '--dev')), false);
    assert.equal(isDevServer({NODE_ENV: 'production'}, argv('build')), false);
    assert.equal(isDevServer({}, argv('start')), false);
  });

  it('finds the dev site port from --port, -p, PORT or the default', () => {
    assert.equal(devSitePort({}, argv('start', '--port', '4000')), 4000);
    assert.equal(devSitePort({}, argv('start', '--port=4100')), 4100);
    assert.equal(devSitePort({}, argv('start', '-p', '4200')), 4200);
    assert.equal(devSitePort({PORT: '5000'}, argv('start')), 5000);
    assert.equal(devSitePort({}, argv('start')), 3000);
  });

  it('listens on the dev port + 1 unless told, allows the dev origins and inline blocks', () => {
    const config = normalizeConfig({server: {origins: ['https://docs.example.com']}});
    const dev = devServerConfig(config, 3000, undefined);
    assert.equal(dev.server.port, 3001);
    assert.equal(dev.server.allowInline, true);
    assert.deepEqual(dev.server.origins, ['https://docs.example.com', 'http://localhost:3000', 'http://127.0.0.1:3000']);
    assert.equal(devServerConfig(config, 3000, 4567).server.port, 4567);
    assert.equal(config.server.allowInline, false, 'the input config is not changed');
  });
});

const manifest: SandboxManifest = {version: 1, blocks: []};
const devConfig = devServerConfig(normalizeConfig({}), 3000, undefined);

/** A backend process that answers `start` with `answer` and exits when its channel closes; `events` records 'disconnect' and 'exit'. */
class FakeBackendProcess extends EventEmitter implements BackendProcess {
  connected = true;
  readonly sent: PluginMessage[] = [];
  disconnects = 0;
  constructor(
    private readonly answer: BackendMessage | 'exit',
    private readonly events: string[] = [],
  ) {
    super();
  }
  send(message: PluginMessage): void {
    this.sent.push(message);
    if (message.type !== 'start') return;
    setImmediate(() => {
      if (this.answer === 'exit') this.end(1);
      else this.emit('message', this.answer);
    });
  }
  disconnect(): void {
    this.disconnects += 1;
    this.events.push('disconnect');
    this.connected = false;
    setImmediate(() => this.end(0));
  }
  /** Ends without being asked to, as a crash or a kill does. */
  crash(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.end(code, signal);
  }
  private end(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.connected = false;
    this.events.push('exit');
    this.emit('exit', code, signal);
  }
}

function start(answer: BackendMessage | 'exit', registry: BackendRegistry = {}, events: string[] = []) {
  const logs: string[] = [];
  const processes: FakeBackendProcess[] = [];
  const backend = startDevBackend(devConfig, (message) => logs.push(message), {
    registry,
    spawn: () => {
      events.push('spawn');
      const child = new FakeBackendProcess(answer, events);
      processes.push(child);
      return child;
    },
  });
  return {backend, logs, processes, registry};
}

const listening: BackendMessage = {type: 'listening', url: 'http://127.0.0.1:3001'};

/** The most backend processes alive at once, from the 'spawn' and 'exit' events. */
function mostAlive(events: string[]): number {
  let alive = 0;
  let most = 0;
  for (const event of events) {
    if (event === 'spawn') most = Math.max(most, (alive += 1));
    if (event === 'exit') alive -= 1;
  }
  return most;
}

describe('dev backend process, plugin side', () => {
  it('starts the process with the config, forwards manifests, and ends it on close, once', async () => {
    const {backend, logs, processes, registry} = start(listening);
    assert.equal(await backend.url, 'http://127.0.0.1:3001');
    assert.deepEqual(logs, ['[docusaurus-sandbox] dev backend listening at http://127.0.0.1:3001']);
    backend.setManifest(manifest);
    const [child] = processes;
    assert.deepEqual(child!.sent, [{type: 'start', config: devConfig}, {type: 'manifest', manifest}]);
    assert.equal(registry.current, backend);
    await Promise.all([backend.close(), backend.close()]);
    await backend.close();
    assert.equal(child!.disconnects, 1);
    assert.equal(registry.current, undefined);
    backend.setManifest(manifest);
    assert.equal(child!.sent.length, 2, 'nothing is sent to an ended process');
  });

  it('ends the previous backend of the process before starting the next, so a site reload gets the port', async () => {
    const events: string[] = [];
    const registry: BackendRegistry = {};
    const first = start(listening, registry, events);
    await first.backend.url;
    const second = start(listening, registry, events);
    assert.equal(await second.backend.url, 'http://127.0.0.1:3001');
    assert.deepEqual(events, ['spawn', 'disconnect', 'exit', 'spawn']);
    assert.equal(registry.current, second.backend);
  });

  it('after two quick reloads (A → B → C) starts C only once A has ended, so no two processes hold the port', async () => {
    const events: string[] = [];
    const registry: BackendRegistry = {};
    const first = start(listening, registry, events);
    await first.backend.url;
    // B is still waiting for A when C replaces it: B never starts, and C must wait for A too.
    const second = start(listening, registry, events);
    const third = start(listening, registry, events);
    assert.equal(await third.backend.url, 'http://127.0.0.1:3001');
    assert.equal(await second.backend.url, '');
    assert.deepEqual(second.processes, []);
    assert.deepEqual(events, ['spawn', 'disconnect', 'exit', 'spawn']);
    assert.equal(mostAlive(events), 1);
    assert.equal(registry.current, third.backend);
    await third.backend.close();
    assert.equal(registry.current, undefined);
  });

  it('says once that the backend exited when it ends after listening without being closed', async () => {
    const crashed = start(listening);
    await crashed.backend.url;
    crashed.processes[0]!.crash(1);
    const killed = start(listening);
    await killed.backend.url;
    killed.processes[0]!.crash(null, 'SIGKILL');
    await Promise.all([crashed.backend.close(), killed.backend.close()]);
    assert.deepEqual(crashed.logs.slice(1), ['[docusaurus-sandbox] the dev backend exited (code 1); Run is unavailable until docusaurus start is restarted.']);
    assert.deepEqual(killed.logs.slice(1), ['[docusaurus-sandbox] the dev backend exited (signal SIGKILL); Run is unavailable until docusaurus start is restarted.']);
  });

  it('says nothing more when a backend it closes exits', async () => {
    const {backend, logs} = start(listening);
    await backend.url;
    await backend.close();
    assert.deepEqual(logs, ['[docusaurus-sandbox] dev backend listening at http://127.0.0.1:3001']);
  });

  it('says why Run is unavailable when the backend does not start', async () => {
    const cases: [BackendMessage | 'exit', RegExp][] = [
      [{type: 'failed', stage: 'load', message: 'Cannot find module'}, /the backend could not be loaded \(Cannot find module\).*set the plugin option serverUrl/],
      [{type: 'failed', stage: 'listen', message: 'listen EADDRINUSE'}, /did not start on port 3001 \(listen EADDRINUSE\); set devServer\.port to a free port/],
      ['exit', /the dev backend process ended before it listened \(exit code 1\)/],
    ];
    for (const [answer, expected] of cases) {
      const {backend, logs} = start(answer);
      assert.equal(await backend.url, '');
      assert.equal(logs.length, 1);
      assert.match(logs[0]!, expected);
      await backend.close();
    }
  });

  it('does not start a process once closed, and logs nothing for a close it asked for', async () => {
    const registry: BackendRegistry = {};
    start(listening, registry);
    const next = start(listening, registry);
    await next.backend.close();
    assert.equal(await next.backend.url, '');
    assert.deepEqual(next.processes, []);
    assert.deepEqual(next.logs, []);
  });
});

/** A server double that records its calls. */
function fakeServerModule(calls: string[], listen: () => Promise<{url: string; port: number}> = async () => ({url: 'http://127.0.0.1:3001', port: 3001})): ServerModule {
  return {
    createSandboxServer: (options) => {
      if (options.manifest) calls.push('created with a manifest');
      return {
        listen: async () => {
          calls.push('listen');
          return listen();
        },
        setManifest: () => void calls.push('setManifest'),
        close: async () => void calls.push('close'),
      };
    },
  };
}

function serve(module: () => Promise<ServerModule>) {
  const sent: BackendMessage[] = [];
  const exits: number[] = [];
  const handlers = serveDevBackend({load: module, send: (message) => sent.push(message), exit: (code) => exits.push(code)});
  return {handlers, sent, exits};
}

describe('dev backend process, backend side', () => {
  it('listens on start and closes the server once before exiting', async () => {
    const calls: string[] = [];
    const {handlers, sent, exits} = serve(async () => fakeServerModule(calls));
    handlers.onMessage({type: 'start', config: devConfig});
    handlers.onMessage({type: 'manifest', manifest});
    await Promise.all([handlers.stop(), handlers.stop()]);
    assert.deepEqual(sent, [listening]);
    assert.deepEqual(calls, ['created with a manifest', 'listen', 'close'], 'a manifest sent while the server loads is not lost');
    assert.deepEqual(exits, [0]);
  });

  it('hands later manifests to the running server', async () => {
    const calls: string[] = [];
    const {handlers, sent} = serve(async () => fakeServerModule(calls));
    handlers.onMessage({type: 'start', config: devConfig});
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(sent, [listening]);
    handlers.onMessage({type: 'manifest', manifest});
    await handlers.stop();
    assert.deepEqual(calls, ['listen', 'setManifest', 'close']);
  });

  it('waits for a start in progress, so a server that was still starting is closed too', async () => {
    const calls: string[] = [];
    let finishListen!: () => void;
    const slow = fakeServerModule(calls, () => new Promise((resolve) => (finishListen = () => resolve({url: 'http://127.0.0.1:3001', port: 3001}))));
    const {handlers, exits} = serve(async () => slow);
    handlers.onMessage({type: 'start', config: devConfig});
    const stopped = handlers.stop();
    await new Promise((resolve) => setImmediate(resolve));
    finishListen();
    await stopped;
    assert.deepEqual(calls, ['listen', 'close']);
    assert.deepEqual(exits, [0]);
  });

  it('ignores a start after stop, and exits without a server', async () => {
    const calls: string[] = [];
    const {handlers, sent, exits} = serve(async () => fakeServerModule(calls));
    await handlers.stop();
    handlers.onMessage({type: 'start', config: devConfig});
    assert.deepEqual([calls, sent, exits], [[], [], [0]]);
  });

  it('reports a failed load or listen and exits with 1, closing what it created', async () => {
    const loadFailure = serve(async () => {
      throw new Error('Cannot find module');
    });
    loadFailure.handlers.onMessage({type: 'start', config: devConfig});
    await loadFailure.handlers.stop();
    assert.deepEqual(loadFailure.sent, [{type: 'failed', stage: 'load', message: 'Cannot find module'}]);
    assert.equal(loadFailure.exits[0], 1);

    const calls: string[] = [];
    const listenFailure = serve(async () =>
      fakeServerModule(calls, async () => {
        throw new Error('listen EADDRINUSE');
      }),
    );
    listenFailure.handlers.onMessage({type: 'start', config: devConfig});
    await listenFailure.handlers.stop();
    assert.deepEqual(listenFailure.sent, [{type: 'failed', stage: 'listen', message: 'listen EADDRINUSE'}]);
    assert.equal(listenFailure.exits[0], 1);
    assert.deepEqual(calls, ['listen', 'close', 'close'], 'the failed server is closed (closing twice is harmless)');
  });
});
