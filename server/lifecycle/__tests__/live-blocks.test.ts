import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {SandboxBlock, SandboxManifest} from '../../../config/index.js';
import {ManualClock} from '../../../test/helpers/clock.js';
import {LiveBlocks} from '../live-blocks.js';

const block = (id: string, content = id): SandboxBlock => ({
  id,
  env: 'shell',
  cmd: 'sh main.sh',
  files: [{path: 'main.sh', content: `echo ${content}`, hidden: false, readonly: false, lang: 'bash'}],
  options: {editable: false, interactive: false, exit: 0, skipCheck: false},
  source: 'docs/a.md',
  line: 1,
});
const manifest = (...ids: string[]): SandboxManifest => ({version: 1, blocks: ids.map((id) => block(id))});
const ids = (live: LiveBlocks) => [...live.blocks().keys()].sort();

describe('LiveBlocks', () => {
  it('keeps the blocks a redeploy dropped runnable for the grace, then drops them', () => {
    const clock = new ManualClock();
    const live = new LiveBlocks({clock, graceMs: 60_000});
    live.set([manifest('a', 'b')]);
    assert.deepEqual(live.replace([manifest('a', 'c')]), {blocks: 2, retired: 1});
    assert.deepEqual(ids(live), ['a', 'b', 'c'], 'the old page still runs b');
    clock.advance(59_999);
    assert.ok(live.blocks().has('b'));
    clock.advance(1);
    assert.deepEqual(ids(live), ['a', 'c']);
  });

  it('merges every locale and lets the current manifest win over a retired copy', () => {
    const clock = new ManualClock();
    const live = new LiveBlocks({clock, graceMs: 60_000});
    live.set([manifest('en')]);
    live.replace([manifest('x')]);
    const fresh = {version: 1 as const, blocks: [block('en', 'changed')]};
    live.replace([fresh, manifest('fr')]);
    assert.deepEqual(ids(live), ['en', 'fr', 'x']);
    assert.equal(live.blocks().get('en')?.files[0]?.content, 'echo changed');
  });

  it('set() replaces at once and forgets retired blocks; a grace of 0 keeps none', () => {
    const clock = new ManualClock();
    const live = new LiveBlocks({clock, graceMs: 60_000});
    live.set([manifest('a')]);
    live.replace([manifest('b')]);
    live.set([manifest('c')]);
    assert.deepEqual(ids(live), ['c']);
    const none = new LiveBlocks({clock, graceMs: 0});
    none.set([manifest('a')]);
    assert.deepEqual(none.replace([manifest('b')]), {blocks: 1, retired: 0});
    assert.deepEqual(ids(none), ['b']);
  });

  it('holds at most maxRetired generations, dropping the oldest', () => {
    const clock = new ManualClock();
    const live = new LiveBlocks({clock, graceMs: 60_000, maxRetired: 2});
    live.set([manifest('g0')]);
    for (const id of ['g1', 'g2', 'g3']) live.replace([manifest(id)]);
    assert.deepEqual(ids(live), ['g1', 'g2', 'g3'], 'g0 was the oldest retired generation');
  });
});
