import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {ManualClock} from '../../../test/helpers/clock.js';
import {OutputRate} from '../rate.js';

describe('OutputRate', () => {
  it('lets a quarter second of burst through, then asks to wait out the debt', () => {
    const clock = new ManualClock();
    const rate = new OutputRate(4000, clock);
    assert.equal(rate.spend(900), 0);
    assert.equal(rate.spend(300), 50, '200 bytes of debt at 4000 B/s');
    clock.advance(50);
    assert.equal(rate.spend(0), 0, 'paid back');
    assert.equal(rate.spend(1), 1);
  });

  it('refills at the rate, never beyond the burst', () => {
    const clock = new ManualClock();
    const rate = new OutputRate(1000, clock);
    rate.spend(250);
    clock.advance(60_000);
    assert.equal(rate.spend(250), 0);
    assert.equal(rate.spend(1), 1, 'a minute idle still gives only the burst');
  });

  it('is shared: two spenders together get the rate once', () => {
    const clock = new ManualClock();
    const rate = new OutputRate(1000, clock);
    assert.equal(rate.spend(250), 0);
    assert.equal(rate.spend(100), 100);
    assert.equal(rate.spend(100), 200, 'the second spender sees the first one\'s debt');
  });

  it('refuses a rate that is not positive', () => {
    assert.throws(() => new OutputRate(0, new ManualClock()), RangeError);
    assert.throws(() => new OutputRate(Number.NaN, new ManualClock()), RangeError);
  });
});
