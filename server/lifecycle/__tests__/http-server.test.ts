import assert from 'node:assert/strict';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {MANIFEST_FILE, MANIFEST_VERSION, normalizeConfig} from '../../../config/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {clientErrorResponse, createHttpServer} from '../http-server.js';
import {deriveInstanceId} from '../instance-id.js';
import {readManifest} from '../manifest.js';

describe('public HTTP server', () => {
  it('answers a header timeout with 408 and any other parse error with 400, closing the connection', () => {
    const timeout = Object.assign(new Error('timeout'), {code: 'ERR_HTTP_REQUEST_TIMEOUT'});
    assert.equal(clientErrorResponse(timeout), 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n');
    assert.equal(clientErrorResponse(Object.assign(new Error('bad'), {code: 'HPE_INVALID_METHOD'})), 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });

  it('carries the configured header limits', () => {
    const server = createHttpServer({headersTimeout: 2_000, maxHeadersCount: 50}, () => undefined);
    assert.equal(server.headersTimeout, 2_000);
    assert.equal(server.requestTimeout, 6_000);
    assert.equal(server.maxHeadersCount, 50);
    assert.equal(server.listenerCount('clientError'), 1);
  });
});

describe('instance id', () => {
  it('is configured, or host and port, or unique per process and time on an ephemeral port', () => {
    assert.equal(deriveInstanceId(normalizeConfig({server: {port: 4000}}), 'docs host'), 'docs-host-4000');
    const ephemeral = normalizeConfig({server: {port: 0}});
    assert.equal(deriveInstanceId(ephemeral, 'h', 7, new ManualClock(36 ** 3)), 'h-p7-1000');
  });
});

describe('manifest', () => {
  it('is read from the site, absent when there is none, refused when of another version', () => {
    const site = mkdtempSync(join(tmpdir(), 'sandbox-manifest-'));
    try {
      assert.equal(readManifest(site), undefined);
      writeFileSync(join(site, MANIFEST_FILE), JSON.stringify({version: MANIFEST_VERSION, blocks: []}));
      assert.deepEqual(readManifest(site), {version: MANIFEST_VERSION, blocks: []});
      writeFileSync(join(site, MANIFEST_FILE), JSON.stringify({version: -1, blocks: []}));
      assert.throws(() => readManifest(site), /is not a version .* manifest; rebuild the site/);
    } finally {
      rmSync(site, {recursive: true, force: true});
    }
  });
});
