import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {
  assertTransition,
  IllegalTransitionError,
  isLegalTransition,
  isLive,
  PHASE_NAMES,
  publicStateOf,
  TIMER_OWNERS,
  TRANSITIONS,
  type PhaseName,
} from '../phase.js';

/** The legal steps, written out once more so a change to the table is a deliberate one. */
const LEGAL = new Set([
  'starting→running',
  'starting→ended',
  'starting→expired',
  'starting→stopping',
  'running→exiting',
  'running→draining',
  'running→ended',
  'running→expired',
  'running→stopping',
  'exiting→ended',
  'exiting→expired',
  'exiting→stopping',
  'draining→ended',
  'draining→expired',
  'draining→stopping',
  'ended→gone',
  'expired→gone',
  'stopping→gone',
]);

describe('session phases', () => {
  it('allows exactly the legal steps, for every pair of phases', () => {
    for (const from of PHASE_NAMES) {
      for (const to of PHASE_NAMES) {
        const legal = LEGAL.has(`${from}→${to}`);
        assert.equal(isLegalTransition(from, to), legal, `${from}→${to}`);
        if (legal) assertTransition(from, to);
        else {
          assert.throws(
            () => assertTransition(from, to),
            (error: unknown) => error instanceof IllegalTransitionError && error.code === 'illegal-transition' && error.from === from && error.to === to,
          );
        }
      }
    }
  });

  it('lists every phase in the table, and gone leads nowhere', () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...PHASE_NAMES].sort());
    assert.deepEqual(TRANSITIONS.gone, []);
  });

  it('no step leads back into life from an end phase', () => {
    for (const from of PHASE_NAMES.filter((phase) => !isLive(phase))) {
      for (const to of TRANSITIONS[from]) assert.equal(isLive(to), false, `${from}→${to}`);
    }
  });

  it('folds the phases into the three public states', () => {
    const expected: Record<PhaseName, string> = {
      starting: 'starting',
      running: 'running',
      exiting: 'running',
      draining: 'running',
      ended: 'ended',
      expired: 'ended',
      stopping: 'ended',
      gone: 'ended',
    };
    for (const phase of PHASE_NAMES) assert.equal(publicStateOf(phase), expected[phase], phase);
  });

  it('gives every timer owners, none of them gone', () => {
    for (const [purpose, owners] of Object.entries(TIMER_OWNERS)) {
      assert.ok(owners.length > 0, purpose);
      assert.equal(owners.includes('gone'), false, purpose);
    }
    assert.deepEqual(TIMER_OWNERS['drain-fallback'], ['draining']);
    assert.deepEqual(TIMER_OWNERS['late-socket'], ['ended']);
    assert.deepEqual(TIMER_OWNERS['expired-keep'], ['expired']);
  });
});
