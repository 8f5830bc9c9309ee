/**
 * Shared terminals through the real HTTP API, WebSockets and Docker: the
 * owner runs `cat`, viewers join through view and control shares, a late
 * joiner gets the current screen, revoke and session end close viewers with
 * their documented codes, and a viewer that stops reading for 30 s while the
 * program floods harms neither the owner's echo nor the server's memory.
 */
import assert from 'node:assert/strict';
import type {Socket} from 'node:net';
import {after, before, describe, it} from 'node:test';
import xtermHeadless from '@xterm/headless';
import {CLOSE_CODES, resumeSubprotocols, shareSubprotocols, type CreateSessionResponse, type CreateShareResponse, type ServerMessage} from '../../protocol/index.js';
import {buildImages} from '../../server/runtime/images.js';
import {needDocker} from '../helpers/requirements.js';
import {startMeasuredServer, type MeasuredServer} from '../helpers/measured-server.js';
import {serverClient, startTestServer, TestClient, testInstanceId, waitForNoContainers, type ServerClient, type TestServer} from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const latestResumeToken = (client: TestClient): string => {
  const message = client.messages.findLast((item): item is Extract<ServerMessage, {type: 'resume-token'}> => item.type === 'resume-token');
  assert.ok(message, 'the owner got a resume token');
  return message.token;
};

const running = (client: TestClient) => client.waitFor(() => client.messages.some((message) => message.type === 'status' && message.state === 'running'), 20_000, 'running');

/** POST …/shares as the owner's page would (its origin and Referer, its latest resume token). */
async function postShare(api: ServerClient, session: CreateSessionResponse, bearer: string, body: unknown): Promise<{status: number; body: unknown}> {
  const response = await fetch(`${api.url}/api/sessions/${session.id}/shares`, {
    method: 'POST',
    headers: {'content-type': 'application/json', origin: api.origin, referer: `${api.origin}/docs/shared?x=1`, authorization: `Bearer ${bearer}`},
    body: JSON.stringify(body),
  });
  return {status: response.status, body: await response.json()};
}

async function share(api: ServerClient, session: CreateSessionResponse, owner: TestClient, mode: 'view' | 'control'): Promise<CreateShareResponse> {
  const response = await postShare(api, session, latestResumeToken(owner), {mode, ttl: '30m'});
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body as CreateShareResponse;
}

const joinShare = (api: ServerClient, session: CreateSessionResponse, created: CreateShareResponse) =>
  TestClient.connect(`${api.url.replace(/^http/, 'ws')}${session.ws}`, {protocols: shareSubprotocols(created.token), origin: api.origin});

/** The visible screen of a terminal that was given `data`, as trimmed lines (trailing blank lines dropped). */
async function render(data: Buffer, cols = 80, rows = 24): Promise<string[]> {
  const terminal = new xtermHeadless.Terminal({cols, rows, allowProposedApi: true});
  await new Promise<void>((resolve) => terminal.write(data, resolve));
  const buffer = terminal.buffer.active;
  const lines = Array.from({length: rows}, (_, row) => buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
  terminal.dispose();
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return lines;
}

const errorCodes = (client: TestClient) => client.messages.flatMap((message) => (message.type === 'error' ? [message.code] : []));

describe('shared terminals (Docker)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('shares');
  let server: TestServer;

  before(async () => {
    await buildImages({envs: ['shell']});
    server = await startTestServer({instanceId, config: {limits: {timeout: '2m', maxTimeout: '5m', idleTimeout: '2m'}}});
  });
  after(async () => {
    await server?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  /** A series of this server's /metrics registry (0 when absent). */
  const metricValue = async (name: string, labels: Record<string, string>): Promise<number> => {
    const metrics = await server.server.metrics.registry.getMetricsAsJSON();
    const entry = metrics.find((metric) => metric.name === name)?.values.find((item) => Object.entries(labels).every(([key, label]) => item.labels[key] === label));
    return entry?.value ?? 0;
  };

  const openCat = async () => {
    const session = await server.create({env: 'shell', cmd: 'cat', interactive: true});
    const owner = await server.connect(session);
    await running(owner);
    return {session, owner};
  };

  it('a view share: the viewer sees the owner typing; its own keys are refused and never reach the program', async () => {
    const {session, owner} = await openCat();
    const created = await share(server, session, owner, 'view');
    assert.equal(created.mode, 'view');
    assert.ok(Date.parse(created.expiresAt) > Date.now() + 29 * 60_000, created.expiresAt);
    const link = new URL(created.url);
    assert.equal(link.pathname, '/docs/shared', 'the page the owner came from');
    assert.equal(link.search, '', 'the share is never in a query string');
    assert.equal(new URLSearchParams(link.hash.slice(1)).get('sandbox-share'), created.token);
    const viewer = await joinShare(server, session, created);
    await viewer.waitFor(() => viewer.messages.some((message) => message.type === 'snapshot'), 5_000, 'a snapshot');
    await owner.waitFor(() => owner.messages.some((message) => message.type === 'presence' && message.viewers === 1), 5_000, 'presence 1');

    owner.send(Buffer.from('owner-typed\r'));
    await viewer.waitForOutput('owner-typed\r\nowner-typed');
    viewer.send(Buffer.from('viewer-typed\r'));
    await viewer.waitFor(() => errorCodes(viewer).includes('view-only'), 5_000, 'the view-only refusal');
    viewer.control({type: 'resize', cols: 100, rows: 30});
    await viewer.waitFor(() => errorCodes(viewer).filter((code) => code === 'view-only').length === 2, 5_000, 'the resize refusal');
    owner.send(Buffer.from('after\r'));
    await owner.waitForOutput('after\r\nafter');
    await viewer.waitForOutput('after\r\nafter');
    assert.doesNotMatch(owner.output, /viewer-typed/);
    assert.doesNotMatch(viewer.output, /viewer-typed/);
    owner.ws.close(1000);
    await viewer.closed;
  });

  it('a control share: the viewer’s keys reach the program and are echoed to both', async () => {
    const {session, owner} = await openCat();
    const viewer = await joinShare(server, session, await share(server, session, owner, 'control'));
    await owner.waitFor(() => owner.messages.some((message) => message.type === 'presence' && message.viewers === 1 && message.controllers === 1), 5_000, 'presence');
    viewer.send(Buffer.from('from-the-viewer\r'));
    // The terminal echoes the line, then cat prints it: twice on each side.
    await owner.waitForOutput('from-the-viewer\r\nfrom-the-viewer\r\n');
    await viewer.waitForOutput('from-the-viewer\r\nfrom-the-viewer\r\n');
    owner.ws.close(1000);
  });

  it('a viewer joining after 2 MiB of output gets the current screen: its last line equals the owner’s within 200 ms', async () => {
    const session = await server.create({env: 'shell', cmd: 'seq 1 300000; echo LAST-LINE; exec cat', interactive: true});
    const owner = await server.connect(session);
    await owner.waitForOutput('LAST-LINE', 60_000);
    assert.ok(owner.receivedBytes > 2 * 1024 * 1024, `${owner.receivedBytes} bytes`);
    const created = await share(server, session, owner, 'view');
    const ownerScreen = await render(Buffer.concat(owner.received));
    assert.equal(ownerScreen.at(-1), 'LAST-LINE');
    const joined = Date.now();
    const viewer = await joinShare(server, session, created);
    let viewerScreen: string[] = [];
    for (;;) {
      viewerScreen = await render(Buffer.concat(viewer.received));
      if (viewerScreen.at(-1) === ownerScreen.at(-1) || Date.now() - joined > 2_000) break;
      await sleep(10);
    }
    const elapsed = Date.now() - joined;
    assert.equal(viewerScreen.at(-1), ownerScreen.at(-1));
    assert.deepEqual(viewerScreen, ownerScreen, 'the whole screen, not only its last line');
    assert.ok(elapsed <= 200, `the screen took ${elapsed} ms`);
    assert.ok(viewer.receivedBytes < 256 * 1024, `a screen, not the output (${viewer.receivedBytes} bytes)`);
    owner.ws.close(1000);
  });

  it('revoking closes the viewer with 4003 at once; the owner sees the presence drop', async () => {
    const {session, owner} = await openCat();
    const created = await share(server, session, owner, 'view');
    const viewer = await joinShare(server, session, created);
    await owner.waitFor(() => owner.messages.some((message) => message.type === 'presence' && message.viewers === 1), 5_000, 'presence 1');
    const viewersBefore = await metricValue('sandbox_share_viewers', {mode: 'view'});
    assert.ok(viewersBefore >= 1);
    const response = await fetch(`${server.url}/api/sessions/${session.id}/shares/${created.id}`, {
      method: 'DELETE',
      headers: {origin: server.origin, authorization: `Bearer ${latestResumeToken(owner)}`},
    });
    assert.equal(response.status, 204);
    const closed = await viewer.closed;
    assert.equal(closed.code, CLOSE_CODES.shareRevoked);
    // Counted in /metrics.
    assert.ok((await metricValue('sandbox_shares_created_total', {mode: 'view'})) >= 1);
    assert.ok((await metricValue('sandbox_share_viewers_closed_total', {reason: 'revoked'})) >= 1);
    assert.equal(await metricValue('sandbox_share_viewers', {mode: 'view'}), viewersBefore - 1, 'the revoked viewer is no longer counted');
    await owner.waitFor(() => owner.messages.findLast((message) => message.type === 'presence')?.type === 'presence' && (owner.messages.findLast((message) => message.type === 'presence') as {viewers: number}).viewers === 0, 5_000, 'presence 0');
    owner.ws.close(1000);
  });

  it('a viewer that drops comes back with the same link and gets a fresh screen; an owner who drops resumes as before and is told who watches', async () => {
    const {session, owner} = await openCat();
    const created = await share(server, session, owner, 'view');
    const first = await joinShare(server, session, created);
    owner.send(Buffer.from('before-the-drop\r'));
    await first.waitForOutput('before-the-drop\r\nbefore-the-drop');
    (first.ws as unknown as {_socket: Socket})._socket.destroy();
    await first.closed;
    const again = await joinShare(server, session, created);
    await again.waitFor(() => again.messages.some((message) => message.type === 'snapshot'), 5_000, 'a snapshot');
    assert.ok((await render(Buffer.concat(again.received))).includes('before-the-drop'), 'the screen of now, with what came before the drop');

    const oldCredential = latestResumeToken(owner);
    (owner.ws as unknown as {_socket: Socket})._socket.destroy();
    await owner.closed;
    const resumed = await TestClient.connect(`${server.url.replace(/^http/, 'ws')}${session.ws}`, {protocols: resumeSubprotocols(oldCredential, owner.receivedBytes), origin: server.origin});
    await resumed.waitFor(() => resumed.messages.some((message) => message.type === 'presence' && message.viewers === 1), 5_000, 'presence after the resume');
    assert.deepEqual(resumed.messages.find((message) => message.type === 'replay'), {type: 'replay', from: owner.receivedBytes, truncated: false});
    resumed.send(Buffer.from('after-the-resume\r'));
    await again.waitForOutput('after-the-resume\r\nafter-the-resume');
    // The rotated credential is the one that authorises share calls now.
    assert.equal((await postShare(server, session, oldCredential, {mode: 'view'})).status, 401);
    assert.equal((await postShare(server, session, latestResumeToken(resumed), {mode: 'view'})).status, 201);
    resumed.ws.close(1000);
    await again.closed;
  });

  it('the session ends: the owner and every viewer get the exit', async () => {
    const session = await server.create({env: 'shell', cmd: 'read line; echo "got-$line"'});
    const owner = await server.connect(session);
    await running(owner);
    const viewers = [await joinShare(server, session, await share(server, session, owner, 'view')), await joinShare(server, session, await share(server, session, owner, 'control'))];
    await owner.waitFor(() => owner.messages.some((message) => message.type === 'presence' && message.viewers === 2), 5_000, 'presence 2');
    owner.send(Buffer.from('bye\r'));
    for (const client of [owner, ...viewers]) {
      await client.waitForOutput('got-bye');
      const exit = await client.waitForExit(15_000);
      assert.deepEqual(exit, {type: 'exit', code: 0, reason: 'exit'});
      assert.equal((await client.closed).code, CLOSE_CODES.normal);
    }
  });
});

/** Echo round trips of the owner: a marker typed, the time until its echo arrives. */
class EchoProbe {
  #tail = '';
  #waiting: {marker: string; resolve: () => void} | undefined;

  constructor(readonly client: TestClient) {
    client.keepBytes = 64 * 1024;
    client.ws.on('message', (data, isBinary) => {
      if (!isBinary || !this.#waiting) return;
      const text = this.#tail + (data as Buffer).toString('latin1');
      this.#tail = text.slice(-16);
      if (text.includes(this.#waiting.marker)) {
        const waiting = this.#waiting;
        this.#waiting = undefined;
        waiting.resolve();
      }
    });
  }

  #count = 0;

  /** One round trip (ms): a marker typed, until its echo arrives (5 s at most). */
  async once(): Promise<number> {
    const marker = `Zq${this.#count++}Q`;
    const echoed = new Promise<void>((resolve) => (this.#waiting = {marker, resolve}));
    const start = performance.now();
    this.client.send(Buffer.from(`${marker}\r`));
    await Promise.race([echoed, sleep(5_000)]);
    return performance.now() - start;
  }
}

/** Samples the probes in turns for `ms`; returns each one's round trips. */
async function sampleInTurns(probes: EchoProbe[], ms: number): Promise<number[][]> {
  const results = probes.map(() => [] as number[]);
  const end = Date.now() + ms;
  let turn = 0;
  while (Date.now() < end) {
    // In turns, each first every other time: neither measurement always follows the other's echo.
    const order = turn++ % 2 === 0 ? probes.entries() : [...probes.entries()].reverse();
    for (const [index, probe] of order) results[index]!.push(await probe.once());
    await sleep(10);
  }
  return results;
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]!;
const summary = (values: number[]) => ({n: values.length, p50: quantile(values, 0.5).toFixed(2), p90: quantile(values, 0.9).toFixed(2), p99: quantile(values, 0.99).toFixed(2)});

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * 0.99))]!;


describe('a stalled viewer during a flood (Docker, its own server process)', {skip: needDocker()}, () => {
  const instanceId = testInstanceId('shares-stall');
  let serve: MeasuredServer | undefined;

  before(async () => {
    await buildImages({envs: ['shell']});
    // No heartbeat cut during the stall (a paused socket answers no ping); output enough for minutes of flood.
    serve = await startMeasuredServer({
      instanceId,
      config: {server: {heartbeatInterval: '10m'}, limits: {timeout: '5m', maxTimeout: '5m', idleTimeout: '5m', outputLimit: '1g', maxLifetime: '10m'}},
    });
  });
  after(async () => {
    await serve?.close();
    assert.equal(await waitForNoContainers(instanceId), 0);
  });

  it('30 s of a viewer that does not read: the owner’s echo p99 within 2 ms of the same run without it, RSS growth < 2 MiB, the viewer resynced or cut', {timeout: 240_000}, async () => {
    const api = serverClient(serve!.url);
    // Two owners, each sharing a session that floods (numbered lines in bursts, ~0.3 MB/s) with cat in the
    // foreground echoing the owner's markers. Only the first has a viewer, which stops reading; the second
    // is the same measurement without it, sampled in turns with the first so both meet the same load.
    const open = async () => {
      const session = await api.create({env: 'shell', cmd: '(while :; do seq 1 1000; sleep 0.02; done) & exec cat', interactive: true});
      const owner = await api.connect(session);
      const probe = new EchoProbe(owner);
      await running(owner);
      return {session, owner, probe, created: await share(api, session, owner, 'view')};
    };
    const watched = await open();
    const alone = await open();
    const viewer = await joinShare(api, watched.session, watched.created);
    viewer.keepBytes = 64 * 1024;
    await viewer.waitFor(() => viewer.messages.some((message) => message.type === 'snapshot'), 5_000, 'the first snapshot');
    // Warm up (JIT, the heap and the allocator's arenas) before anything is measured.
    await sampleInTurns([watched.probe, alone.probe], 30_000);
    const rssWarm = await serve!.rss();
    // The same 30 s with the viewer reading: how much the server's RSS moves by itself.
    await sampleInTurns([watched.probe, alone.probe], 30_000);
    const socket = (viewer.ws as unknown as {_socket: Socket})._socket;
    const rssBefore = await serve!.rss();
    socket.pause();
    const [withViewer, withoutViewer] = await sampleInTurns([watched.probe, alone.probe], 30_000);
    const rssAfter = await serve!.rss();
    socket.resume();
    await viewer.waitFor(
      () => viewer.messages.filter((message) => message.type === 'snapshot').length >= 2 || viewer.ws.readyState === viewer.ws.CLOSED,
      30_000,
      'a resync or a cut',
    );
    const cut = viewer.ws.readyState === viewer.ws.CLOSED ? (await viewer.closed).code : undefined;
    if (cut !== undefined) assert.equal(cut, CLOSE_CODES.viewerBehind);
    const report = {
      withViewer: summary(withViewer!),
      withoutViewer: summary(withoutViewer!),
      rssGrowthKiB: Math.round((rssAfter - rssBefore) / 1024),
      rssGrowthReadingKiB: Math.round((rssBefore - rssWarm) / 1024),
      blockP99s: [withViewer!, withoutViewer!].map((values) => [0, 1, 2].map((block) => p99(values.slice((block * values.length) / 3, ((block + 1) * values.length) / 3)).toFixed(1))),
      resynced: cut === undefined,
      snapshots: viewer.messages.filter((message) => message.type === 'snapshot').length,
    };
    console.log(`stalled viewer: ${JSON.stringify(report)}`);
    assert.ok(withViewer!.length > 1000 && withoutViewer!.length > 1000, JSON.stringify(report));
    assert.ok(p99(withViewer!) <= p99(withoutViewer!) + 2, JSON.stringify(report));
    assert.ok(rssAfter - rssBefore < 2 * 1024 * 1024, JSON.stringify(report));
    for (const {owner} of [watched, alone]) {
      owner.ws.close(1000);
      await owner.closed;
    }
  });
});
