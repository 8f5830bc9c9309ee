/**
 * Recorded playback: when Run cannot reach the backend, or the site
 * is in recorded-only mode, the block's transcript recorded by
 * `docusaurus-sandbox check --record` is played into the terminal with its
 * original (already capped) timing. Framework-free and testable: fetch and
 * timers are injected.
 */
import {TRANSCRIPTS_FILE, type Transcript, type TranscriptsFile} from '../config/block.js';
import type {Timers} from './timers.js';

/** Defensive cap between chunks (the recorder caps too): a broken file must not stall the page. */
export const MAX_PLAYBACK_DELAY_MS = 2_000;
/** Transcripts larger than this are not read (the recorder bounds each transcript far below). */
export const MAX_TRANSCRIPTS_CHARS = 16 * 1024 * 1024;

export type TranscriptFetch = (url: string) => Promise<{ok: boolean; text(): Promise<string>}>;

/** `<baseUrl>sandbox-transcripts.json`; baseUrl is Docusaurus' (always ends with "/"). */
export const transcriptsUrl = (baseUrl: string): string => `${baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`}${TRANSCRIPTS_FILE}`;

const isChunk = (value: unknown): value is [number, string] =>
  Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && Number.isFinite(value[0]) && typeof value[1] === 'string';

/** The valid transcripts of a parsed file; anything malformed is left out rather than trusted. */
export function parseTranscripts(value: unknown): Map<string, Transcript> {
  const found = new Map<string, Transcript>();
  if (typeof value !== 'object' || value === null) return found;
  const file = value as Partial<TranscriptsFile>;
  if (file.version !== 1 || typeof file.transcripts !== 'object' || file.transcripts === null) return found;
  for (const [id, entry] of Object.entries(file.transcripts)) {
    const candidate = entry as Partial<Transcript> | null;
    if (!candidate || typeof candidate.recordedAt !== 'string' || !Array.isArray(candidate.chunks)) continue;
    if (!candidate.chunks.every(isChunk)) continue;
    found.set(id, {
      recordedAt: candidate.recordedAt,
      chunks: candidate.chunks,
      ...(typeof candidate.exitCode === 'number' ? {exitCode: candidate.exitCode} : {}),
    });
  }
  return found;
}

/** Loads the site's transcripts once per URL (a missing file is an empty set, not an error). */
export class TranscriptStore {
  readonly #loads = new Map<string, Promise<Map<string, Transcript>>>();

  constructor(private readonly fetchText: TranscriptFetch) {}

  load(url: string): Promise<Map<string, Transcript>> {
    let load = this.#loads.get(url);
    if (!load) {
      load = (async () => {
        try {
          const response = await this.fetchText(url);
          if (!response.ok) return new Map();
          const text = await response.text();
          if (text.length > MAX_TRANSCRIPTS_CHARS) return new Map();
          return parseTranscripts(JSON.parse(text));
        } catch {
          return new Map();
        }
      })();
      this.#loads.set(url, load);
    }
    return load;
  }

  async find(url: string, blockId: string): Promise<Transcript | undefined> {
    return (await this.load(url)).get(blockId);
  }
}

/** The page's store (like the live-sandbox registry: one per page on purpose, so the file is fetched once). */
export const transcripts = new TranscriptStore(async (url) => {
  const response = await globalThis.fetch(url, {credentials: 'same-origin'});
  return {ok: response.ok, text: () => response.text()};
});

export interface Playback {
  /** Resolves when the last chunk was written (or playback was disposed). */
  readonly done: Promise<void>;
  dispose(): void;
}

/** Writes the transcript's chunks with their delays (capped). Disposable: stops the rest. */
export function playTranscript(transcript: Transcript, write: (text: string) => void, timers: Timers): Playback {
  let index = 0;
  let handle: unknown;
  let disposed = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const next = () => {
    if (disposed) return;
    const chunk = transcript.chunks[index];
    if (!chunk) {
      finish();
      return;
    }
    const delay = Math.min(MAX_PLAYBACK_DELAY_MS, Math.max(0, chunk[0]));
    handle = timers.setTimeout(() => {
      if (disposed) return;
      write(chunk[1]);
      index += 1;
      next();
    }, delay);
  };
  next();
  return {
    done,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      timers.clearTimeout(handle);
      finish();
    },
  };
}

/** "26 Nov 2026"-style date in the reader's locale; the ISO text when it cannot be read. */
export function formatRecordedDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  try {
    return date.toLocaleDateString(locale, {year: 'numeric', month: 'short', day: 'numeric'});
  } catch {
    return date.toISOString().slice(0, 10);
  }
}
