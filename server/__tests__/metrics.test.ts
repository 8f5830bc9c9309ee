import assert from 'node:assert/strict';
import {test} from 'node:test';
import {createMetrics} from '../metrics.js';

test('each server gets its own registry with every series', async () => {
  const first = createMetrics({defaultMetrics: false});
  const second = createMetrics({defaultMetrics: false});
  first.sessions.inc({env: 'node', outcome: 'exit'});
  first.timeToFirstByte.observe({env: 'node', pool: 'cold'}, 0.19);
  const text = await first.registry.metrics();
  for (const name of [
    'sandbox_active_sessions',
    'sandbox_sessions_total',
    'sandbox_rejections_total',
    'sandbox_time_to_first_byte_seconds',
    'sandbox_container_start_seconds',
    'sandbox_bytes_total',
    'sandbox_backpressure_pauses_total',
    'sandbox_warm_pool_size',
  ]) {
    assert.match(text, new RegExp(`# TYPE ${name} `), name);
  }
  assert.match(text, /sandbox_sessions_total\{env="node",outcome="exit"\} 1/);
  assert.match(text, /sandbox_time_to_first_byte_seconds_bucket\{le="0.2",env="node",pool="cold"\} 1/);
  assert.doesNotMatch(await second.registry.metrics(), /outcome="exit"/);
});
