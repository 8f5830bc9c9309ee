import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SandboxError} from '../../errors.js';
import {
  buildSeed,
  buildTar,
  checkCommand,
  MAX_COMMAND_BYTES,
  fileMode,
  LAUNCHER,
  MAX_SEED_VARIABLE_BYTES,
  SEED_COUNT_VARIABLE,
  SEED_VARIABLE_PREFIX,
} from '../seed.js';

interface Entry {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  type: string;
  content: string;
}

/** A minimal ustar reader, independent of the writer, that also checks each checksum. */
function readTar(archive: Buffer): Entry[] {
  assert.equal(archive.length % 512, 0, 'archive is whole blocks');
  const entries: Entry[] = [];
  let offset = 0;
  const text = (start: number, length: number) => archive.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
  const octal = (start: number, length: number) => Number.parseInt(text(start, length).trim() || '0', 8);
  while (offset < archive.length) {
    const block = archive.subarray(offset, offset + 512);
    if (block.every((byte) => byte === 0)) break;
    let sum = 0;
    for (let index = 0; index < 512; index++) sum += index >= 148 && index < 156 ? 32 : block[index]!;
    assert.equal(octal(offset + 148, 8), sum, 'checksum');
    assert.equal(text(offset + 257, 6), 'ustar');
    const prefix = text(offset + 345, 155);
    const name = text(offset, 100);
    const size = octal(offset + 124, 12);
    entries.push({
      path: prefix ? `${prefix}/${name}` : name,
      mode: octal(offset + 100, 8),
      uid: octal(offset + 108, 8),
      gid: octal(offset + 116, 8),
      size,
      mtime: octal(offset + 136, 12),
      type: text(offset + 156, 1),
      content: archive.subarray(offset + 512, offset + 512 + size).toString('utf8'),
    });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  assert.ok(archive.subarray(offset).every((byte) => byte === 0), 'ends with zero blocks');
  assert.ok(archive.length - offset >= 1024, 'two end blocks');
  return entries;
}

const LIMITS = {maxSeedBytes: 256 * 1024, maxFiles: 32};

describe('buildTar', () => {
  it('writes regular files with normalised modes, owner 1000:1000 and parent folders once', () => {
    const entries = readTar(
      buildTar(
        [
          {path: 'src/lib/a.js', content: 'a'},
          {path: 'src/lib/b.js', content: 'bb'},
          {path: 'run.sh', content: '#!/bin/sh\necho hi\n'},
        ],
        1_700_000_000_123,
      ),
    );
    assert.deepEqual(
      entries.map((entry) => [entry.path, entry.type, entry.mode.toString(8)]),
      [
        ['src/', '5', '755'],
        ['src/lib/', '5', '755'],
        ['src/lib/a.js', '0', '644'],
        ['src/lib/b.js', '0', '644'],
        ['run.sh', '0', '755'],
      ],
    );
    for (const entry of entries) {
      assert.equal(entry.uid, 1000);
      assert.equal(entry.gid, 1000);
      assert.equal(entry.mtime, 1_700_000_000);
    }
    assert.equal(entries[3]!.content, 'bb');
    assert.equal(entries[4]!.content, '#!/bin/sh\necho hi\n');
  });

  it('keeps UTF-8 content and sizes in bytes, padded to whole blocks', () => {
    const content = 'héllo ✓\n'.repeat(100);
    const [entry] = readTar(buildTar([{path: 'u.txt', content}], 0));
    assert.equal(entry!.size, Buffer.byteLength(content));
    assert.equal(entry!.content, content);
  });

  it('splits a path longer than 100 bytes into prefix and name', () => {
    const path = `${'d'.repeat(120)}/${'f'.repeat(90)}`;
    const entries = readTar(buildTar([{path, content: 'x'}], 0));
    assert.equal(entries.at(-1)!.path, path);
  });

  it('refuses a last segment that ustar cannot hold', () => {
    assert.throws(() => buildTar([{path: 'f'.repeat(150), content: ''}], 0), {code: 'bad-path'});
  });

  it('gives scripts 0755 and everything else 0644', () => {
    assert.equal(fileMode('#!/usr/bin/env python3\n'), 0o755);
    assert.equal(fileMode('echo no shebang'), 0o644);
    assert.equal(fileMode(' #!/bin/sh'), 0o644);
  });
});

describe('buildSeed', () => {
  it('splits the base64 archive across variables of at most 128 KiB that join back to it', () => {
    const files = Array.from({length: 8}, (_, index) => ({path: `f${index}.txt`, content: `${index}`.repeat(30_000)}));
    const seed = buildSeed(files, LIMITS, 0);
    const [count, ...chunks] = seed.env;
    assert.equal(count, `${SEED_COUNT_VARIABLE}=${chunks.length}`);
    assert.ok(chunks.length > 1, 'needs several variables');
    let joined = '';
    chunks.forEach((chunk, index) => {
      assert.ok(chunk.startsWith(`${SEED_VARIABLE_PREFIX}${index}=`));
      assert.ok(Buffer.byteLength(chunk) + 1 <= 128 * 1024, 'name=value plus NUL fits MAX_ARG_STRLEN');
      assert.ok(chunk.length <= MAX_SEED_VARIABLE_BYTES);
      joined += chunk.slice(chunk.indexOf('=') + 1);
    });
    const archive = Buffer.from(joined, 'base64');
    assert.equal(archive.length, seed.archiveBytes);
    assert.deepEqual(
      readTar(archive).map((entry) => [entry.path, entry.content.length]),
      files.map((file) => [file.path, 30_000]),
    );
    assert.equal(seed.contentBytes, 240_000);
  });

  it('seeds nothing for no files', () => {
    assert.deepEqual(buildSeed([], LIMITS, 0).env, [`${SEED_COUNT_VARIABLE}=0`]);
  });

  it('refuses more bytes than maxSeedBytes, naming the cap', () => {
    assert.throws(
      () => buildSeed([{path: 'big', content: 'x'.repeat(256 * 1024 + 1)}], LIMITS, 0),
      (error: unknown) =>
        error instanceof SandboxError &&
        error.code === 'too-large' &&
        error.httpStatus === 413 &&
        error.expose &&
        /262145 bytes, over the limit of 256 KiB per session \(limits\.maxSeedBytes\)/.test(error.message),
    );
  });

  it('counts UTF-8 bytes, not characters, against the cap', () => {
    assert.throws(() => buildSeed([{path: 'u', content: '✓'.repeat(400)}], {maxSeedBytes: 1000, maxFiles: 4}, 0), {
      code: 'too-large',
      message: /1200 bytes, over the limit of 1000 bytes/,
    });
  });

  it('accepts exactly maxSeedBytes', () => {
    assert.equal(buildSeed([{path: 'x', content: 'x'.repeat(1024)}], {maxSeedBytes: 1024, maxFiles: 1}, 0).contentBytes, 1024);
  });

  it('refuses more files than maxFiles, naming the cap', () => {
    const files = Array.from({length: 3}, (_, index) => ({path: `f${index}`, content: ''}));
    assert.throws(() => buildSeed(files, {maxSeedBytes: 1024, maxFiles: 2}, 0), {
      code: 'too-many-files',
      message: /3 files is over the limit of 2 files per session \(limits\.maxFiles\)/,
    });
  });

  for (const path of ['../etc/passwd', '/etc/passwd', 'a/../../b', 'nul\0byte', 'a//b', './a', '']) {
    it(`refuses the path ${JSON.stringify(path)}`, () => {
      assert.throws(() => buildSeed([{path, content: 'x'}], LIMITS, 0), {code: 'bad-path'});
    });
  }

  it('refuses a path given twice and a file that is also a folder', () => {
    assert.throws(() => buildSeed([{path: 'a', content: ''}, {path: 'a', content: ''}], LIMITS, 0), {code: 'bad-path', message: /twice/});
    assert.throws(() => buildSeed([{path: 'a', content: ''}, {path: 'a/b/c', content: ''}], LIMITS, 0), {
      code: 'bad-path',
      message: /"a" is both a file and the folder of "a\/b\/c"/,
    });
  });
});

describe('checkCommand', () => {
  it('accepts multi-line commands up to the cap', () => {
    checkCommand('echo one\necho two');
    checkCommand('x'.repeat(MAX_COMMAND_BYTES));
  });

  it('refuses a NUL byte and an oversized command, naming the cap', () => {
    assert.throws(() => checkCommand('echo a\0b'), {code: 'bad-request', message: /NUL/});
    assert.throws(() => checkCommand('x'.repeat(MAX_COMMAND_BYTES + 1)), {code: 'too-large', message: /over the limit of 64 KiB/});
  });
});

describe('LAUNCHER', () => {
  it('unsets every SANDBOX_ variable before the command runs and execs it', () => {
    assert.match(LAUNCHER, /unset SANDBOX_SEED_COUNT SANDBOX_CMD SANDBOX_SHELL SANDBOX_COLS SANDBOX_ROWS/);
    assert.match(LAUNCHER, /unset "SANDBOX_SEED_\$sandbox_i"/);
    assert.match(LAUNCHER, /tar -x -f - -C \/workspace/);
    assert.ok(LAUNCHER.trimEnd().endsWith('exec sh -c "$sandbox_cmd"'));
  });

  it('uses only POSIX sh constructs (no bash-isms)', () => {
    assert.doesNotMatch(LAUNCHER, /\[\[|\$\{[A-Za-z_]+\[|function |<<<|\bsource\b/);
  });
});
