import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../config/index.js';
import {ClusterUsageError, dockerdArgs, gatewayConfig, livePids, mountsOf, nodeNames, parseClusterArgs, planCluster, renderNginxConfig, type ClusterState} from '../plan.js';

const TEMPLATE = readFileSync(new URL('../../deploy/nginx/cluster.conf', import.meta.url), 'utf8');
const plan = planCluster({id: 'abcd1234', dir: '/var/tmp/c/cluster-abcd1234', nodes: 3, ports: [6000, 8000, 3001, 3002, 3003, 3004, 3005, 3006], tokenSecret: 'one secret for all gateways'});

describe('cluster command line', () => {
  it('reads up with its options, kill-node with a name, down', () => {
    assert.deepEqual(parseClusterArgs(['up', '--nodes', '3']), {command: 'up', dir: undefined, nodes: 3, images: undefined, maxSessions: undefined, allowInline: false, configFile: undefined});
    assert.deepEqual(parseClusterArgs(['up', '--images', 'a:1, b:1', '--max-sessions', '2', '--allow-inline', '--dir', 'x']), {
      command: 'up', dir: 'x', nodes: 3, images: ['a:1', 'b:1'], maxSessions: 2, allowInline: true, configFile: undefined,
    });
    assert.deepEqual(parseClusterArgs(['kill-node', 'n2']), {command: 'kill-node', dir: undefined, name: 'n2'});
    assert.deepEqual(parseClusterArgs(['down', '--dir', 'x']), {command: 'down', dir: 'x'});
    assert.deepEqual(parseClusterArgs([]), {command: 'help'});
  });

  it('refuses what it cannot do with a reason', () => {
    assert.throws(() => parseClusterArgs(['up', '--nodes', '0']), /--nodes must be a whole number from 1 to 9 \(got "0"\)/);
    assert.throws(() => parseClusterArgs(['up', '--nodes']), /--nodes needs a value/);
    assert.throws(() => parseClusterArgs(['down', '--nodes', '2']), /--nodes is an option of "up" only/);
    assert.throws(() => parseClusterArgs(['kill-node']), /kill-node takes one node name/);
    assert.throws(() => parseClusterArgs(['kill-node', 'N 1']), ClusterUsageError);
    assert.throws(() => parseClusterArgs(['start']), /unknown command "start"/);
  });
});

describe('cluster plan', () => {
  it('names nodes n1… and gives each its own namespace, data root, socket and ports', () => {
    assert.deepEqual(nodeNames(3), ['n1', 'n2', 'n3']);
    assert.deepEqual(plan.nodes.map((node) => [node.netns, node.gatewayPort, node.adminPort]), [
      ['dsbx-abcd1234-n1', 3001, 3002],
      ['dsbx-abcd1234-n2', 3003, 3004],
      ['dsbx-abcd1234-n3', 3005, 3006],
    ]);
    assert.equal(new Set(plan.nodes.map((node) => node.dataRoot)).size, 3);
    assert.ok(plan.nodes.every((node) => node.socket.startsWith(`${plan.dir}/`)));
    assert.throws(() => planCluster({id: 'x', dir: '/d', nodes: 1, ports: [1, 2, 3, 4], tokenSecret: 'one secret for all gateways'}), /cluster id/);
    assert.throws(() => planCluster({id: 'abcd', dir: '/d', nodes: 2, ports: [1, 2, 3, 4], tokenSecret: 'one secret for all gateways'}), /need 6 ports/);
  });

  it('starts each engine without bridge or iptables, on its own socket and containerd namespace', () => {
    const args = dockerdArgs(plan.nodes[1]!);
    assert.equal(args[0], 'dockerd');
    for (const flag of ['--bridge=none', '--iptables=false', `unix://${plan.nodes[1]!.socket}`, plan.nodes[1]!.dataRoot, 'dsbx-abcd1234-n2']) assert.ok(args.includes(flag), flag);
  });

  it('gives each gateway its node, port, Redis and a config the schema accepts', () => {
    const config = gatewayConfig({server: {maxSessionsPerClient: 2}, limits: {timeout: '5s'}}, plan, plan.nodes[0]!, {maxSessions: 4, withoutEnvs: ['node', 'python']});
    const normalized = normalizeConfig(config);
    assert.equal(normalized.server.node, 'n1');
    assert.equal(normalized.server.redis, 'redis://127.0.0.1:6000');
    assert.equal(normalized.server.port, 3001);
    assert.equal(normalized.server.maxSessions, 4);
    assert.equal(normalized.server.maxSessionsPerClient, 2);
    assert.equal(normalized.server.trustProxy, true);
    assert.deepEqual(Object.keys(normalized.environments), ['shell']);
    // One secret on every gateway (a share token made on one verifies on the others), unless the base config has its own.
    assert.equal(normalized.server.tokenSecret, 'one secret for all gateways');
    assert.equal(normalizeConfig(gatewayConfig({server: {tokenSecret: 'the operator’s own secret'}}, plan, plan.nodes[1]!, {})).server.tokenSecret, 'the operator’s own secret');
  });
});

describe('the nginx config of a cluster', () => {
  const rendered = renderNginxConfig(TEMPLATE, plan);

  it("replaces the template's nodes with the cluster's gateways and listens on the entry port only", () => {
    assert.doesNotMatch(rendered, /10\.0\.0\.1/);
    assert.match(rendered, /upstream sandbox_nodes \{\n\s+least_conn;\n\s+server 127\.0\.0\.1:3001 [^\n]*\n\s+server 127\.0\.0\.1:3003 [^\n]*\n\s+server 127\.0\.0\.1:3005 /);
    for (const node of plan.nodes) {
      assert.match(rendered, new RegExp(`upstream sandbox_node_${node.name} \\{\\n\\s+server 127\\.0\\.0\\.1:${node.gatewayPort}[ ;]`));
      assert.match(rendered, new RegExp(`\\n\\s+${node.name} sandbox_node_${node.name};`));
    }
    assert.deepEqual(rendered.match(/^\s*listen [^\n]*/gm)?.map((line) => line.trim()), ['listen 127.0.0.1:8000;']);
    assert.match(rendered, /pid \/var\/tmp\/c\/cluster-abcd1234\/nginx\/nginx\.pid;/);
  });

  it('keeps what the template says about routing, timeouts and the client address', () => {
    for (const line of ['proxy_pass http://$sandbox_node_upstream;', 'proxy_pass http://sandbox_nodes;', 'proxy_set_header X-Forwarded-For $remote_addr;', 'proxy_read_timeout 15m;', 'proxy_next_upstream error timeout http_502 http_503 non_idempotent;']) {
      assert.ok(rendered.includes(line), line);
    }
  });

  it('refuses a template without its markers', () => {
    assert.throws(() => renderNginxConfig('server { listen 80; }', plan), /no "# BEGIN nodes"/);
  });
});

describe('what is left of a cluster', () => {
  it("finds the cluster's mounts (deepest first) and only its own", () => {
    const mounts = [
      'overlay /var/tmp/c/cluster-abcd1234/nodes/n1/data/overlay2/x/merged overlay rw 0 0',
      'nsfs /var/run/netns/dsbx-abcd1234-n1 nsfs rw 0 0',
      'nsfs /var/run/netns/someone-else nsfs rw 0 0',
      'tmpfs /var/tmp/c/cluster-abcd1234/nodes/n1/exec tmpfs rw 0 0',
      'overlay /var/lib/docker/overlay2/y/merged overlay rw 0 0',
      'tmpfs /var/tmp/c/cluster-abcd12345 tmpfs rw 0 0',
    ].join('\n');
    assert.deepEqual(mountsOf(mounts, plan), [
      '/var/tmp/c/cluster-abcd1234/nodes/n1/data/overlay2/x/merged',
      '/var/tmp/c/cluster-abcd1234/nodes/n1/exec',
      '/var/run/netns/dsbx-abcd1234-n1',
    ]);
  });

  it('lists the recorded processes that still run', () => {
    const state: ClusterState = {stateFile: '/s', plan, redisPid: 10, nginxPid: 11, nodes: {n1: {netns: true, dockerdPid: 12, gatewayPid: 13, killed: false}}};
    assert.deepEqual(livePids(state, (pid) => pid % 2 === 0), [10, 12]);
  });
});
