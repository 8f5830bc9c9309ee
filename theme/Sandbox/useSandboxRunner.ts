/**
 * The interactive half of a Sandbox: loads the terminal chunk on the first
 * Run, drives a SandboxSession, keeps the page's live-sandbox registry up to
 * date and disposes everything on unmount. No window access during render.
 */
import {useColorMode} from '@docusaurus/theme-common';
import {translate} from '@docusaurus/Translate';
import getAuthToken from '@theme/SandboxAuth';
import {useCallback, useEffect, useRef, useState, type RefObject} from 'react';
import type {CreateSessionRequest} from '../../protocol/index.js';
import {playTranscript, transcripts, transcriptsUrl, type Playback} from '../client/recorded.js';
import {liveSandboxes} from '../client/registry.js';
import {SandboxSession} from '../client/session.js';
import {isLive, type SandboxStatus} from '../client/status.js';
import type {TerminalHandle} from '../SandboxTerminal/xterm.js';

export interface SandboxRunner {
  status: SandboxStatus;
  /** The terminal area has been opened (after the first Run). */
  terminalShown: boolean;
  terminalRef: RefObject<HTMLDivElement | null>;
  run(files: CreateSessionRequest['files']): void;
  stop(): void;
  /** Stops the reader's other sandboxes on this page, then runs this one. */
  stopOthersAndRun(files: CreateSessionRequest['files']): void;
  sendKey(sequence: string): void;
  screenReaderMode: boolean;
  toggleScreenReaderMode(): void;
}

const SCREEN_READER_KEY = 'docusaurus-sandbox:screen-reader-mode';
const encoder = new TextEncoder();
const HIDE_CURSOR = encoder.encode('\x1b[?25l');
const browserTimers = {
  setTimeout: (callback: () => void, ms: number): unknown => window.setTimeout(callback, ms),
  clearTimeout: (handle: unknown) => window.clearTimeout(handle as number),
};

/** Where recorded runs come from and whether the site shows only them (plugin global data). */
export interface RecordedOptions {
  /** Docusaurus baseUrl: transcripts live at `<baseUrl>sandbox-transcripts.json`. */
  baseUrl: string;
  recordedOnly: boolean;
}

function readScreenReaderPreference(): boolean {
  try {
    return window.localStorage.getItem(SCREEN_READER_KEY) === 'on';
  } catch {
    return false;
  }
}

export function useSandboxRunner(
  blockId: string,
  serverUrl: string | undefined,
  recorded: RecordedOptions = {baseUrl: '/', recordedOnly: false},
): SandboxRunner {
  const {colorMode} = useColorMode();
  const [status, setStatus] = useState<SandboxStatus>({state: 'idle'});
  const [terminalShown, setTerminalShown] = useState(false);
  const [screenReaderMode, setScreenReaderMode] = useState(false);
  const terminalRef = useRef<HTMLDivElement | null>(null);
  const terminal = useRef<TerminalHandle | undefined>(undefined);
  const session = useRef<SandboxSession | undefined>(undefined);
  const unregister = useRef<(() => void) | undefined>(undefined);
  const colorModeRef = useRef(colorMode);
  colorModeRef.current = colorMode;
  const runCount = useRef(0);
  const playback = useRef<Playback | undefined>(undefined);

  useEffect(() => setScreenReaderMode(readScreenReaderPreference()), []);

  useEffect(() => {
    terminal.current?.setColorMode(colorMode);
  }, [colorMode]);

  useEffect(() => {
    terminal.current?.setScreenReaderMode(screenReaderMode);
  }, [screenReaderMode]);

  useEffect(
    () => () => {
      playback.current?.dispose();
      session.current?.dispose();
      unregister.current?.();
      terminal.current?.dispose();
      terminal.current = undefined;
    },
    [],
  );

  const run = useCallback(
    (files: CreateSessionRequest['files']) => {
      const thisRun = ++runCount.current;
      playback.current?.dispose();
      playback.current = undefined;
      session.current?.dispose();
      unregister.current?.();
      setTerminalShown(true);
      void (async () => {
        // The container must be laid out before xterm opens in it: React commits a click's
        // update before the next frame.
        await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));
        if (thisRun !== runCount.current) return;
        if (!terminal.current) {
          setStatus({state: 'loading'});
          try {
            const {createTerminal} = await import(/* webpackChunkName: "sandbox-xterm" */ '../SandboxTerminal/xterm.js');
            if (thisRun !== runCount.current || !terminalRef.current) return;
            terminal.current ??= createTerminal(terminalRef.current, {
              colorMode: colorModeRef.current,
              screenReaderMode: readScreenReaderPreference(),
              ariaLabel: translate({id: 'sandbox.terminal.label', message: 'Terminal'}),
              onInput: (data) => session.current?.write(data),
              onResize: (cols, rows) => session.current?.resize(cols, rows),
            });
          } catch {
            setStatus({state: 'error', code: 'load-failed'});
            return;
          }
        } else {
          terminal.current.reset();
        }
        if (thisRun !== runCount.current) return;
        const term = terminal.current;

        /**
         * Plays the block's recording instead of a live run; false when it has none.
         * The code blocks above stay as they are (readable, copyable).
         */
        const playRecorded = async (why: 'unreachable' | 'recorded-only'): Promise<boolean> => {
          const transcript = await transcripts.find(transcriptsUrl(recorded.baseUrl), blockId);
          if (thisRun !== runCount.current || !transcript) return false;
          term.reset();
          setStatus({state: 'recorded', recordedAt: transcript.recordedAt, why, playing: true});
          const current = playTranscript(transcript, (text) => term.write(encoder.encode(text)), browserTimers);
          playback.current = current;
          await current.done;
          if (playback.current !== current || thisRun !== runCount.current) return true;
          term.write(HIDE_CURSOR);
          setStatus({state: 'recorded', recordedAt: transcript.recordedAt, why, playing: false});
          return true;
        };

        if (recorded.recordedOnly) {
          setStatus({state: 'connecting'});
          if (!(await playRecorded('recorded-only')) && thisRun === runCount.current) {
            setStatus({state: 'error', code: 'no-recording'});
            setTerminalShown(false);
          }
          return;
        }
        const {cols, rows} = term.size();
        const request: CreateSessionRequest = {block: blockId, cols, rows};
        if (files && files.length > 0) request.files = files;
        let connected = false;
        const current = new SandboxSession({
          serverUrl,
          pageOrigin: window.location.origin,
          request,
          getAuthToken,
          // Acks go out once xterm has parsed the bytes (its write callback): that is what the flow window measures.
          onOutput: (bytes, processed) => term.write(bytes, processed),
          onReplayTruncated: () => term.reset(),
          onStatus: (next) => {
            if (session.current !== current) return;
            if (next.state === 'error' && next.code === 'unreachable' && !connected) {
              // The backend is down (or behind a proxy answering 502/503): a recording is better than nothing.
              unregister.current?.();
              void playRecorded('unreachable').then((played) => {
                if (played || thisRun !== runCount.current) return;
                setStatus(next);
                setTerminalShown(false);
              });
              return;
            }
            setStatus(next);
            if (next.state === 'running') connected = true;
            if (isLive(next)) return;
            unregister.current?.();
            // Nothing runs any more: a blinking cursor would suggest it waits for input.
            term.write(HIDE_CURSOR);
            // A run that never reached the server leaves an empty terminal; the status says it all.
            if (next.state === 'error' && !connected) setTerminalShown(false);
          },
        });
        session.current = current;
        unregister.current = liveSandboxes.register(blockId, {stop: () => current.stop()});
        term.focus();
        await current.start();
      })();
    },
    [blockId, serverUrl, recorded.baseUrl, recorded.recordedOnly],
  );

  const stop = useCallback(() => {
    session.current?.stop();
    terminal.current?.focus();
  }, []);

  const stopOthersAndRun = useCallback(
    (files: CreateSessionRequest['files']) => {
      liveSandboxes.stopOthers(blockId);
      // The server frees a slot when the stopped program has exited; wait for that (bounded).
      const deadline = Date.now() + 4000;
      const waitThenRun = () => {
        if (liveSandboxes.others(blockId).length === 0 || Date.now() > deadline) run(files);
        else window.setTimeout(waitThenRun, 100);
      };
      waitThenRun();
    },
    [blockId, run],
  );

  const sendKey = useCallback((sequence: string) => {
    session.current?.write(sequence);
    terminal.current?.focus();
  }, []);

  const toggleScreenReaderMode = useCallback(() => {
    setScreenReaderMode((on) => {
      try {
        window.localStorage.setItem(SCREEN_READER_KEY, on ? 'off' : 'on');
      } catch {
        // The preference then lasts for this page only.
      }
      return !on;
    });
  }, []);

  return {status, terminalShown, terminalRef, run, stop, stopOthersAndRun, sendKey, screenReaderMode, toggleScreenReaderMode};
}
