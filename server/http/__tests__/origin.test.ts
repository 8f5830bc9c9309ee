import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {environmentOriginAllowed, originAllowed} from '../origin.js';

const request = {host: 'docs.example:8080', secure: false};
const sameOrigin = {origins: [], allowNoOrigin: false};

describe('origin checks', () => {
  it('allows the origin the server is reached at, and no other, when none is configured', () => {
    assert.equal(originAllowed('http://docs.example:8080', request, sameOrigin), true);
    assert.equal(originAllowed('https://docs.example:8080', request, sameOrigin), false);
    assert.equal(originAllowed('http://evil.example', request, sameOrigin), false);
    assert.equal(originAllowed(undefined, request, sameOrigin), false);
    assert.equal(originAllowed(undefined, request, {...sameOrigin, allowNoOrigin: true}), true);
  });

  it("lets an environment's GET without an Origin through (a browser's same-origin GET sends none); other methods still need one", () => {
    assert.equal(environmentOriginAllowed('GET', undefined, request, sameOrigin), true);
    assert.equal(environmentOriginAllowed('GET', '', request, sameOrigin), true);
    assert.equal(environmentOriginAllowed('GET', 'http://evil.example', request, sameOrigin), false, 'a cross-origin GET names its origin');
    assert.equal(environmentOriginAllowed('GET', 'http://docs.example:8080', request, sameOrigin), true);
    for (const method of ['DELETE', 'POST']) {
      assert.equal(environmentOriginAllowed(method, undefined, request, sameOrigin), false, method);
      assert.equal(environmentOriginAllowed(method, 'http://docs.example:8080', request, sameOrigin), true, method);
    }
  });
});
