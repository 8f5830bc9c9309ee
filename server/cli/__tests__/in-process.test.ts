import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../../config/index.js';
import {inProcessServerConfig} from '../in-process.js';
import {mcpServerConfig} from '../mcp.js';

describe('the server a command runs in its own process', () => {
  const site = normalizeConfig({server: {port: 4100, host: '0.0.0.0', origins: ['https://docs.example'], allowNoOrigin: true, mcp: true, instanceId: 'live'}});

  it('listens on an ephemeral loopback port for its own origin, with no /mcp and an id of its own', () => {
    const {server} = inProcessServerConfig(site, 'check');
    assert.deepEqual(
      {port: server.port, host: server.host, origins: server.origins, allowNoOrigin: server.allowNoOrigin, mcp: server.mcp},
      {port: 0, host: '127.0.0.1', origins: [], allowNoOrigin: false, mcp: false},
    );
    assert.match(server.instanceId ?? '', new RegExp(`^check-${process.pid}-`));
    assert.notEqual(server.instanceId, 'live', "never a live serve's id, whose containers it would reap");
    assert.equal(server.maxSessions, site.server.maxSessions, 'the rest is the site config');
  });

  it('mcp keeps the limits readers get and allows inline code only when asked', () => {
    assert.equal(mcpServerConfig(site, false).server.allowInline, false);
    assert.equal(mcpServerConfig(site, true).server.allowInline, true);
    assert.equal(mcpServerConfig(site, true).server.maxSessionsPerClient, site.server.maxSessionsPerClient);
    assert.match(mcpServerConfig(site, true).server.instanceId ?? '', /^mcp-/);
  });
});
