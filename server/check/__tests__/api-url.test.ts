import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {apiUrl} from '../create-session.js';

describe('apiUrl', () => {
  it("puts the API under the server URL's path, with or without its trailing slash", () => {
    assert.equal(apiUrl('http://127.0.0.1:3000', 'api/sessions').href, 'http://127.0.0.1:3000/api/sessions');
    assert.equal(apiUrl('http://127.0.0.1:3000/', 'api/sessions').href, 'http://127.0.0.1:3000/api/sessions');
    assert.equal(apiUrl('https://docs.example/mysite', 'api/sessions').href, 'https://docs.example/mysite/api/sessions');
    assert.equal(apiUrl('https://docs.example/mysite/?x=1#y', 'api/sessions').href, 'https://docs.example/mysite/api/sessions');
  });
});
