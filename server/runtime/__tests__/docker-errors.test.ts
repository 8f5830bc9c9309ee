import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SandboxError} from '../../errors.js';
import {engineStatus, isAlreadyDone, toSandboxError} from '../docker-errors.js';

/** The shape dockerode (docker-modem) gives an engine's error answer. */
function engineError(statusCode: number, message: string): Error {
  return Object.assign(new Error(`(HTTP code ${statusCode}) - ${message}`), {statusCode, json: {message}});
}

describe('Docker quirks', () => {
  it('reads the status of engine answers only', () => {
    assert.equal(engineStatus(engineError(404, 'x')), 404);
    assert.equal(engineStatus(new Error('plain')), undefined);
    assert.equal(engineStatus('text'), undefined);
  });

  it('treats 304, 404, 409 and "not running" as already done', () => {
    assert.ok(isAlreadyDone(engineError(304, '')));
    assert.ok(isAlreadyDone(engineError(404, 'No such container: x')));
    assert.ok(isAlreadyDone(engineError(409, 'removal of container x is already in progress')));
    assert.ok(isAlreadyDone(engineError(500, 'Cannot kill container: x: Container x is not running')));
    assert.ok(!isAlreadyDone(engineError(500, 'OCI runtime create failed')));
    assert.ok(!isAlreadyDone(new Error('socket hang up')));
  });

  it('maps a missing image to image-missing with the fix', () => {
    const error = toSandboxError(engineError(404, 'No such image: docusaurus-sandbox/shell:1'), {
      operation: 'create container',
      image: 'docusaurus-sandbox/shell:1',
    });
    assert.equal(error.code, 'image-missing');
    assert.match(error.message, /docusaurus-sandbox images build/);
    assert.equal(error.expose, false, 'engine details stay in the server log');
  });

  it('maps an unreachable engine and timeouts to docker-unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), {code: 'ECONNREFUSED'});
    assert.equal(toSandboxError(refused, {operation: 'ping'}).code, 'docker-unavailable');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const mapped = toSandboxError(timeout, {operation: 'start container'});
    assert.equal(mapped.code, 'docker-unavailable');
    assert.match(mapped.message, /start container timed out/);
    assert.equal(toSandboxError(engineError(500, 'boom'), {operation: 'start'}).code, 'docker-unavailable');
  });

  it('keeps SandboxErrors and marks other engine answers internal', () => {
    const original = new SandboxError('too-large', 'too big');
    assert.equal(toSandboxError(original, {operation: 'x'}), original);
    assert.equal(toSandboxError(engineError(400, 'bad'), {operation: 'create'}).code, 'internal');
  });
});
