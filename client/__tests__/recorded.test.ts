import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {MAX_PLAYBACK_DELAY_MS, parseTranscripts, playTranscript, TranscriptStore, transcriptsUrl} from '../recorded.js';
import {FakeTimers} from './fake-timers.js';

const FILE = {
  version: 1,
  transcripts: {
    good: {recordedAt: '2026-11-20T10:00:00.000Z', exitCode: 0, chunks: [[0, 'a'], [300, 'b'], [99_999, 'c']]},
    bad: {recordedAt: '2026-11-20T10:00:00.000Z', chunks: [[0, 42]]},
    worse: null,
  },
};

describe('recorded playback', () => {
  it('finds the file under the site base URL', () => {
    assert.equal(transcriptsUrl('/'), '/sandbox-transcripts.json');
    assert.equal(transcriptsUrl('/docs-site/'), '/docs-site/sandbox-transcripts.json');
    assert.equal(transcriptsUrl('/x'), '/x/sandbox-transcripts.json');
  });

  it('keeps only well-formed transcripts', () => {
    const parsed = parseTranscripts(FILE);
    assert.deepEqual([...parsed.keys()], ['good']);
    assert.equal(parseTranscripts({version: 2, transcripts: {}}).size, 0);
    assert.equal(parseTranscripts('nope').size, 0);
  });

  it('fetches the file once and treats a missing or broken file as "no recordings"', async () => {
    let fetches = 0;
    const store = new TranscriptStore(async () => {
      fetches += 1;
      return {ok: true, text: async () => JSON.stringify(FILE)};
    });
    assert.equal((await store.find('/t.json', 'good'))?.exitCode, 0);
    assert.equal(await store.find('/t.json', 'missing'), undefined);
    assert.equal(fetches, 1);
    const missing = new TranscriptStore(async () => ({ok: false, text: async () => 'Not found'}));
    assert.equal(await missing.find('/t.json', 'good'), undefined);
    const broken = new TranscriptStore(async () => ({ok: true, text: async () => '{'}));
    assert.equal(await broken.find('/t.json', 'good'), undefined);
    const offline = new TranscriptStore(async () => {
      throw new TypeError('Failed to fetch');
    });
    assert.equal(await offline.find('/t.json', 'good'), undefined);
  });

  it('plays the chunks with their timing, capping absurd delays; dispose stops the rest', async () => {
    const timers = new FakeTimers();
    const written: Array<[number, string]> = [];
    const transcript = parseTranscripts(FILE).get('good')!;
    const playback = playTranscript(transcript, (text) => written.push([timers.now, text]), timers);
    timers.advance(0);
    assert.deepEqual(written, [[0, 'a']]);
    timers.advance(299);
    assert.equal(written.length, 1);
    timers.advance(1);
    assert.deepEqual(written.at(-1), [300, 'b']);
    timers.advance(MAX_PLAYBACK_DELAY_MS);
    assert.deepEqual(written.at(-1), [300 + MAX_PLAYBACK_DELAY_MS, 'c']);
    await playback.done;

    const stopped = playTranscript(transcript, (text) => written.push([timers.now, text]), timers);
    stopped.dispose();
    stopped.dispose();
    timers.advance(10_000);
    await stopped.done;
    assert.equal(written.length, 3, 'nothing written after dispose');
  });
});
