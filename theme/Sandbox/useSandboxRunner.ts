/**
 * The interactive half of a Sandbox in React: binds a `SandboxRunner` (the
 * policy: live or recorded, the terminal bridge, the live-sandbox registry)
 * to the component's state, loads the terminal chunk on the first Run, and
 * disposes everything on unmount. No window access during render.
 */
import {useColorMode} from '@docusaurus/theme-common';
import {translate} from '@docusaurus/Translate';
import getAuthToken from '@theme/SandboxAuth';
import type {RecordedOptions, SandboxRunnerHandle, StepOptions} from '@theme/Sandbox/useSandboxRunner';
import type {TerminalHandle} from '@theme/SandboxTerminal/xterm';
import {SandboxRunner, type CreateSessionRequest, type RunnerView, type StepChoice} from 'docusaurus-sandbox/client';
import {useCallback, useEffect, useRef, useState} from 'react';

const SCREEN_READER_KEY = 'docusaurus-sandbox:screen-reader-mode';
const NOT_RECORDED: RecordedOptions = {baseUrl: '/', recordedOnly: false};

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
  recorded: RecordedOptions = NOT_RECORDED,
  step?: StepOptions,
): SandboxRunnerHandle {
  const stepNumber = step?.number;
  const stepStore = step?.store;
  const {colorMode} = useColorMode();
  const [view, setView] = useState<RunnerView>({status: {state: 'idle'}, terminalShown: false});
  const [screenReaderMode, setScreenReaderMode] = useState(false);
  const terminalRef = useRef<HTMLDivElement | null>(null);
  const terminal = useRef<TerminalHandle | undefined>(undefined);
  const runner = useRef<SandboxRunner | undefined>(undefined);
  const colorModeRef = useRef(colorMode);
  colorModeRef.current = colorMode;

  useEffect(() => setScreenReaderMode(readScreenReaderPreference()), []);
  useEffect(() => terminal.current?.setColorMode(colorMode), [colorMode]);
  useEffect(() => terminal.current?.setScreenReaderMode(screenReaderMode), [screenReaderMode]);
  useEffect(
    () => () => {
      terminal.current?.dispose();
      terminal.current = undefined;
    },
    [],
  );

  useEffect(() => {
    const current = new SandboxRunner({
      blockId,
      serverUrl,
      pageOrigin: window.location.origin,
      recorded: {baseUrl: recorded.baseUrl, recordedOnly: recorded.recordedOnly},
      session: {getAuthToken},
      // React commits a click's update before the next frame, so the container is laid out by then.
      nextFrame: () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve())),
      loadTerminal: async () => {
        if (terminal.current) {
          // Left by an earlier runner of this block: start from a clean screen as any later run does.
          terminal.current.reset();
          return terminal.current;
        }
        const {createTerminal} = await import(/* webpackChunkName: "sandbox-xterm" */ '@theme/SandboxTerminal/xterm');
        if (!terminalRef.current) return undefined;
        // The terminal outlives a runner (its options may change): input goes to whichever runner is current.
        terminal.current ??= createTerminal(terminalRef.current, {
          colorMode: colorModeRef.current,
          screenReaderMode: readScreenReaderPreference(),
          ariaLabel: translate({id: 'theme.Sandbox.terminal.label', message: 'Terminal', description: 'The accessible name of the terminal'}),
          onData: (data) => runner.current?.input.onData(data),
          onBinary: (data) => runner.current?.input.onBinary(data),
          onResize: (cols, rows) => runner.current?.input.onResize(cols, rows),
        });
        return terminal.current;
      },
      onChange: setView,
      step: stepNumber !== undefined && stepStore ? {number: stepNumber, store: stepStore} : undefined,
    });
    runner.current = current;
    return () => {
      current.dispose();
      if (runner.current === current) runner.current = undefined;
    };
  }, [blockId, serverUrl, recorded.baseUrl, recorded.recordedOnly, stepNumber, stepStore]);

  const run = useCallback((files: CreateSessionRequest['files']) => runner.current?.run(files), []);
  const stop = useCallback(() => runner.current?.stop(), []);
  const stopOthersAndRun = useCallback((files: CreateSessionRequest['files']) => runner.current?.stopOthersAndRun(files), []);
  const runStep = useCallback((choice: StepChoice, files: CreateSessionRequest['files']) => runner.current?.runStep(choice, files), []);
  const resetEnvironment = useCallback(() => runner.current?.resetEnvironment(), []);
  const shareAccess = useCallback(() => runner.current?.shareAccess, []);
  const sendKey = useCallback((sequence: string) => runner.current?.sendKey(sequence), []);
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

  return {
    status: view.status,
    terminalShown: view.terminalShown,
    terminalRef,
    run,
    stop,
    stopOthersAndRun,
    sendKey,
    screenReaderMode,
    toggleScreenReaderMode,
    offer: view.offer,
    caughtUp: view.caughtUp,
    runStep,
    resetEnvironment,
    ...(view.presence ? {presence: view.presence} : {}),
    shareAccess,
  };
}
