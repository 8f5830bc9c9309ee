import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {environmentKey, forgetEnvironment, loadEnvironment, MAX_RAN_STEPS, MAX_STORED_ENVIRONMENT_CHARS, readEnvironmentInfo, saveEnvironment} from '../environment.js';
import {MemoryStorage, throwingStorage} from './memory-storage.js';

const base = 'http://localhost:3000';
const info = {id: 'e1', token: 't1', session: 'p1', ran: [1, 2]};

describe('environment read and storage', () => {
  it('reads an EnvironmentInfo, refusing malformed ones and those of another page session', () => {
    assert.deepEqual(readEnvironmentInfo({...info, running: 2}), {ref: {id: 'e1', token: 't1'}, session: 'p1', ran: [1, 2]});
    assert.deepEqual(readEnvironmentInfo({...info, ran: [1, 1, 2]})?.ran, [1, 2]);
    assert.equal(readEnvironmentInfo(info, 'p2'), undefined);
    for (const bad of [
      null,
      [],
      'e1',
      {...info, id: ''},
      {...info, token: 7},
      {...info, token: 'x'.repeat(513)},
      {...info, session: undefined},
      {...info, ran: [0]},
      {...info, ran: ['1']},
      {...info, ran: 'all'},
      {...info, ran: Array.from({length: MAX_RAN_STEPS + 1}, (_, index) => index + 1)},
    ]) {
      assert.equal(readEnvironmentInfo(bad), undefined, JSON.stringify(bad)?.slice(0, 60));
    }
  });

  it('persists per API base and page session, and forgets', () => {
    const storage = new MemoryStorage();
    const environment = readEnvironmentInfo(info)!;
    assert.equal(saveEnvironment(storage, base, environment), true);
    assert.deepEqual(loadEnvironment(storage, base, 'p1'), environment);
    assert.equal(loadEnvironment(storage, 'http://other', 'p1'), undefined);
    assert.equal(loadEnvironment(storage, base, 'p2'), undefined);
    forgetEnvironment(storage, base, 'p1');
    assert.equal(loadEnvironment(storage, base, 'p1'), undefined);
  });

  it('ignores bad stored JSON, an entry of another version or session, and an oversized entry', () => {
    const storage = new MemoryStorage();
    const key = environmentKey(base, 'p1');
    for (const text of ['{not json', 'null', '[]', JSON.stringify({...info, version: 2}), JSON.stringify({...info, version: 1, session: 'p2'}), JSON.stringify({version: 1, ...info, ran: [-1]})]) {
      storage.setItem(key, text);
      assert.equal(loadEnvironment(storage, base, 'p1'), undefined, text);
    }
    storage.setItem(key, JSON.stringify({version: 1, ...info, pad: 'x'.repeat(MAX_STORED_ENVIRONMENT_CHARS)}));
    assert.equal(loadEnvironment(storage, base, 'p1'), undefined);
  });

  it('survives storage that throws or is absent', () => {
    const environment = readEnvironmentInfo(info)!;
    assert.equal(loadEnvironment(throwingStorage, base, 'p1'), undefined);
    assert.equal(saveEnvironment(throwingStorage, base, environment), false);
    assert.doesNotThrow(() => forgetEnvironment(throwingStorage, base, 'p1'));
    assert.equal(saveEnvironment(undefined, base, environment), false);
    assert.equal(loadEnvironment(undefined, base, 'p1'), undefined);
  });
});
