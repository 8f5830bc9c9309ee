import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import xtermHeadless from '@xterm/headless';
import {MAX_BACKLOG_BYTES, ScreenMirror, SLICE_BYTES} from '../mirror.js';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drained(mirror: ScreenMirror): Promise<void> {
  for (let index = 0; index < 400 && mirror.backlog > 0; index++) await wait(2);
  await wait(10);
}

/** The visible lines of a terminal that was given `data`. */
async function screenOf(data: string, cols = 40, rows = 6): Promise<string[]> {
  const terminal = new xtermHeadless.Terminal({cols, rows, allowProposedApi: true});
  await new Promise<void>((resolve) => terminal.write(data, resolve));
  const buffer = terminal.buffer.active;
  const lines = Array.from({length: rows}, (_, row) => buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? '');
  terminal.dispose();
  return lines;
}

describe('ScreenMirror', () => {
  it('its snapshot rebuilds the same screen on a fresh terminal, colours and cursor moves included', async () => {
    const parsed: Buffer[] = [];
    const mirror = new ScreenMirror({cols: 40, rows: 6, onParsed: (chunk) => parsed.push(chunk), onOverflow: () => assert.fail('no overflow')});
    const output = Array.from({length: 30}, (_, index) => `\x1b[3${index % 8}mline ${index}\x1b[0m`).join('\r\n') + '\x1b[2;5Hhere';
    mirror.write(Buffer.from(output));
    await drained(mirror);
    assert.equal(Buffer.concat(parsed).toString(), output, 'every byte went on to the viewers, in order');
    assert.deepEqual(await screenOf(mirror.snapshot()), await screenOf(output));
    mirror.dispose();
    mirror.dispose();
    assert.equal(mirror.snapshot(), '');
  });

  it('parses at most one slice per turn of the event loop', async () => {
    const sizes: number[] = [];
    const mirror = new ScreenMirror({cols: 80, rows: 24, onParsed: (chunk) => sizes.push(chunk.length), onOverflow: () => {}});
    mirror.write(Buffer.alloc(SLICE_BYTES * 3 + 10, 'y'));
    await drained(mirror);
    assert.deepEqual(sizes, [SLICE_BYTES, SLICE_BYTES, SLICE_BYTES, 10]);
    mirror.dispose();
  });

  it('a backlog over its bound is dropped but for the newest bytes, and the owner is told', async () => {
    let overflows = 0;
    const mirror = new ScreenMirror({cols: 80, rows: 24, onParsed: () => {}, onOverflow: () => overflows++});
    for (let index = 0; index < 20; index++) mirror.write(Buffer.alloc(MAX_BACKLOG_BYTES / 8, 'z'));
    assert.ok(overflows >= 1);
    assert.ok(mirror.backlog <= MAX_BACKLOG_BYTES, `backlog ${mirror.backlog}`);
    mirror.write(Buffer.from('\r\nTHE END'));
    await drained(mirror);
    assert.match(mirror.snapshot(), /THE END/);
    mirror.dispose();
  });
});
