import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Waiters} from '../waiters.js';

const failure = (reason: 'timed out' | 'closed') => new Error(reason);

test('resolves when a wake finds the predicate true, and forgets the check', async () => {
  const waiters = new Waiters();
  let ready = false;
  const waiting = waiters.waitFor({predicate: () => ready, timeoutMs: 1000, failure});
  waiters.wake();
  assert.equal(waiters.size, 1);
  ready = true;
  waiters.wake();
  await waiting;
  assert.equal(waiters.size, 0);
});

test('rejects when the source is gone, and after the timeout', async () => {
  const waiters = new Waiters();
  const closed = waiters.waitFor({predicate: () => false, timeoutMs: 1000, failure, gone: () => true});
  waiters.wake();
  await assert.rejects(closed, /closed/);
  await assert.rejects(waiters.waitFor({predicate: () => false, timeoutMs: 10, failure}), /timed out/);
  assert.equal(waiters.size, 0);
});

test('a predicate already true resolves at once', async () => {
  await new Waiters().waitFor({predicate: () => true, timeoutMs: 1, failure});
});
