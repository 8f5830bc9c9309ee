import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {dispatchServerFrame, isErrorCode, type ServerEvents} from '../server-frames.js';

function recorder() {
  const events: unknown[][] = [];
  const handlers: ServerEvents = {
    output: (bytes) => events.push(['output', [...bytes]]),
    running: () => events.push(['running']),
    exit: (code, reason) => events.push(['exit', code, reason]),
    error: (code) => events.push(['error', code]),
    resumeToken: (token) => events.push(['resumeToken', token]),
    replay: (from, truncated) => events.push(['replay', from, truncated]),
    catchUp: (steps) => events.push(['catchUp', steps]),
  };
  return {events, dispatch: (data: unknown) => dispatchServerFrame(data, handlers)};
}

describe('dispatchServerFrame', () => {
  it('hands binary frames out as output, from an ArrayBuffer or a view of one', () => {
    const {events, dispatch} = recorder();
    dispatch(new Uint8Array([1, 2]).buffer);
    dispatch(new Uint8Array([9, 3, 4, 9]).subarray(1, 3));
    assert.deepEqual(events, [
      ['output', [1, 2]],
      ['output', [3, 4]],
    ]);
  });

  it('dispatches each control message', () => {
    const {events, dispatch} = recorder();
    dispatch(JSON.stringify({type: 'status', state: 'starting'}));
    dispatch(JSON.stringify({type: 'status', state: 'running'}));
    dispatch(JSON.stringify({type: 'exit', code: 1, reason: 'exit'}));
    dispatch(JSON.stringify({type: 'error', code: 'docker-unavailable', message: 'x'}));
    dispatch(JSON.stringify({type: 'error', code: 'from-a-newer-server', message: 'x'}));
    dispatch(JSON.stringify({type: 'resume-token', token: 'r1', graceMs: 60_000}));
    dispatch(JSON.stringify({type: 'replay', from: 5, truncated: true}));
    dispatch(JSON.stringify({type: 'catch-up', steps: [{step: 1, block: 'b1', code: 0}]}));
    assert.deepEqual(events, [
      ['running'],
      ['exit', 1, 'exit'],
      ['error', 'docker-unavailable'],
      ['error', 'internal'],
      ['resumeToken', 'r1'],
      ['replay', 5, true],
      ['catchUp', [{step: 1, block: 'b1', code: 0}]],
    ]);
  });

  it('ignores frames and messages it does not know', () => {
    const {events, dispatch} = recorder();
    dispatch('not json');
    dispatch(JSON.stringify({type: 'something-new'}));
    dispatch(JSON.stringify({type: 'replay', from: -1, truncated: false}));
    dispatch(JSON.stringify({type: 'catch-up', steps: [{step: 'one', block: 'b1', code: 0}]}));
    dispatch(42);
    dispatch(null);
    assert.deepEqual(events, []);
  });
});

describe('isErrorCode', () => {
  it('knows the protocol codes only', () => {
    assert.equal(isErrorCode('session-ended'), true);
    assert.equal(isErrorCode('nope'), false);
    assert.equal(isErrorCode(3), false);
  });
});
