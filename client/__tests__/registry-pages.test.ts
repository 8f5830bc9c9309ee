import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MAX_ANNOUNCED_BLOCKS, openBrowserPageChannel, readPageMessage} from '../page-channel.js';
import {LiveSandboxRegistry, MAX_OTHER_PAGES} from '../registry.js';
import {FakeBus, type FakeChannel} from './fake-channel.js';

function page(bus: FakeBus, pageId: string) {
  const stopped: string[] = [];
  let pageHidden: () => void = () => undefined;
  let pageShown: () => void = () => undefined;
  const registry = new LiveSandboxRegistry({
    pageId,
    openChannel: () => bus.open(),
    watchPage: (hidden, shown) => {
      pageHidden = hidden;
      pageShown = shown;
    },
  });
  /** A live sandbox that, like a runner's, unregisters once its program has ended after stop(). */
  const run = (blockId: string) => {
    const unregister = registry.register(blockId, {
      stop: () => {
        stopped.push(blockId);
        unregister();
      },
    });
    return unregister;
  };
  return {registry, stopped, run, hide: () => pageHidden(), show: () => pageShown()};
}

describe('live sandboxes across the site\'s open pages', () => {
  it('counts the other pages\' live sandboxes and stops them with this page\'s', () => {
    const bus = new FakeBus();
    const first = page(bus, 'p1');
    const second = page(bus, 'p2');
    first.run('a');
    first.run('b');
    second.run('a');
    assert.deepEqual(second.registry.others('a').sort(), ['a', 'b'], 'the same block on another page is another sandbox');
    assert.deepEqual(first.registry.others('a').sort(), ['a', 'b']);

    assert.equal(second.registry.stopOthers('a'), 2);
    assert.deepEqual(first.stopped.sort(), ['a', 'b']);
    assert.deepEqual(second.stopped, [], 'the asking sandbox keeps running');
    assert.deepEqual(second.registry.others('a'), [], 'the stopped page announced it has none left');
  });

  it('a page that joins later learns what the open pages run', () => {
    const bus = new FakeBus();
    const first = page(bus, 'p1');
    first.run('a');
    const late = page(bus, 'p2');
    assert.deepEqual(late.registry.others('x'), ['a']);
  });

  it('a page that goes away stops counting, and counts again when it comes back from the back/forward cache', () => {
    const bus = new FakeBus();
    const first = page(bus, 'p1');
    const second = page(bus, 'p2');
    first.run('a');
    assert.deepEqual(second.registry.others('x'), ['a']);
    first.hide();
    assert.deepEqual(second.registry.others('x'), []);
    first.show();
    assert.deepEqual(second.registry.others('x'), ['a']);
  });

  it('asks the other pages to stop only when they run something', () => {
    const bus = new FakeBus();
    const first = page(bus, 'p1');
    page(bus, 'p2');
    first.run('a');
    first.run('b');
    assert.equal(first.registry.stopOthers('a'), 1);
    assert.deepEqual(first.stopped, ['b']);
    assert.equal(bus.posted.filter((message) => message.kind === 'stop-all').length, 0);
  });

  it('without a channel (server-side rendering, an old browser) it is this page only', () => {
    const stopped: string[] = [];
    const registry = new LiveSandboxRegistry({openChannel: () => undefined});
    registry.register('a', {stop: () => stopped.push('a')});
    registry.register('b', {stop: () => stopped.push('b')});
    assert.equal(registry.stopOthers('a'), 1);
    assert.deepEqual(stopped, ['b']);
    // Node has a BroadcastChannel, but no window: rendering a page at build time must open nothing.
    assert.equal(openBrowserPageChannel(), undefined);
  });

  it('opens the channel once, when made, and closes it on dispose', () => {
    const bus = new FakeBus();
    let opened = 0;
    let channel: FakeChannel | undefined;
    const registry = new LiveSandboxRegistry({
      pageId: 'p1',
      openChannel: () => {
        opened += 1;
        channel = bus.open();
        return channel;
      },
    });
    assert.equal(opened, 1);
    assert.deepEqual(bus.posted, [{kind: 'hello', page: 'p1'}], 'it asks the open pages what they run at once');
    registry.register('a', {stop() {}});
    registry.others('a');
    assert.equal(opened, 1);
    registry.dispose();
    registry.dispose();
    assert.equal(channel!.closed, true);
    registry.register('b', {stop() {}});
    assert.equal(bus.posted.length, 2, 'a disposed registry posts nothing');
  });

  it('ignores malformed messages, its own, and bounds what it keeps', () => {
    const bus = new FakeBus();
    const {registry, stopped, run} = page(bus, 'p1');
    run('a');
    for (const junk of [null, 'stop-all', {kind: 'stop-all'}, {kind: 'stop-all', page: ''}, {kind: 'live', page: 'x', blocks: 'a'}, {kind: 'other', page: 'x'}]) {
      bus.deliver(undefined, junk);
    }
    bus.deliver(undefined, {kind: 'stop-all', page: 'p1'});
    assert.deepEqual(stopped, []);
    assert.deepEqual(registry.others('a'), []);

    bus.deliver(undefined, {kind: 'live', page: 'big', blocks: [...Array.from({length: 1000}, (_, i) => `b${i}`), 7]});
    assert.equal(registry.others('a').length, MAX_ANNOUNCED_BLOCKS);
    for (let i = 0; i < MAX_OTHER_PAGES + 10; i += 1) bus.deliver(undefined, {kind: 'live', page: `p-${i}`, blocks: ['z']});
    assert.equal(registry.others('a').length, MAX_ANNOUNCED_BLOCKS + MAX_OTHER_PAGES - 1);
  });

  it('reads only well-formed messages', () => {
    assert.deepEqual(readPageMessage({kind: 'live', page: 'p', blocks: ['a', 3, 'b']}), {kind: 'live', page: 'p', blocks: ['a', 'b']});
    assert.deepEqual(readPageMessage({kind: 'hello', page: 'p', extra: true}), {kind: 'hello', page: 'p'});
    assert.equal(readPageMessage({kind: 'hello', page: 3}), undefined);
    assert.equal(readPageMessage([]), undefined);
  });
});
