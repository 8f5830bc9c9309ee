import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {loadConfig, normalizeConfig} from '../normalize.js';

describe('server.mcp', () => {
  it('is off by default, on when set, and from SANDBOX_MCP', () => {
    assert.equal(normalizeConfig({}).server.mcp, false);
    assert.equal(normalizeConfig({server: {mcp: true}}).server.mcp, true);
    assert.equal(loadConfig({env: {SANDBOX_MCP: 'true'}}).server.mcp, true);
    assert.equal(loadConfig({env: {SANDBOX_MCP: '0'}}).server.mcp, false);
  });

  it('refuses anything but a boolean, naming the option', () => {
    assert.throws(() => normalizeConfig({server: {mcp: 'yes' as unknown as boolean}}), /"server\.mcp": "server\.mcp" must be a boolean/);
    assert.throws(() => loadConfig({env: {SANDBOX_MCP: 'on'}}), /SANDBOX_MCP must be true or false/);
  });
});
