/**
 * A shared session watched by link (the page's fragment names the share):
 * the banner, the live terminal at the owner's size, no Run or Edit. The
 * terminal chunk loads on mount (the reader came for the terminal); keys go
 * to the server, which lets a `control` share's reach the program and refuses
 * a `view` share's.
 */
import {useColorMode} from '@docusaurus/theme-common';
import {translate} from '@docusaurus/Translate';
import {useEffect, useRef, useState, type ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/Viewer';
import type {TerminalHandle} from '@theme/SandboxTerminal/xterm';
import {apiBase, binaryStringToBytes, ViewerSession, type ViewerState} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

export default function SandboxViewer({link, serverUrl, baseUrl}: Props): ReactNode {
  const {colorMode} = useColorMode();
  const container = useRef<HTMLDivElement | null>(null);
  const terminal = useRef<TerminalHandle | undefined>(undefined);
  const [state, setState] = useState<ViewerState>('connecting');
  const colorModeRef = useRef(colorMode);
  colorModeRef.current = colorMode;
  useEffect(() => terminal.current?.setColorMode(colorMode), [colorMode]);

  useEffect(() => {
    let cancelled = false;
    let viewer: ViewerSession | undefined;
    const encoder = new TextEncoder();
    void import(/* webpackChunkName: "sandbox-xterm" */ '@theme/SandboxTerminal/xterm').then(({createTerminal}) => {
      if (cancelled || !container.current) return;
      const shown = createTerminal(container.current, {
        colorMode: colorModeRef.current,
        screenReaderMode: false,
        ariaLabel: translate({id: 'theme.Sandbox.terminal.label', message: 'Terminal', description: 'The accessible name of the terminal'}),
        onData: (data) => viewer?.send(encoder.encode(data)),
        onBinary: (data) => viewer?.send(binaryStringToBytes(data)),
        onResize: () => {},
      });
      terminal.current = shown;
      viewer = new ViewerSession({
        base: apiBase(serverUrl, window.location.origin, baseUrl),
        session: link.session,
        token: link.token,
        events: {
          state: setState,
          output: (bytes) => shown.write(bytes),
          screen: (cols, rows) => {
            shown.reset();
            shown.fixSize(cols, rows);
          },
          resize: (cols, rows) => shown.fixSize(cols, rows),
          presence: () => {},
          exit: () => {},
          error: () => {},
        },
      });
      viewer.start();
    });
    return () => {
      cancelled = true;
      viewer?.dispose();
      terminal.current?.dispose();
      terminal.current = undefined;
    };
  }, [link.session, link.token, serverUrl, baseUrl]);

  const banner =
    link.mode === 'control'
      ? translate({id: 'theme.Sandbox.viewer.bannerControl', message: 'Watching a shared session — you can type', description: 'As viewer.banner, for a link that lets the reader type into the terminal'})
      : translate({id: 'theme.Sandbox.viewer.banner', message: 'Watching a shared session', description: 'A banner above a terminal that someone shared by link: the reader watches it'});
  const notes: Partial<Record<ViewerState, string>> = {
    reconnecting: translate({id: 'theme.Sandbox.viewer.reconnecting', message: 'Reconnecting to the shared session…', description: "Shown while a viewer's connection is re-established"}),
    ended: translate({id: 'theme.Sandbox.viewer.ended', message: 'The shared session has ended.', description: 'Shown to a viewer when the program of the shared session has ended'}),
    revoked: translate({id: 'theme.Sandbox.viewer.revoked', message: 'The owner stopped sharing this session.', description: 'Shown to a viewer whose share link was revoked or expired'}),
    lost: translate({id: 'theme.Sandbox.viewer.lost', message: 'The connection to the shared session was lost.', description: 'Shown to a viewer when its connection could not be re-established'}),
  };
  return (
    <div className={styles.viewer} data-sandbox-viewer={state}>
      <p className={styles.banner} role="status">
        {banner}
      </p>
      {notes[state] !== undefined && <p className={styles.note}>{notes[state]}</p>}
      <div ref={container} className={styles.terminal} />
    </div>
  );
}
