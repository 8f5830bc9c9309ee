import assert from 'node:assert/strict';
import {test} from 'node:test';
import {formatSharesReport, summarize, turnOrder} from '../report.js';

test('turns rotate the sessions', () => {
  assert.deepEqual(turnOrder([0, 1, 8], 0), [0, 1, 8]);
  assert.deepEqual(turnOrder([0, 1, 8], 1), [1, 8, 0]);
  assert.deepEqual(turnOrder([0, 1, 8], 5), [8, 0, 1]);
});

test('the report lists each viewer count beside 0 viewers', () => {
  const results = summarize(new Map([[8, [3, 3, 3]], [0, [1, 1, 1]], [1, [2, 2, 2]]]));
  assert.deepEqual(results.map((result) => result.viewers), [0, 1, 8]);
  const report = formatSharesReport([{name: 'quiet', results}]);
  assert.match(report, /^quiet:/);
  assert.deepEqual(report.split('\n').slice(2), [
    '        0     3     1.00    1.00    1.00   +0.00 ms',
    '        1     3     2.00    2.00    2.00   +1.00 ms',
    '        8     3     3.00    3.00    3.00   +2.00 ms',
  ]);
});
