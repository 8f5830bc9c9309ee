import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadConfig, normalizeConfig} from '../normalize.js';

describe('server.node and server.redis', () => {
  it('are absent by default, set from the file or SANDBOX_NODE / SANDBOX_REDIS', () => {
    const plain = normalizeConfig({}).server;
    assert.equal(plain.node, undefined);
    assert.equal(plain.redis, undefined);
    const set = normalizeConfig({server: {node: 'n1', redis: 'redis://127.0.0.1:6379'}}).server;
    assert.equal(set.node, 'n1');
    assert.equal(set.redis, 'redis://127.0.0.1:6379');
    const fromEnv = loadConfig({env: {SANDBOX_NODE: 'edge-2', SANDBOX_REDIS: 'rediss://cache:6380/1'}}).server;
    assert.equal(fromEnv.node, 'edge-2');
    assert.equal(fromEnv.redis, 'rediss://cache:6380/1');
  });

  it('refuse a name that cannot be a path segment and a URL that is not Redis, naming the option', () => {
    assert.throws(() => normalizeConfig({server: {node: 'Node 1'}}), /"server\.node": "server\.node" must be a node name: a lower-case letter/);
    assert.throws(() => normalizeConfig({server: {redis: 'http://127.0.0.1:6379'}}), /"server\.redis": "server\.redis" must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});

describe('server.redis without server.node', () => {
  it('is refused with the fix', () => {
    assert.throws(() => normalizeConfig({server: {redis: 'redis://127.0.0.1:6379'}}), /"server\.redis": a gateway of a cluster needs its name too; set "server\.node"/);
  });
});
