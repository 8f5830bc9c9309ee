/**
 * The cluster on one machine, for real: redis-server, three Docker engines in
 * their own network namespaces, three gateways and nginx (`npm run cluster`),
 * every request through the entry. Fails (never skips) in CI without root,
 * nginx, Redis or Docker.
 */
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, before, describe, it} from 'node:test';
import {setTimeout as sleep} from 'node:timers/promises';
import type {ClusterState} from '../../cluster/plan.js';
import type {SandboxManifest} from '../../config/index.js';
import {ENVIRONMENT_TOKEN_HEADER, shareSubprotocols, type CreateShareResponse, type EnvironmentInfo} from '../../protocol/index.js';
import {stepBlock} from '../helpers/blocks.js';
import {needCluster} from '../helpers/requirements.js';
import {clusterCli, createSession, Terminal} from './harness.js';

const skip = needCluster();
const PER_CLIENT = 3;
const SHELL = 'docusaurus-sandbox/shell:1';
/** Each test is its own client: a loopback address of its own (nginx forwards $remote_addr). */
let nextAddress = 10;
const client = () => {
  const index = nextAddress++;
  return `127.0.${Math.floor(index / 250)}.${(index % 250) + 1}`;
};

describe('a cluster of three nodes behind nginx with Redis', {skip, timeout: 600_000}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-cluster-test-'));
  let entry = '';
  let state: ClusterState;
  const terminals: Terminal[] = [];
  let downChecked = false;

  before(async () => {
    const config = join(dir, 'base.config.json');
    writeFileSync(config, JSON.stringify({server: {maxSessions: 8, maxSessionsPerClient: PER_CLIENT}}));
    // A page session of two steps, for the environment routes.
    const site = join(dir, 'site');
    mkdirSync(site);
    const manifest: SandboxManifest = {
      version: 1,
      blocks: [
        stepBlock('cluster-step-1', 'cluster-tour', 1, {cmd: 'echo kept-by-step-1 > /workspace/state.txt; cat /workspace/state.txt', source: 'docs/cluster.md'}),
        stepBlock('cluster-step-2', 'cluster-tour', 2, {cmd: 'cat /workspace/state.txt', source: 'docs/cluster.md'}),
      ],
      sessions: [{id: 'cluster-tour', name: 'tour', source: 'docs/cluster.md', env: 'shell', blocks: ['cluster-step-1', 'cluster-step-2']}],
    };
    writeFileSync(join(site, 'sandbox-manifest.json'), JSON.stringify(manifest));
    const printed = await clusterCli(dir, 'up', '--nodes', '3', '--images', SHELL, '--allow-inline', '--config', config, '--site', site);
    entry = /^entry (http:\/\/127\.0\.0\.1:\d+)$/m.exec(printed)?.[1] ?? '';
    assert.ok(entry, `up printed no entry: ${printed}`);
    assert.match(printed, /^node n1 /m);
    state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState;
  });

  after(async () => {
    for (const terminal of terminals) terminal.ws.terminate();
    if (!downChecked && existsSync(join(dir, 'state.json'))) await clusterCli(dir, 'down').catch(() => {});
    rmSync(dir, {recursive: true, force: true});
  });

  const open = async (from: string, cmd: string) => {
    const answer = await createSession(entry, from, {env: 'shell', cmd, interactive: true});
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    return answer.body;
  };

  /** A share of the owner's session, made through the entry on the owner's node path. */
  const createShare = async (session: {id: string; node?: string | undefined}, owner: Terminal, mode: 'view' | 'control') => {
    const answer = await fetch(`${entry}/api/nodes/${session.node}/sessions/${session.id}/shares`, {
      method: 'POST',
      headers: {origin: entry, authorization: `Bearer ${owner.resumeToken}`, 'content-type': 'application/json'},
      body: JSON.stringify({mode, ttl: '5m'}),
    });
    assert.equal(answer.status, 201, await answer.clone().text());
    return (await answer.json()) as CreateShareResponse;
  };

  /** A share viewer straight at one node's gateway, on the share link's socket path (no node in it). */
  const viewerOn = (node: {gatewayPort: number}, from: string, session: {id: string}, token: string) => {
    const terminal = new Terminal(`http://127.0.0.1:${node.gatewayPort}`, from, `/api/sessions/${session.id}/ws`, shareSubprotocols(token));
    terminals.push(terminal);
    return terminal;
  };

  it('spreads sessions over the nodes and routes each socket to its owner', async () => {
    const from = client();
    const nodes: string[] = [];
    for (let index = 0; index < PER_CLIENT; index += 1) {
      const session = await open(from, `echo on-$(cat /etc/hostname 2>/dev/null || echo x)-${index}; sleep 30`);
      nodes.push(session.node!);
      assert.equal(session.ws, `/api/nodes/${session.node}/sessions/${session.id}/ws`);
      const terminal = Terminal.open(entry, from, session);
      terminals.push(terminal);
      await terminal.opened;
      await terminal.until(() => terminal.text().includes(`-${index}`));
    }
    assert.ok(new Set(nodes).size >= 2, `all on one node: ${nodes.join(', ')}`);
    // Every gateway sees every node's heartbeat: per-node gauges, Redis round trips, its placements.
    await sleep(1_500);
    const metrics = await (await fetch(`http://127.0.0.1:${state.plan.nodes[0]!.adminPort}/metrics`)).text();
    for (const node of state.plan.nodes) assert.match(metrics, new RegExp(`sandbox_cluster_node_free\\{node="${node.name}"\\} \\d`));
    assert.match(metrics, /sandbox_cluster_redis_seconds_count\{op="beat",outcome="ok"\} [1-9]/);
  });

  it('refuses a client its maxSessionsPerClient + 1st session with 429, though no node holds that many of its sessions', async () => {
    const from = client();
    const nodes: string[] = [];
    for (let index = 0; index < PER_CLIENT; index += 1) nodes.push((await open(from, 'sleep 60')).node!);
    const perNode = Math.max(...[...new Set(nodes)].map((node) => nodes.filter((other) => other === node).length));
    assert.ok(perNode < PER_CLIENT, `one node holds all ${PER_CLIENT}: ${nodes.join(', ')}`);
    const refused = await createSession(entry, from, {env: 'shell', cmd: 'sleep 60', interactive: true});
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error?.code, 'too-many-sessions');
  });

  it('replays exactly the missed bytes to a socket resumed through the entry', async () => {
    const from = client();
    const session = await open(from, 'printf start; sleep 2; printf middle; sleep 2; printf end; sleep 30');
    const first = Terminal.open(entry, from, session);
    await first.opened;
    await first.until(() => first.text() === 'start' && first.resumeToken !== undefined);
    const received = first.output.length;
    first.ws.terminate();
    // 'middle' is written while no socket is attached.
    await sleep(2_500);
    const second = Terminal.resume(entry, from, session, first.resumeToken!, received);
    terminals.push(second);
    await second.opened;
    await second.until(() => second.text().includes('end'), 10_000);
    const replay = second.messages.find((message) => message.type === 'replay');
    assert.deepEqual(replay, {type: 'replay', from: received, truncated: false});
    assert.equal(second.text(), 'middleend');
    assert.equal(first.text() + second.text(), 'startmiddleend');
  });

  it("carries a shared terminal to viewers on other gateways, straight or through the entry: the owner's output, control input, view-only refusal, revoke 4003, the session's exit", async () => {
    const from = client();
    const session = await open(from, 'cat');
    const owner = Terminal.open(entry, from, session);
    terminals.push(owner);
    await owner.opened;
    await owner.until(() => owner.resumeToken !== undefined, 10_000, 'resume token');
    const share = (mode: 'view' | 'control') => createShare(session, owner, mode);
    const control = await share('control');
    const view = await share('view');
    // Straight to the gateways of the two other nodes, on the share link's socket path (no node in it).
    const others = state.plan.nodes.filter((node) => node.name !== session.node);
    assert.equal(others.length, 2);
    const viewerAt = (node: (typeof others)[number], token: string) => viewerOn(node, from, session, token);
    const controller = viewerAt(others[0]!, control.token);
    await controller.opened;
    await controller.until(() => controller.messages.some((message) => message.type === 'snapshot'), 10_000, 'snapshot');
    owner.ws.send(Buffer.from('typed-by-owner\r'));
    await controller.until(() => controller.text().includes('typed-by-owner'), 10_000);
    // Its keystrokes reach the owner's program (cat echoes them to everyone).
    controller.ws.send(Buffer.from('typed-by-viewer\r'));
    await owner.until(() => owner.text().includes('typed-by-viewer'), 10_000);
    await owner.until(() => owner.messages.some((message) => message.type === 'presence' && message.controllers === 1), 10_000, 'presence');

    const watcher = viewerAt(others[1]!, view.token);
    await watcher.opened;
    await watcher.until(() => watcher.text().includes('typed-by-viewer'), 10_000, 'the screen so far');
    watcher.ws.send(Buffer.from('refused\r'));
    await watcher.until(() => watcher.messages.some((message) => message.type === 'error' && message.code === 'view-only'), 10_000, 'view-only');
    await sleep(300);
    assert.ok(!owner.text().includes('refused'), "a view viewer's keystrokes never reach the program");

    // A forged token is refused by the viewer's gateway itself, the same 401 as on the owner's.
    const forged = viewerAt(others[1]!, control.token.slice(0, -4) + 'AAAA');
    await assert.rejects(forged.opened, /upgrade refused: 401/);

    const revoked = await fetch(`${entry}/api/nodes/${session.node}/sessions/${session.id}/shares/${control.id}`, {method: 'DELETE', headers: {origin: entry, authorization: `Bearer ${owner.resumeToken}`}});
    assert.equal(revoked.status, 204);
    assert.equal(await Promise.race([controller.closed, sleep(5_000).then(() => 'open')]), 4003);
    // The view viewer stays and still follows the owner, and is told who watches now.
    owner.ws.send(Buffer.from('after-revoke\r'));
    await watcher.until(() => watcher.text().includes('after-revoke'), 10_000);
    await watcher.until(() => watcher.messages.some((message) => message.type === 'presence' && message.viewers === 1 && message.controllers === 0), 10_000, 'presence after the revoke');

    // Through the entry, on the share link's path: whichever gateway nginx picks serves the viewer.
    // The gateways' gauge of viewers whose session another node holds (their logs are at warn).
    const viewersHere = async () =>
      new Map(
        await Promise.all(
          state.plan.nodes.map(async (node) => {
            const metrics = await (await fetch(`http://127.0.0.1:${node.adminPort}/metrics`)).text();
            return [node.name, Number(/^sandbox_cluster_share_viewers\{side="here"\} (\d+)/m.exec(metrics)?.[1] ?? 0)] as const;
          }),
        ),
      );
    const before = await viewersHere();
    const viaEntry = [0, 1, 2].map(() => {
      const terminal = new Terminal(entry, from, `/api/sessions/${session.id}/ws`, shareSubprotocols(view.token));
      terminals.push(terminal);
      return terminal;
    });
    for (const terminal of viaEntry) {
      await terminal.opened;
      await terminal.until(() => terminal.text().includes('after-revoke'), 10_000, 'the screen through the entry');
    }
    const after = await viewersHere();
    assert.equal(before.get(others[1]!.name), 1, 'the watcher is counted where it is');
    const servedBy = state.plan.nodes.filter((node) => after.get(node.name)! > before.get(node.name)!).map((node) => node.name);
    assert.ok(servedBy.length > 0 && !servedBy.includes(session.node!), `no viewer through the entry landed on a gateway other than the owner ${session.node}: ${JSON.stringify([...after])}`);
    const ownerMetrics = await (await fetch(`http://127.0.0.1:${state.plan.nodes.find((node) => node.name === session.node)!.adminPort}/metrics`)).text();
    assert.match(ownerMetrics, /^sandbox_cluster_share_viewers\{side="relayed"\} [2-9]/m);

    // The session ends (Ctrl-D ends cat, then the interactive session's shell is left) and its end reaches the
    // viewers on the other gateways: the exit, then close 1000.
    owner.ws.send(Buffer.from('\x04'));
    await owner.until(() => owner.text().endsWith('$ '), 10_000, 'the shell after cat');
    owner.ws.send(Buffer.from('exit\r'));
    await owner.until(() => owner.messages.some((message) => message.type === 'exit'), 10_000, `the owner's exit (${JSON.stringify(owner.messages.slice(-3))})`);
    for (const terminal of [watcher, ...viaEntry]) {
      assert.equal(await Promise.race([terminal.closed, sleep(10_000).then(() => 'open')]), 1000, JSON.stringify(terminal.messages.slice(-4)));
      assert.ok(terminal.messages.some((message) => message.type === 'exit'), 'the exit came first');
    }
  });

  it("runs a page session's later steps in its environment on its node, whichever gateway gets the request", async () => {
    const from = client();
    const runStep = async (body: Record<string, unknown>) => {
      const answer = await createSession(entry, from, body);
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      const terminal = Terminal.open(entry, from, answer.body);
      terminals.push(terminal);
      assert.notEqual(await Promise.race([terminal.closed, sleep(15_000).then(() => 'open')]), 'open', 'the step did not end');
      return {answer: answer.body as typeof answer.body & {environment?: EnvironmentInfo}, output: terminal.text()};
    };
    const first = await runStep({block: 'cluster-step-1'});
    const environment = first.answer.environment!;
    assert.match(environment.id, new RegExp(`^env-${first.answer.node}\\.`), 'the id names its node');
    // Three more runs of step 2: the balancer sends some of them to other gateways, which send them on (307).
    for (let run = 0; run < 3; run += 1) {
      const later = await runStep({block: 'cluster-step-2', environment: {id: environment.id, token: environment.token}});
      assert.equal(later.answer.node, first.answer.node);
      assert.match(later.output, /kept-by-step-1/);
    }
    const headers = {origin: entry, [ENVIRONMENT_TOKEN_HEADER]: environment.token};
    const state = await fetch(`${entry}/api/environments/${environment.id}`, {headers});
    assert.equal(state.status, 200);
    assert.deepEqual(((await state.json()) as EnvironmentInfo).ran, [1, 2]);
    assert.equal((await fetch(`${entry}/api/environments/${environment.id}`, {method: 'DELETE', headers})).status, 204);
    assert.equal((await fetch(`${entry}/api/environments/${environment.id}`, {headers})).status, 404);
  });

  it('keeps echoing through a Redis restart (no pause over 1 s), with a viewer on another gateway who follows on after it; the limits come back', async () => {
    const from = client();
    const session = await open(from, 'cat');
    const terminal = Terminal.open(entry, from, session);
    terminals.push(terminal);
    await terminal.opened;
    await terminal.until(() => terminal.messages.some((message) => message.type === 'status' && message.state === 'running'), 10_000, 'running status').catch(() => {});
    // A viewer on another gateway watches throughout: the owner's echo must not wait on Redis for it either.
    await terminal.until(() => terminal.resumeToken !== undefined, 10_000, 'resume token');
    const share = await createShare(session, terminal, 'view');
    const watcher = viewerOn(state.plan.nodes.find((node) => node.name !== session.node)!, from, session, share.token);
    await watcher.opened;
    await watcher.until(() => watcher.messages.some((message) => message.type === 'snapshot'), 10_000, 'snapshot');
    const arrivals: number[] = [];
    let seen = 0;
    terminal.ws.on('message', (_data, binary) => {
      if (binary) arrivals.push(Date.now());
    });
    let typing = true;
    const typist = (async () => {
      while (typing) {
        terminal.ws.send(Buffer.from('x'));
        await sleep(20);
      }
    })();
    await sleep(500);
    const restarted = clusterCli(dir, 'restart-redis');
    const began = Date.now();
    await restarted;
    await sleep(1_500);
    typing = false;
    await typist;
    seen = arrivals.length;
    const during = arrivals.filter((time) => time >= began - 200);
    const gaps = during.slice(1).map((time, index) => time - during[index]!);
    assert.ok(seen > 50, `only ${seen} echoes`);
    assert.ok(Math.max(...gaps) < 1_000, `echo paused ${Math.max(...gaps)} ms`);
    // The viewer's gateway and the owner subscribed again by themselves: the viewer follows what comes next.
    terminal.ws.send(Buffer.from('\rafter-the-restart\r'));
    await watcher.until(() => watcher.text().includes('after-the-restart'), 10_000, 'output after the restart');
    // The gateways reconnect by themselves: the cluster-wide limit holds again.
    await sleep(1_000);
    const other = client();
    for (let index = 0; index < PER_CLIENT; index += 1) await open(other, 'sleep 60');
    assert.equal((await createSession(entry, other, {env: 'shell', cmd: 'sleep 60', interactive: true})).status, 429);
  });

  it('admits on each gateway\'s own limits while Redis is down, at once, with a warning metric', async () => {
    const current = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState;
    process.kill(current.redisPid!, 'SIGKILL');
    await sleep(300);
    const from = client();
    const started = Date.now();
    const answer = await createSession(entry, from, {env: 'shell', cmd: 'echo without-redis'});
    const took = Date.now() - started;
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    assert.ok(took < 2_000, `creation took ${took} ms without Redis`);
    const terminal = Terminal.open(entry, from, answer.body);
    terminals.push(terminal);
    await terminal.until(() => terminal.text().includes('without-redis'));
    const node = current.plan.nodes.find((candidate) => candidate.name === answer.body.node)!;
    const metrics = await (await fetch(`http://127.0.0.1:${node.adminPort}/metrics`)).text();
    assert.match(metrics, /sandbox_cluster_redis_fallbacks_total\{op="admit"\} [1-9]/);
    await clusterCli(dir, 'restart-redis');
  });

  it('kill-node: its readers lose their socket, new sessions land on the others within 5 s and never on it', async () => {
    // A reader on n1 (try a few clients until the balancer picks n1).
    let onDead: Terminal | undefined;
    for (let attempt = 0; attempt < 9 && !onDead; attempt += 1) {
      const from = client();
      const session = await open(from, 'sleep 60');
      if (session.node !== 'n1') continue;
      onDead = Terminal.open(entry, from, session);
      terminals.push(onDead);
      await onDead.opened;
    }
    assert.ok(onDead, 'no session landed on n1');
    const killed = Date.now();
    await clusterCli(dir, 'kill-node', 'n1');
    const code = await Promise.race([onDead.closed, sleep(5_000).then(() => 'still open')]);
    assert.notEqual(code, 'still open', "n1's reader kept its socket");
    let firstSuccess: number | undefined;
    const nodes: string[] = [];
    const failures: string[] = [];
    while (Date.now() - killed < 5_000 || nodes.length < 4) {
      const from = client();
      const answer = await createSession(entry, from, {env: 'shell', cmd: 'echo ran'});
      if (answer.status === 201) {
        firstSuccess ??= Date.now() - killed;
        nodes.push(answer.body.node!);
        // A reader that reads its output to the end: the session ends and frees its slot.
        const terminal = Terminal.open(entry, from, answer.body);
        terminals.push(terminal);
        assert.notEqual(await Promise.race([terminal.closed, sleep(10_000).then(() => 'open')]), 'open', 'a finished session keeps its socket');
        assert.match(terminal.text(), /ran/);
      } else if (firstSuccess !== undefined) {
        failures.push(`${answer.status} ${answer.body.error?.code}`);
      }
      if (Date.now() - killed > 20_000) break;
      await sleep(100);
    }
    assert.ok(firstSuccess !== undefined && firstSuccess < 5_000, `first session after the kill at ${firstSuccess} ms`);
    assert.deepEqual(failures, [], 'every creation after the first success succeeds');
    assert.ok(!nodes.includes('n1'), `a session landed on the dead node: ${nodes.join(', ')}`);
    assert.ok(nodes.length >= 4, `only ${nodes.length} sessions after the kill`);
  });

  it('down leaves no process, namespace, mount or folder behind', async () => {
    for (const terminal of terminals) terminal.ws.terminate();
    const printed = await clusterCli(dir, 'down');
    downChecked = true;
    assert.match(printed, /down: nothing left/);
    const {plan} = state;
    const pids = [state.redisPid, state.nginxPid, ...Object.values(state.nodes).flatMap((node) => [node.gatewayPid, node.dockerdPid, node.containerdPid])].filter((pid): pid is number => pid !== undefined);
    assert.ok(pids.length >= 8, `the state recorded only ${pids.length} processes`);
    const alive = pids.filter((pid) => existsSync(`/proc/${pid}`) && !/\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    assert.deepEqual(alive, []);
    // Anything else still running with the cluster's folder in its command line (a shim, a stray containerd).
    const strays = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(plan.dir);
      } catch {
        return false;
      }
    });
    assert.deepEqual(strays, []);
    const namespaces = execFileSync('ip', ['netns', 'list'], {encoding: 'utf8'});
    for (const node of plan.nodes) assert.ok(!namespaces.includes(node.netns), `${node.netns} is left`);
    assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(plan.dir), 'a mount is left');
    assert.equal(existsSync(plan.dir), false);
  });
});
