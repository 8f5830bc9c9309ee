import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {backoffBound, backoffDelay, DEFAULT_BACKOFF} from '../backoff.js';

describe('backoff', () => {
  it('doubles from the 1 s base up to the 30 s cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffBound(attempt)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    assert.equal(DEFAULT_BACKOFF.baseMs, 1000);
    assert.equal(DEFAULT_BACKOFF.capMs, 30_000);
  });

  it('jitters by ±20 % around the bound', () => {
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0), 6400);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5), 8000);
    assert.equal(backoffDelay(3, DEFAULT_BACKOFF, () => 0.999999), 9599);
    const delays = new Set(Array.from({length: 50}, () => backoffDelay(10)));
    assert.ok(delays.size > 10, 'random delays differ');
    for (const delay of delays) assert.ok(delay >= 24_000 && delay < 36_000);
  });

  it('six attempts span 48.8 s to 73.2 s, about the default 60 s reconnect grace', () => {
    const span = (random: () => number) =>
      [0, 1, 2, 3, 4, 5].reduce((sum, attempt) => sum + backoffDelay(attempt, DEFAULT_BACKOFF, random), 0);
    assert.equal(span(() => 0), 48_800);
    assert.equal(span(() => 0.5), 61_000);
    assert.ok(span(() => 0.999999) < 73_200);
  });

  it('treats odd attempts as the nearest sane one', () => {
    assert.equal(backoffBound(-3), 1000);
    assert.equal(backoffBound(Number.MAX_SAFE_INTEGER), 30_000);
  });
});
