import assert from 'node:assert/strict';
import {test} from 'node:test';
import {defaultCommand} from '../block.js';

test('a block without cmd= runs its own first file through the environment command', () => {
  const python = {cmd: 'python3 main.py', file: 'main.py'};
  assert.equal(defaultCommand(python, [{path: 'stubborn.py'}]), 'python3 stubborn.py');
  assert.equal(defaultCommand(python, [{path: 'main.py'}]), 'python3 main.py');
  assert.equal(defaultCommand(python, []), 'python3 main.py');
  assert.equal(defaultCommand(python, [{path: 'my file.py'}]), "python3 'my file.py'");
  assert.equal(defaultCommand({cmd: 'sh main.sh', file: 'main.sh'}, [{path: "it's.sh"}]), "sh 'it'\\''s.sh'");
});

test('the default file among several keeps the environment command', () => {
  const node = {cmd: 'node index.js --trace', file: 'index.js'};
  assert.equal(defaultCommand(node, [{path: 'lib.js'}, {path: 'index.js'}]), 'node index.js --trace');
  assert.equal(defaultCommand(node, [{path: 'app.js'}, {path: 'lib.js'}]), 'node app.js --trace');
});

test('a command that does not name the default file is kept', () => {
  assert.equal(defaultCommand({cmd: 'make run', file: 'Makefile'}, [{path: 'other.mk'}]), 'make run');
});
