import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {SandboxBlock} from '../../../config/block.js';
import {BlockCatalog, blockIdOfUri, blockResourceUri} from '../catalog.js';
import {indexPages, pageUrlOf} from '../pages.js';

const block = (id: string, extra: Partial<SandboxBlock> = {}): SandboxBlock => ({
  id,
  env: 'shell',
  cmd: 'sh main.sh',
  files: [
    {path: 'main.sh', content: 'echo hello', hidden: false, readonly: false, lang: 'bash'},
    {path: 'setup.sh', content: 'secret-ish', hidden: true, readonly: false, lang: 'bash'},
  ],
  options: {editable: true, interactive: false, exit: 0, skipCheck: false},
  source: 'docs/intro.md',
  line: 3,
  ...extra,
});

describe('BlockCatalog', () => {
  const blocks = [
    block('aaa', {title: 'Hello shell'}),
    block('bbb', {env: 'node', cmd: 'node index.js', source: 'docs/tutorials/node.md', options: {editable: false, interactive: true, exit: 1, skipCheck: false, expect: 'hi'}}),
  ];
  const catalog = new BlockCatalog(blocks, new Map([['bbb', '/docs/tutorials/node']]));

  it('summarises a block without hidden files or contents', () => {
    assert.deepEqual(catalog.summary(blocks[1]!), {
      id: 'bbb',
      pageUrl: '/docs/tutorials/node',
      source: 'docs/tutorials/node.md',
      line: 3,
      env: 'node',
      files: ['main.sh'],
      interactive: true,
      editable: false,
      expect: 'hi',
      exit: 1,
      resource: 'sandbox://block/bbb',
    });
  });

  it('searches by words, page and environment', () => {
    const ids = (query: Parameters<BlockCatalog['search']>[0]) => catalog.search(query).map((found) => found.id);
    assert.deepEqual(ids({}), ['aaa', 'bbb']);
    assert.deepEqual(ids({query: 'HELLO shell'}), ['aaa']);
    assert.deepEqual(ids({query: 'echo hello'}), ['aaa', 'bbb']);
    assert.deepEqual(ids({page: '/docs/tutorials'}), ['bbb']);
    assert.deepEqual(ids({page: 'intro.md'}), ['aaa']);
    assert.deepEqual(ids({env: 'node'}), ['bbb']);
    assert.deepEqual(ids({query: 'nothing-like-this'}), []);
  });

  it('maps block ids to resource URIs and back', () => {
    assert.equal(blockResourceUri('a b'), 'sandbox://block/a%20b');
    assert.equal(blockIdOfUri('sandbox://block/a%20b'), 'a b');
    assert.equal(blockIdOfUri('sandbox://block/x/y'), undefined);
    assert.equal(blockIdOfUri('file:///etc/passwd'), undefined);
  });
});

describe('page index', () => {
  it('turns built HTML paths into page URLs', () => {
    assert.equal(pageUrlOf('index.html'), '/');
    assert.equal(pageUrlOf('docs/intro/index.html'), '/docs/intro');
    assert.equal(pageUrlOf('404.html'), '/404.html');
  });

  it('keeps the most specific page of a block shown on several', () => {
    const pages = indexPages([
      ['blog/index.html', '<div data-sandbox-id="p1"></div>'],
      ['blog/2026/01/01/post/index.html', '<div data-sandbox-id="p1"></div><div data-sandbox-id="p2">'],
    ]);
    assert.deepEqual([...pages], [
      ['p1', '/blog/2026/01/01/post'],
      ['p2', '/blog/2026/01/01/post'],
    ]);
  });
});
