import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {LiveSandboxRegistry} from '../registry.js';
import {apiBase, socketUrl} from '../url.js';

describe('live sandbox registry', () => {
  it('stops the other blocks, not the asking one', () => {
    const registry = new LiveSandboxRegistry();
    const stopped: string[] = [];
    registry.register('a', {stop: () => stopped.push('a')});
    const unregisterB = registry.register('b', {stop: () => stopped.push('b')});
    registry.register('c', {stop: () => stopped.push('c')});
    assert.deepEqual(registry.others('a'), ['b', 'c']);
    assert.equal(registry.stopOthers('a'), 2);
    assert.deepEqual(stopped, ['b', 'c']);
    unregisterB();
    assert.deepEqual(registry.others('a'), ['c']);
  });

  it('an old unregister does not remove a newer session of the same block', () => {
    const registry = new LiveSandboxRegistry();
    const unregisterOld = registry.register('a', {stop() {}});
    registry.register('a', {stop() {}});
    unregisterOld();
    assert.equal(registry.size, 1);
  });
});

describe('server urls', () => {
  it('uses the page origin when serverUrl is empty', () => {
    assert.equal(apiBase('', 'http://localhost:3000'), 'http://localhost:3000');
    assert.equal(apiBase(undefined, 'https://docs.example.com'), 'https://docs.example.com');
    assert.equal(apiBase('https://sandbox.example.com/', 'https://docs.example.com'), 'https://sandbox.example.com');
    assert.equal(apiBase('/sandbox/', 'https://docs.example.com'), 'https://docs.example.com/sandbox');
  });

  it('without a serverUrl, the API is under the site\'s baseUrl', () => {
    assert.equal(apiBase('', 'https://docs.example.com', '/'), 'https://docs.example.com');
    assert.equal(apiBase(undefined, 'https://docs.example.com', '/sub/'), 'https://docs.example.com/sub');
    assert.equal(apiBase('', 'https://user.github.io', '/my/site/'), 'https://user.github.io/my/site');
    // Written without its slashes, a baseUrl still means the same path.
    assert.equal(apiBase('', 'https://docs.example.com', 'sub'), 'https://docs.example.com/sub');
  });

  it('a serverUrl wins over the baseUrl, as it is given', () => {
    assert.equal(apiBase('https://sandbox.example.com', 'https://docs.example.com', '/sub/'), 'https://sandbox.example.com');
    assert.equal(apiBase('https://sandbox.example.com/sub/', 'https://docs.example.com', '/'), 'https://sandbox.example.com/sub');
    assert.equal(apiBase('/sandbox/', 'https://docs.example.com', '/sub/'), 'https://docs.example.com/sandbox');
    assert.equal(apiBase('   ', 'https://docs.example.com', '/sub/'), 'https://docs.example.com/sub');
  });

  it('keeps the server\'s ws answer, which already holds the base path, and puts the protocol\'s path under the base', () => {
    assert.equal(socketUrl('https://docs.example.com/sub', 'abc', '/sub/api/sessions/abc/ws'), 'wss://docs.example.com/sub/api/sessions/abc/ws');
    assert.equal(socketUrl('https://docs.example.com/sub', 'abc'), 'wss://docs.example.com/sub/api/sessions/abc/ws');
    assert.equal(socketUrl('http://localhost:3000/a/b', 'x y'), 'ws://localhost:3000/a/b/api/sessions/x%20y/ws');
  });

  it('turns http into ws and https into wss', () => {
    assert.equal(socketUrl('http://localhost:3000', 'abc'), 'ws://localhost:3000/api/sessions/abc/ws');
    assert.equal(socketUrl('https://sandbox.example.com', 'abc'), 'wss://sandbox.example.com/api/sessions/abc/ws');
    assert.equal(socketUrl('https://x.example', 'abc', '/api/sessions/abc/ws'), 'wss://x.example/api/sessions/abc/ws');
    assert.equal(socketUrl('https://x.example', 'abc', 'wss://y.example/s/abc'), 'wss://y.example/s/abc');
  });
});
