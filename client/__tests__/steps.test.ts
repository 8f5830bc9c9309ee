import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {KnownEnvironment} from '../environment.js';
import {formatSteps, missingSteps, modeForChoice, parseSessionProp, planAfterRefusal, planStep, retryAfterRefusal, stepRequest} from '../steps.js';

const environment = (ran: number[]): KnownEnvironment => ({ref: {id: 'e1', token: 't1'}, session: 'p1', ran});

describe('step decisions', () => {
  it('never offers on step 1: it runs in the environment there is, or a new one', () => {
    assert.deepEqual(planStep(1, undefined), {action: 'run', mode: 'new'});
    assert.deepEqual(planStep(1, environment([])), {action: 'run', mode: 'environment'});
    assert.deepEqual(planStep(1, environment([3, 1])), {action: 'run', mode: 'environment'});
  });

  it('runs a later step in the environment when all earlier steps ran there, in any order', () => {
    assert.deepEqual(planStep(3, environment([2, 1])), {action: 'run', mode: 'environment'});
    assert.deepEqual(planStep(2, environment([1, 2, 3])), {action: 'run', mode: 'environment'});
  });

  it('offers when earlier steps have not run: none is there, or some are missing', () => {
    assert.deepEqual(planStep(3, undefined), {action: 'offer', missing: [1, 2]});
    assert.deepEqual(planStep(4, environment([1, 3])), {action: 'offer', missing: [2]});
    assert.deepEqual(missingSteps(1, undefined), []);
  });

  it('maps the choice to where the run goes', () => {
    assert.equal(modeForChoice('catch-up', undefined), 'catch-up');
    assert.equal(modeForChoice('catch-up', environment([1])), 'catch-up');
    assert.equal(modeForChoice('only-this', environment([1])), 'environment');
    assert.equal(modeForChoice('only-this', undefined), 'new');
  });

  it('builds each request body: in the environment, catch-up, or plain', () => {
    const base = {block: 'b2', cols: 80, rows: 24, files: [{path: 'a', content: 'x'}]};
    const ref = {id: 'e1', token: 't1'};
    assert.deepEqual(stepRequest(base, 'environment', ref), {...base, environment: {id: 'e1', token: 't1'}});
    assert.deepEqual(stepRequest(base, 'catch-up', ref), {...base, catchUp: true}, 'a catch-up never names the old environment');
    assert.deepEqual(stepRequest(base, 'new', ref), base);
    assert.deepEqual(stepRequest({...base, environment: ref, catchUp: true}, 'new', undefined), base, 'nothing of an earlier mode stays');
    assert.deepEqual(stepRequest(base, 'environment', undefined), base);
  });

  it('retries once without the environment when the server no longer has it or it is not ours, and not otherwise', () => {
    const inEnvironment = {block: 'b2', cols: 80, rows: 24, environment: {id: 'e1', token: 't1'}};
    assert.deepEqual(retryAfterRefusal(inEnvironment, 'environment-not-found'), {block: 'b2', cols: 80, rows: 24});
    assert.deepEqual(retryAfterRefusal(inEnvironment, 'environment-unauthorized'), {block: 'b2', cols: 80, rows: 24});
    assert.equal(retryAfterRefusal(inEnvironment, 'busy'), undefined);
    assert.equal(retryAfterRefusal(inEnvironment, 'environment-mismatch'), undefined);
    assert.equal(retryAfterRefusal({block: 'b2'}, 'environment-not-found'), undefined, 'a request without one is not retried');
  });

  it('after a refusal: step 1 retries in a fresh environment, a later step offers its earlier steps, other refusals are reported', () => {
    const inEnvironment = {block: 'b', cols: 80, rows: 24, environment: {id: 'e1', token: 't1'}};
    assert.deepEqual(planAfterRefusal(1, inEnvironment, 'environment-not-found'), {action: 'retry', request: {block: 'b', cols: 80, rows: 24}});
    assert.deepEqual(planAfterRefusal(3, inEnvironment, 'environment-not-found'), {action: 'offer', missing: [1, 2]});
    assert.deepEqual(planAfterRefusal(2, inEnvironment, 'environment-unauthorized'), {action: 'offer', missing: [1]});
    assert.deepEqual(planAfterRefusal(3, inEnvironment, 'busy'), {action: 'report'});
    assert.deepEqual(planAfterRefusal(3, {block: 'b'}, 'environment-not-found'), {action: 'report'}, 'nothing named an environment');
  });

  it('writes steps as short ranges', () => {
    assert.equal(formatSteps([1]), '1');
    assert.equal(formatSteps([2, 1]), '1–2');
    assert.equal(formatSteps([1, 2, 3, 5, 7, 8]), '1–3, 5, 7–8');
    assert.equal(formatSteps([]), '');
  });

  it('reads the session prop, refusing what is malformed', () => {
    assert.deepEqual(parseSessionProp('{"id":"p1","name":"setup","steps":3}'), {id: 'p1', name: 'setup', steps: 3});
    assert.equal(parseSessionProp(JSON.stringify({id: 'p1', name: 'x'.repeat(500), steps: 2}))?.name.length, 80);
    for (const bad of [undefined, 'nope', 'null', '{"id":"","name":"a","steps":1}', '{"id":"p","name":1,"steps":1}', '{"id":"p","name":"a","steps":0}', '{"id":"p","name":"a","steps":1.5}']) {
      assert.equal(parseSessionProp(bad), undefined, String(bad));
    }
  });
});
