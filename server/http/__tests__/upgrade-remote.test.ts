import assert from 'node:assert/strict';
import type {IncomingMessage} from 'node:http';
import {describe, it} from 'node:test';
import type {WebSocketServer} from 'ws';
import {shareSubprotocols} from '../../../protocol/index.js';
import type {RemoteViewer} from '../../cluster/remote-viewer.js';
import {SandboxError} from '../../errors.js';
import {authorizeUpgrade, type UpgradeContext} from '../upgrade.js';

const request = (path: string, protocols: string[]) =>
  ({url: path, headers: {host: 'gw:3000', origin: 'http://gw:3000', 'sec-websocket-protocol': protocols.join(', ')}, socket: {}}) as unknown as IncomingMessage;

const context = (over: Partial<UpgradeContext> = {}): UpgradeContext => ({
  wss: {} as WebSocketServer,
  originPolicy: {origins: [], allowNoOrigin: false},
  trustProxy: false,
  findSession: () => undefined,
  verifyToken: () => false,
  admitViewer: () => {
    throw new SandboxError('unauthorized', 'a valid share token is required');
  },
  closing: () => false,
  onSocket: () => {},
  node: 'n2',
  log: () => {},
  ...over,
});

describe('a share viewer’s upgrade for a session this gateway does not hold', () => {
  const remoteViewer = async () => ({}) as RemoteViewer;

  it('goes to the cluster when there is one, on the share link’s node-less path', () => {
    const grant = authorizeUpgrade(request('/api/sessions/s1/ws', shareSubprotocols('tok')), context({remoteViewer}));
    assert.deepEqual(grant, {remote: {sessionId: 's1', token: 'tok'}});
  });

  it('is unauthorized without a cluster, as before', () => {
    assert.throws(
      () => authorizeUpgrade(request('/api/sessions/s1/ws', shareSubprotocols('tok')), context()),
      (error: unknown) => error instanceof SandboxError && error.code === 'unauthorized',
    );
  });

  it('never turns an owner’s socket or a resume into a remote viewer', () => {
    assert.throws(
      () => authorizeUpgrade(request('/api/sessions/s1/ws', ['sandbox.v1', 'sandbox.token.abc']), context({remoteViewer})),
      (error: unknown) => error instanceof SandboxError && error.code === 'unauthorized',
    );
  });
});
