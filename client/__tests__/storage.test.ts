import assert from 'node:assert/strict';
import {MemoryStorage} from './memory-storage.js';
import {describe, it} from 'node:test';
import {changedFiles, clearEdits, editsKey, loadEdits, MAX_STORED_CHARS, saveEdits, type KeyValueStorage} from '../storage.js';


const throwing: KeyValueStorage = {
  getItem() {
    throw new Error('SecurityError');
  },
  setItem() {
    throw new Error('QuotaExceededError');
  },
  removeItem() {
    throw new Error('SecurityError');
  },
};

describe('edit storage', () => {
  it('round-trips edits per block id', () => {
    const storage = new MemoryStorage();
    assert.equal(saveEdits(storage, 'a1', {'main.py': 'print(2)'}), true);
    assert.deepEqual(loadEdits(storage, 'a1', ['main.py']), {'main.py': 'print(2)'});
    assert.deepEqual(loadEdits(storage, 'b2', ['main.py']), {});
    assert.ok(storage.items.has(editsKey('a1')));
  });

  it('drops paths the block no longer has and ignores garbage', () => {
    const storage = new MemoryStorage();
    saveEdits(storage, 'a1', {'old.py': 'x', 'main.py': 'y'});
    assert.deepEqual(loadEdits(storage, 'a1', ['main.py']), {'main.py': 'y'});
    storage.setItem(editsKey('a1'), '{not json');
    assert.deepEqual(loadEdits(storage, 'a1', ['main.py']), {});
    storage.setItem(editsKey('a1'), JSON.stringify({version: 99, files: {'main.py': 'z'}}));
    assert.deepEqual(loadEdits(storage, 'a1', ['main.py']), {});
    storage.setItem(editsKey('a1'), JSON.stringify({version: 1, files: {'main.py': 42, __proto__: 'x'}}));
    assert.deepEqual(loadEdits(storage, 'a1', ['main.py', '__proto__']), {});
  });

  it('removes the entry on Reset and for empty edits', () => {
    const storage = new MemoryStorage();
    saveEdits(storage, 'a1', {'main.py': 'y'});
    clearEdits(storage, 'a1');
    assert.equal(storage.items.size, 0);
    saveEdits(storage, 'a1', {'main.py': 'y'});
    saveEdits(storage, 'a1', {});
    assert.equal(storage.items.size, 0);
  });

  it('refuses oversized edits and survives storage that throws', () => {
    const storage = new MemoryStorage();
    assert.equal(saveEdits(storage, 'a1', {'big.txt': 'x'.repeat(MAX_STORED_CHARS)}), false);
    assert.equal(storage.items.size, 0);
    assert.equal(saveEdits(throwing, 'a1', {'main.py': 'y'}), false);
    assert.deepEqual(loadEdits(throwing, 'a1', ['main.py']), {});
    clearEdits(throwing, 'a1');
    assert.equal(saveEdits(undefined, 'a1', {'main.py': 'y'}), false);
  });

  it('sends only files that differ from the authored ones', () => {
    const authored = [
      {path: 'a.js', content: 'A'},
      {path: 'b.js', content: 'B'},
      {path: 'c.js', content: 'C'},
    ];
    assert.deepEqual(changedFiles(authored, {'a.js': 'A', 'b.js': 'B2', 'zzz.js': 'Z'}), [{path: 'b.js', content: 'B2'}]);
  });
});
