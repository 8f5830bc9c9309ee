import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {normalizeConfig} from '../../config/normalize.js';
import {devServerConfig, devSitePort, isDevServer} from '../dev.js';

const argv = (...args: string[]) => ['node', 'docusaurus', ...args];

describe('dev backend', () => {
  it('runs only under docusaurus start, not build --dev', () => {
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('start')), true);
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('--no-open', 'start')), true);
    assert.equal(isDevServer({NODE_ENV: 'development'}, argv('build', '--dev')), false);
    assert.equal(isDevServer({NODE_ENV: 'production'}, argv('build')), false);
    assert.equal(isDevServer({}, argv('start')), false);
  });

  it('finds the dev site port from --port, -p, PORT or the default', () => {
    assert.equal(devSitePort({}, argv('start', '--port', '4000')), 4000);
    assert.equal(devSitePort({}, argv('start', '--port=4100')), 4100);
    assert.equal(devSitePort({}, argv('start', '-p', '4200')), 4200);
    assert.equal(devSitePort({PORT: '5000'}, argv('start')), 5000);
    assert.equal(devSitePort({}, argv('start')), 3000);
  });

  it('listens on the dev port + 1 unless told, allows the dev origins and inline blocks', () => {
    const config = normalizeConfig({server: {origins: ['https://docs.example.com']}});
    const dev = devServerConfig(config, 3000, undefined);
    assert.equal(dev.server.port, 3001);
    assert.equal(dev.server.allowInline, true);
    assert.deepEqual(dev.server.origins, ['https://docs.example.com', 'http://localhost:3000', 'http://127.0.0.1:3000']);
    assert.equal(devServerConfig(config, 3000, 4567).server.port, 4567);
    assert.equal(config.server.allowInline, false, 'the input config is not changed');
  });
});
