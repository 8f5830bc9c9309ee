import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MIN_VISIBLE_ROWS, TERMINAL_ROWS, visibleRows} from '../rows.js';

const facts = (cursorRow: number, scrolledOff = 0, fullScreen = false) => ({cursorRow, scrolledOff, fullScreen});

describe('visibleRows', () => {
  it('shows a few rows for a line of output, and grows with each line up to all rows', () => {
    assert.equal(MIN_VISIBLE_ROWS, 4);
    assert.equal(TERMINAL_ROWS, 24);
    assert.equal(visibleRows(MIN_VISIBLE_ROWS, facts(0)), 4);
    assert.equal(visibleRows(4, facts(4)), 5, 'the cursor on the fifth line');
    assert.equal(visibleRows(5, facts(17)), 18);
    assert.equal(visibleRows(18, facts(23)), 24);
  });

  it('stops at all rows once output scrolls', () => {
    assert.equal(visibleRows(24, facts(23, 1000)), 24);
    assert.equal(visibleRows(10, facts(5, 30)), 24);
  });

  it('never shrinks after a clear or a cursor moving up', () => {
    assert.equal(visibleRows(12, facts(0)), 12);
  });

  it('shows every row to a full-screen program', () => {
    assert.equal(visibleRows(4, facts(0, 0, true)), 24);
  });
});
