/**
 * `up`, `kill-node` and `down` of the one-machine cluster. Every part `up`
 * starts is written to the state file as soon as it exists, so `down` (and
 * a failed `up`, which runs it) removes exactly what was made, by PID,
 * namespace name and path, and nothing of anyone else's.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {
  type ClusterPlan,
  type ClusterState,
  dockerdArgs,
  gatewayConfig,
  livePids,
  mountsOf,
  netnsPath,
  type NodePlan,
  planCluster,
  redisArgs,
  renderNginxConfig,
  stateFile,
  upSummary,
} from './plan.js';
import {copyImage, freePorts, httpOk, isAlive, redisPing, run, startDetached, stopPid, waitFor} from './processes.js';

export interface CommandContext {
  /** The project's root: deploy/nginx/cluster.conf and dist/server/cli/main.js are found from it. */
  root: string;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
}

export const clusterDir = (given: string | undefined, env: NodeJS.ProcessEnv): string =>
  resolve(given ?? (env.SANDBOX_CLUSTER_DIR || join(tmpdir(), 'docusaurus-sandbox-cluster')));

export function readState(dir: string): ClusterState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
}

function writeState(state: ClusterState): void {
  writeFileSync(state.stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

/** The bundled environments and their images, from the config schema (the list is written once, there). */
async function bundledImages(): Promise<Record<string, string>> {
  const {BUNDLED_ENVIRONMENTS} = await import('../config/schema.js');
  return Object.fromEntries(Object.entries(BUNDLED_ENVIRONMENTS).map(([name, env]) => [name, env.image]));
}

function requireTools(root: string): string {
  const missing = ['dockerd', 'nginx', 'redis-server', 'nsenter', 'ip', 'docker'].filter((tool) => run(['sh', '-c', `command -v ${tool}`], {allowFailure: true}).status !== 0);
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: run \`bash scripts/install-system-deps.sh --cluster\` (as root)`);
  const cli = join(root, 'dist', 'server', 'cli', 'main.js');
  if (!existsSync(cli)) throw new Error('the gateways run the built CLI: run `npm run build` first');
  return cli;
}

export async function up(
  options: {dir: string; nodes: number; images: string[] | undefined; maxSessions: number | undefined; allowInline: boolean; configFile: string | undefined; siteDir?: string | undefined},
  context: CommandContext): Promise<ClusterState> {
  const cli = requireTools(context.root);
  if (readState(options.dir)) throw new Error(`a cluster is already up in ${options.dir}: run \`npm run cluster -- down\` first`);
  const bundled = await bundledImages();
  const images = options.images ?? Object.values(bundled);
  const withoutEnvs = Object.entries(bundled).filter(([, image]) => !images.includes(image)).map(([name]) => name);
  const absent = images.filter((image) => run(['docker', 'image', 'inspect', image], {allowFailure: true}).status !== 0);
  if (absent.length > 0) throw new Error(`the main engine lacks ${absent.join(', ')}: build them with \`node dist/server/cli/main.js images build\``);
  const base = options.configFile ? (JSON.parse(readFileSync(options.configFile, 'utf8')) as Record<string, unknown>) : {};

  // Everything but the state file lives in a folder of its own, named by the cluster's id: `down` removes that folder only.
  const id = randomBytes(4).toString('hex');
  const plan = planCluster({id, dir: join(options.dir, `cluster-${id}`), nodes: options.nodes, ports: await freePorts(2 + 2 * options.nodes), tokenSecret: randomBytes(32).toString('base64url')});
  mkdirSync(plan.dir, {recursive: true});
  const state: ClusterState = {stateFile: stateFile(options.dir), plan, nodes: Object.fromEntries(plan.nodes.map((node) => [node.name, {netns: false, killed: false}]))};
  writeState(state);
  try {
    mkdirSync(plan.redis.dir, {recursive: true});
    state.redisPid = startDetached(['redis-server', ...redisArgs(plan)], {logFile: join(plan.redis.dir, 'stdout.log')});
    writeState(state);
    await waitFor('redis-server', () => redisPing(plan.redis.port), {alive: () => isAlive(state.redisPid!)});

    // Engines one after another: each loads its images with a save|load that takes a core for seconds.
    for (const node of plan.nodes) await startEngine(node, state, images);
    await Promise.all(plan.nodes.map((node) => startGateway(cli, node, state, {base, maxSessions: options.maxSessions, allowInline: options.allowInline, withoutEnvs, siteDir: options.siteDir === undefined ? undefined : resolve(options.siteDir)})));

    mkdirSync(plan.nginx.prefix, {recursive: true});
    const template = readFileSync(join(context.root, 'deploy', 'nginx', 'cluster.conf'), 'utf8');
    writeFileSync(plan.nginx.configFile, renderNginxConfig(template, plan));
    run(['nginx', '-t', '-q', '-p', plan.nginx.prefix, '-c', plan.nginx.configFile, '-e', plan.nginx.logFile]);
    state.nginxPid = startDetached(['nginx', '-p', plan.nginx.prefix, '-c', plan.nginx.configFile, '-e', plan.nginx.logFile], {logFile: join(plan.nginx.prefix, 'stdout.log')});
    writeState(state);
    await waitFor('nginx', () => httpOk(`http://127.0.0.1:${plan.nginx.port}/api/health`), {alive: () => isAlive(state.nginxPid!)});
  } catch (error) {
    context.out(`up failed: ${error instanceof Error ? error.message : String(error)}; removing what it made`);
    await down(state, context).catch(() => {});
    throw error;
  }
  for (const line of upSummary(plan)) context.out(line);
  return state;
}

async function startEngine(node: NodePlan, state: ClusterState, images: string[]): Promise<void> {
  const entry = state.nodes[node.name]!;
  mkdirSync(node.dataRoot, {recursive: true});
  mkdirSync(node.execRoot, {recursive: true});
  run(['ip', 'netns', 'add', node.netns]);
  entry.netns = true;
  writeState(state);
  // nsenter without --fork execs dockerd in its own process: the PID is dockerd's.
  entry.dockerdPid = startDetached(['nsenter', `--net=${netnsPath(node.netns)}`, ...dockerdArgs(node)], {logFile: node.engineLog});
  writeState(state);
  const host = `unix://${node.socket}`;
  await waitFor(`dockerd of ${node.name}`, () => run(['docker', '-H', host, 'version', '--format', '{{.Server.Version}}'], {allowFailure: true, timeoutMs: 5_000}).status === 0, {
    alive: () => isAlive(entry.dockerdPid!),
    timeoutMs: 60_000,
    intervalMs: 250,
  });
  const containerdPidFile = join(node.execRoot, 'containerd', 'containerd.pid');
  if (existsSync(containerdPidFile)) entry.containerdPid = Number(readFileSync(containerdPidFile, 'utf8').trim()) || undefined;
  writeState(state);
  for (const image of images) await copyImage(image, host);
}

async function startGateway(cli: string, node: NodePlan, state: ClusterState, options: {base: Record<string, unknown>; maxSessions: number | undefined; allowInline: boolean; withoutEnvs: string[]; siteDir: string | undefined}): Promise<void> {
  const entry = state.nodes[node.name]!;
  writeFileSync(node.configFile, `${JSON.stringify(gatewayConfig(options.base, state.plan, node, {maxSessions: options.maxSessions, withoutEnvs: options.withoutEnvs}), null, 2)}\n`);
  const argv = [process.execPath, cli, 'serve', ...(options.siteDir === undefined ? [] : [options.siteDir]), '--config', node.configFile, '--admin-port', String(node.adminPort), '--log-level', 'warn', ...(options.allowInline ? ['--allow-inline'] : [])];
  // The engine the gateway drives is the one DOCKER_HOST names.
  entry.gatewayPid = startDetached(argv, {logFile: node.logFile, env: {...process.env, DOCKER_HOST: `unix://${node.socket}`}});
  writeState(state);
  await waitFor(`gateway ${node.name}`, () => httpOk(`http://127.0.0.1:${node.gatewayPort}/api/ready`), {alive: () => isAlive(entry.gatewayPid!), timeoutMs: 30_000});
}

/** Removes a node's containers through its engine (fast: no stop timeout), then stops the engine. */
async function stopEngine(node: NodePlan, state: ClusterState): Promise<void> {
  const entry = state.nodes[node.name]!;
  if (entry.dockerdPid !== undefined && isAlive(entry.dockerdPid)) {
    const host = `unix://${node.socket}`;
    const ids = run(['docker', '-H', host, 'ps', '-aq'], {allowFailure: true, timeoutMs: 10_000}).stdout.split('\n').filter(Boolean);
    if (ids.length > 0) run(['docker', '-H', host, 'rm', '-f', ...ids], {allowFailure: true, timeoutMs: 30_000});
  }
  await stopPid(entry.dockerdPid, {graceMs: 20_000});
  await stopPid(entry.containerdPid, {graceMs: 5_000});
}

/** A crash of one node: its gateway is killed at once (SIGKILL), then its engine goes with its containers. */
export async function killNode(state: ClusterState, name: string, context: CommandContext): Promise<void> {
  const node = state.plan.nodes.find((candidate) => candidate.name === name);
  if (!node) throw new Error(`no node ${name} in this cluster (nodes: ${state.plan.nodes.map((candidate) => candidate.name).join(', ')})`);
  const entry = state.nodes[name]!;
  await stopPid(entry.gatewayPid, {signal: 'SIGKILL'});
  await stopEngine(node, state);
  entry.killed = true;
  writeState(state);
  context.out(`killed ${name}`);
}

/** Redis goes away and comes back empty (no persistence): what the gateways hold in it must rebuild itself. */
export async function restartRedis(state: ClusterState, context: CommandContext): Promise<void> {
  const {plan} = state;
  await stopPid(state.redisPid, {graceMs: 5_000});
  state.redisPid = startDetached(['redis-server', ...redisArgs(plan)], {logFile: join(plan.redis.dir, 'stdout.log')});
  writeState(state);
  await waitFor('redis-server', () => redisPing(plan.redis.port), {alive: () => isAlive(state.redisPid!)});
  context.out(`redis restarted (pid ${state.redisPid})`);
}

export interface Leftovers {
  pids: number[];
  namespaces: string[];
  mounts: string[];
  dirExists: boolean;
}

export function leftovers(plan: ClusterPlan, state: ClusterState): Leftovers {
  const namespaces = run(['ip', 'netns', 'list'], {allowFailure: true}).stdout.split('\n').map((line) => line.split(' ')[0]!).filter((name) => plan.nodes.some((node) => node.netns === name));
  return {
    pids: livePids(state, isAlive),
    namespaces,
    mounts: mountsOf(readFileSync('/proc/mounts', 'utf8'), plan),
    dirExists: existsSync(plan.dir),
  };
}

/** Everything the state names, in reverse order of `up`; then checks nothing is left and says what is. */
export async function down(state: ClusterState, context: CommandContext): Promise<Leftovers> {
  const {plan} = state;
  await stopPid(state.nginxPid, {signal: 'SIGQUIT', graceMs: 5_000});
  // Each gateway removes its own containers as it stops (at most 10 s); they stop side by side.
  await Promise.all(plan.nodes.map((node) => stopPid(state.nodes[node.name]?.gatewayPid, {graceMs: 12_000})));
  await Promise.all(plan.nodes.map((node) => stopEngine(node, state)));
  await stopPid(state.redisPid, {graceMs: 5_000});
  for (const mount of mountsOf(readFileSync('/proc/mounts', 'utf8'), plan)) {
    if (mount.startsWith('/var/run/netns/')) continue; // `ip netns del` below
    if (run(['umount', mount], {allowFailure: true}).status !== 0) run(['umount', '-l', mount], {allowFailure: true});
  }
  for (const node of plan.nodes) if (state.nodes[node.name]?.netns) run(['ip', 'netns', 'del', node.netns], {allowFailure: true});
  // Only the folder `up` made for this cluster (named by its id), then the state file.
  rmSync(plan.dir, {recursive: true, force: true});
  const left = leftovers(plan, state);
  const problems = [
    ...left.pids.map((pid) => `process ${pid}`),
    ...left.namespaces.map((name) => `namespace ${name}`),
    ...left.mounts.map((mount) => `mount ${mount}`),
    ...(left.dirExists ? [`folder ${plan.dir}`] : []),
  ];
  if (problems.length === 0) rmSync(state.stateFile, {force: true});
  context.out(problems.length === 0 ? 'down: nothing left' : `down: left behind ${problems.join(', ')} (the state file ${state.stateFile} stays for another try)`);
  return left;
}
