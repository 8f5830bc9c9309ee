import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {connectSubprotocols, ResumeState} from '../resume.js';

describe('connectSubprotocols', () => {
  it('offers the session token on the first connection', () => {
    assert.deepEqual(connectSubprotocols({sessionToken: 'tok', everOpened: false, received: 0}), ['sandbox.v1', 'sandbox.token.tok']);
  });

  it('adds the offset on a reconnect before any resume credential', () => {
    assert.deepEqual(connectSubprotocols({sessionToken: 'tok', everOpened: true, received: 42}), [
      'sandbox.v1',
      'sandbox.token.tok',
      'sandbox.offset.42',
    ]);
  });

  it('offers the resume credential and offset instead of the session token once it has one', () => {
    assert.deepEqual(connectSubprotocols({sessionToken: 'tok', resumeToken: 'r1', everOpened: true, received: 7}), [
      'sandbox.v1',
      'sandbox.resume.r1',
      'sandbox.offset.7',
    ]);
  });

  it('treats an empty resume credential as none', () => {
    assert.deepEqual(connectSubprotocols({sessionToken: 'tok', resumeToken: '', everOpened: false, received: 0}), ['sandbox.v1', 'sandbox.token.tok']);
  });
});

describe('ResumeState', () => {
  it('counts output, follows a replay offset and keeps only the latest credential', () => {
    const state = new ResumeState();
    assert.deepEqual(state.nextSubprotocols('tok', false), ['sandbox.v1', 'sandbox.token.tok']);
    assert.equal(state.resuming, false);
    state.countOutput(5);
    state.countOutput(3);
    assert.equal(state.received, 8);
    state.acceptToken('r1');
    state.acceptToken('r2');
    assert.deepEqual(state.nextSubprotocols('tok', true), ['sandbox.v1', 'sandbox.resume.r2', 'sandbox.offset.8']);
    assert.equal(state.resuming, true);
    state.replayFrom(1000);
    state.countOutput(2);
    assert.equal(state.received, 1002);
  });
});
