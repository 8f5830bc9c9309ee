/**
 * The one-machine cluster, as data: the command line, the names, paths and
 * ports of every part (Redis, one Docker engine per network namespace, one
 * gateway per engine, nginx), the argument lists that start them, and the
 * state file that lets `kill-node` and `down` remove exactly what `up` made.
 * Pure: `main.ts` does the effects.
 */
import {join} from 'node:path';
import {NODE_NAME_PATTERN} from '../config/schema.js';

export class ClusterUsageError extends Error {
  readonly code = 'usage';
  override readonly name = 'ClusterUsageError';
}

export const CLUSTER_USAGE = `Usage: npm run cluster -- <command> [options]

  up [--nodes N]             Start redis-server, N Docker engines (each in its own network namespace),
                             N gateways and nginx on loopback; print the entry URL and the node names
      --nodes N              How many nodes (1-9, default 3)
      --images LIST          Images to load into each engine, comma-separated (default: every bundled one)
      --max-sessions N       server.maxSessions of each gateway (default the config's)
      --allow-inline         Gateways also run sessions that are not blocks of a manifest
      --config FILE          Base config file for the gateways (server.node, port and redis are set per node)
      --site DIR             A built site (its sandbox-manifest.json) every gateway serves and runs the blocks of
  kill-node NAME             Kill that node's gateway and its engine (as a crash would)
  restart-redis              Stop redis-server and start it again on the same port (it keeps no data)
  down                       Remove everything up made: processes, namespaces, containers, mounts, data roots
  status                     Print the state file

  --dir DIR                  Where the cluster keeps its state and data roots
                             (default SANDBOX_CLUSTER_DIR, else <tmp>/docusaurus-sandbox-cluster)`;

export type ClusterCommand =
  | {command: 'up'; dir: string | undefined; nodes: number; images: string[] | undefined; maxSessions: number | undefined; allowInline: boolean; configFile: string | undefined; siteDir?: string}
  | {command: 'kill-node'; dir: string | undefined; name: string}
  | {command: 'down'; dir: string | undefined}
  | {command: 'restart-redis'; dir: string | undefined}
  | {command: 'status'; dir: string | undefined}
  | {command: 'help'};

export const MAX_NODES = 9;

function takeValue(argv: readonly string[], index: number, flag: string): string {
  const value = argv[index + 1];
  if (value === undefined || value.startsWith('--')) throw new ClusterUsageError(`${flag} needs a value`);
  return value;
}

function wholeNumber(text: string, flag: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) throw new ClusterUsageError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
  return value;
}

export function parseClusterArgs(argv: readonly string[]): ClusterCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return {command: 'help'};
  let dir: string | undefined;
  let nodes = 3;
  let images: string[] | undefined;
  let maxSessions: number | undefined;
  let allowInline = false;
  let configFile: string | undefined;
  let siteDir: string | undefined;
  const positionals: string[] = [];
  for (let index = 0; index < rest.length; index += 1) {
    const argument = rest[index]!;
    const upOnly = () => {
      if (command !== 'up') throw new ClusterUsageError(`${argument} is an option of "up" only`);
    };
    switch (argument) {
      case '--dir':
        dir = takeValue(rest, index++, argument);
        break;
      case '--nodes':
        upOnly();
        nodes = wholeNumber(takeValue(rest, index++, argument), argument, 1, MAX_NODES);
        break;
      case '--images':
        upOnly();
        images = takeValue(rest, index++, argument).split(',').map((image) => image.trim()).filter(Boolean);
        break;
      case '--max-sessions':
        upOnly();
        maxSessions = wholeNumber(takeValue(rest, index++, argument), argument, 1, 10_000);
        break;
      case '--allow-inline':
        upOnly();
        allowInline = true;
        break;
      case '--config':
        upOnly();
        configFile = takeValue(rest, index++, argument);
        break;
      case '--site':
        upOnly();
        siteDir = takeValue(rest, index++, argument);
        break;
      default:
        if (argument.startsWith('--')) throw new ClusterUsageError(`unknown option ${argument}`);
        positionals.push(argument);
    }
  }
  switch (command) {
    case 'up':
      if (positionals.length > 0) throw new ClusterUsageError(`up takes no arguments (got ${positionals.join(' ')})`);
      return {command, dir, nodes, images, maxSessions, allowInline, configFile, ...(siteDir === undefined ? {} : {siteDir})};
    case 'kill-node': {
      const [name, ...more] = positionals;
      if (name === undefined || more.length > 0 || !NODE_NAME_PATTERN.test(name)) throw new ClusterUsageError('kill-node takes one node name (as "up" printed it)');
      return {command, dir, name};
    }
    case 'down':
    case 'restart-redis':
    case 'status':
      if (positionals.length > 0) throw new ClusterUsageError(`${command} takes no arguments`);
      return {command, dir};
    default:
      throw new ClusterUsageError(`unknown command "${command}" (known: up, kill-node, restart-redis, down, status)`);
  }
}

/** The node names of an N-node cluster: n1, n2, … (valid `server.node` values). */
export const nodeNames = (count: number): string[] => Array.from({length: count}, (_, index) => `n${index + 1}`);

export interface NodePlan {
  name: string;
  /** `ip netns` name: unique on the machine (other clusters and engineers share it). */
  netns: string;
  dataRoot: string;
  execRoot: string;
  pidFile: string;
  /** The engine's API socket, in the root mount namespace: the gateway reaches it from outside the netns. */
  socket: string;
  containerdNamespace: string;
  gatewayPort: number;
  adminPort: number;
  configFile: string;
  logFile: string;
  engineLog: string;
}

export interface ClusterPlan {
  id: string;
  dir: string;
  /**
   * Every gateway's `server.tokenSecret` (unless the base config sets one):
   * a share token made on one gateway must verify on the gateway a viewer
   * reaches.
   */
  tokenSecret: string;
  redis: {port: number; dir: string; logFile: string; pidFile: string};
  nginx: {port: number; prefix: string; configFile: string; pidFile: string; logFile: string};
  nodes: NodePlan[];
}

/**
 * Every name, path and port of a cluster. `ports` holds 2 + 2·N free loopback
 * ports (Redis, nginx, then each node's gateway and admin listener).
 */
export function planCluster(options: {id: string; dir: string; nodes: number; ports: readonly number[]; tokenSecret: string}): ClusterPlan {
  const {id, dir, tokenSecret} = options;
  if (tokenSecret.length < 16) throw new Error('the cluster token secret must have at least 16 characters');
  if (!/^[a-z0-9]{4,12}$/.test(id)) throw new Error(`cluster id must be 4-12 lower-case letters or digits (got ${id})`);
  if (options.ports.length < 2 + 2 * options.nodes) throw new Error(`need ${2 + 2 * options.nodes} ports, got ${options.ports.length}`);
  const port = (index: number) => options.ports[index]!;
  return {
    id,
    dir,
    tokenSecret,
    redis: {port: port(0), dir: join(dir, 'redis'), logFile: join(dir, 'redis', 'redis.log'), pidFile: join(dir, 'redis', 'redis.pid')},
    nginx: {
      port: port(1),
      prefix: join(dir, 'nginx'),
      configFile: join(dir, 'nginx', 'nginx.conf'),
      pidFile: join(dir, 'nginx', 'nginx.pid'),
      logFile: join(dir, 'nginx', 'error.log'),
    },
    nodes: nodeNames(options.nodes).map((name, index) => {
      const root = join(dir, 'nodes', name);
      return {
        name,
        netns: `dsbx-${id}-${name}`,
        dataRoot: join(root, 'data'),
        execRoot: join(root, 'exec'),
        pidFile: join(root, 'dockerd.pid'),
        socket: join(root, 'docker.sock'),
        containerdNamespace: `dsbx-${id}-${name}`,
        gatewayPort: port(2 + 2 * index),
        adminPort: port(3 + 2 * index),
        configFile: join(root, 'sandbox.config.json'),
        logFile: join(root, 'gateway.log'),
        engineLog: join(root, 'dockerd.log'),
      };
    }),
  };
}

/**
 * dockerd for one node, to run under `nsenter --net=/var/run/netns/<netns>`
 * (`ip netns exec` remounts /sys and dockerd then fails with "Devices cgroup
 * isn't mounted"). No bridge and no iptables: sandboxes have no network, and
 * the gateway attaches over the API socket, so no container network is needed.
 */
export function dockerdArgs(node: NodePlan): string[] {
  return [
    'dockerd',
    '--data-root', node.dataRoot,
    '--exec-root', node.execRoot,
    '--pidfile', node.pidFile,
    '-H', `unix://${node.socket}`,
    '--bridge=none',
    '--iptables=false',
    '--ip-masq=false',
    '--containerd-namespace', node.containerdNamespace,
    '--containerd-plugins-namespace', `${node.containerdNamespace}-plugins`,
  ];
}

export const netnsPath = (netns: string): string => `/var/run/netns/${netns}`;

export function redisArgs(plan: ClusterPlan): string[] {
  // Loopback only, no persistence: the cluster's Redis holds limits, the directory and heartbeats, all of which rebuild themselves.
  return [
    '--bind', '127.0.0.1',
    '--port', String(plan.redis.port),
    '--dir', plan.redis.dir,
    '--save', '',
    '--appendonly', 'no',
    '--protected-mode', 'yes',
    '--daemonize', 'no',
    '--pidfile', plan.redis.pidFile,
    '--logfile', plan.redis.logFile,
  ];
}

export const redisUrl = (plan: ClusterPlan): string => `redis://127.0.0.1:${plan.redis.port}`;

/**
 * The gateway's config: the base config's, with this node's identity, ports
 * and Redis; `withoutEnvs` (environments whose image its engine was not
 * given) are removed, so the gateway is ready with the images it has.
 */
export function gatewayConfig(
  base: Record<string, unknown>,
  plan: ClusterPlan,
  node: NodePlan,
  options: {maxSessions?: number | undefined; withoutEnvs?: readonly string[]},
): Record<string, unknown> {
  const object = (value: unknown) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {});
  const server = object(base.server);
  const removed = Object.fromEntries((options.withoutEnvs ?? []).map((name) => [name, null]));
  return {
    ...base,
    ...(Object.keys(removed).length > 0 ? {environments: {...object(base.environments), ...removed}} : {}),
    server: {
      ...server,
      host: '127.0.0.1',
      port: node.gatewayPort,
      node: node.name,
      redis: redisUrl(plan),
      tokenSecret: typeof server.tokenSecret === 'string' ? server.tokenSecret : plan.tokenSecret,
      // Behind nginx, which overwrites X-Forwarded-For with the client's address (deploy/nginx/cluster.conf).
      trustProxy: true,
      instanceId: `cluster-${plan.id}-${node.name}`,
      ...(options.maxSessions !== undefined ? {maxSessions: options.maxSessions} : {}),
    },
  };
}

export const NODES_BEGIN = '# BEGIN nodes';
export const NODES_END = '# END nodes';
const LISTEN_LINE = /^(\s*)listen\s+[^;]+;.*$/m;

/**
 * deploy/nginx/cluster.conf for this cluster: its nodes section (between the
 * BEGIN/END markers) replaced by this cluster's gateways, its first `listen`
 * by the entry port, inside a main config whose paths are all the cluster's.
 */
export function renderNginxConfig(template: string, plan: ClusterPlan): string {
  const begin = template.indexOf(NODES_BEGIN);
  const end = template.indexOf(NODES_END);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`the nginx template has no "${NODES_BEGIN}" … "${NODES_END}" section`);
  if (!LISTEN_LINE.test(template)) throw new Error('the nginx template has no listen line');
  const upstream = (name: string, ports: number[], balance?: string) => [`upstream ${name} {`, ...(balance ? [`    ${balance};`] : []), ...ports.map((port) => `    server 127.0.0.1:${port} max_fails=1 fail_timeout=2s;`), '    keepalive 16;', '}'];
  const nodes = [
    NODES_BEGIN,
    ...upstream('sandbox_nodes', plan.nodes.map((node) => node.gatewayPort), 'least_conn'),
    ...plan.nodes.flatMap((node) => upstream(`sandbox_node_${node.name}`, [node.gatewayPort])),
    `map $sandbox_node $sandbox_node_upstream {`,
    '    default "";',
    ...plan.nodes.map((node) => `    ${node.name} sandbox_node_${node.name};`),
    '}',
  ].join('\n');
  const site = (template.slice(0, begin) + nodes + '\n' + template.slice(end))
    .replace(LISTEN_LINE, (_line, indent: string) => `${indent}listen 127.0.0.1:${plan.nginx.port};`)
    .split('\n')
    .map((line) => (line.length > 0 ? `    ${line}` : line))
    .join('\n');
  const {prefix} = plan.nginx;
  return [
    '# Written by `npm run cluster -- up` from deploy/nginx/cluster.conf; removed by `down`.',
    'daemon off;',
    'worker_processes 1;',
    `pid ${plan.nginx.pidFile};`,
    `error_log ${plan.nginx.logFile} warn;`,
    'events { worker_connections 4096; }',
    'http {',
    `    access_log off;`,
    `    client_body_temp_path ${join(prefix, 'body')};`,
    `    proxy_temp_path ${join(prefix, 'proxy')};`,
    `    fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
    `    uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
    `    scgi_temp_path ${join(prefix, 'scgi')};`,
    site,
    '}',
    '',
  ].join('\n');
}

/** What `up` started, as the state file records it: `kill-node` and `down` act on this only. */
export interface ClusterState {
  /** Where this state is written (beside the cluster's folder, not in it). */
  stateFile: string;
  plan: ClusterPlan;
  redisPid?: number | undefined;
  nginxPid?: number | undefined;
  nodes: Record<string, NodeState>;
}

export interface NodeState {
  /** The netns exists (made by `ip netns add`). */
  netns: boolean;
  dockerdPid?: number | undefined;
  /** dockerd's own containerd (it starts one under its exec root when no system containerd runs). */
  containerdPid?: number | undefined;
  gatewayPid?: number | undefined;
  killed: boolean;
}

export const stateFile = (dir: string): string => join(dir, 'state.json');

/** Mount points under the cluster's folder or of its namespaces, from /proc/self/mountinfo-like text of /proc/mounts. */
export function mountsOf(procMounts: string, plan: ClusterPlan): string[] {
  const namespaces = plan.nodes.map((node) => netnsPath(node.netns));
  return procMounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => point === plan.dir || point.startsWith(`${plan.dir}/`) || namespaces.includes(point))
    // Deepest first: an overlay's merged folder before anything it sits on.
    .sort((a, b) => b.length - a.length);
}

/** Processes still alive among those the state records (pids for which `alive` answers true). */
export function livePids(state: ClusterState, alive: (pid: number) => boolean): number[] {
  const pids = [state.redisPid, state.nginxPid, ...Object.values(state.nodes).flatMap((node) => [node.gatewayPid, node.dockerdPid, node.containerdPid])];
  return pids.filter((pid): pid is number => pid !== undefined && alive(pid));
}

/** The lines `up` prints: scripts and tests read the entry and the node names from them. */
export function upSummary(plan: ClusterPlan): string[] {
  return [`entry http://127.0.0.1:${plan.nginx.port}`, ...plan.nodes.map((node) => `node ${node.name} http://127.0.0.1:${node.gatewayPort} engine unix://${node.socket}`), `redis ${redisUrl(plan)}`];
}
