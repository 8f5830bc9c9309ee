/**
 * Keys a touch keyboard lacks (Esc, Tab, Ctrl-C, arrows), shown only on coarse
 * pointers (CSS media query, so nothing is measured in JavaScript). The buttons
 * never take focus, so the terminal keeps the on-screen keyboard open.
 */
import {translate} from '@docusaurus/Translate';
import type {ReactNode} from 'react';
import type {Props} from '@theme/SandboxKeyBar';
import styles from './styles.module.css';

export const KEYS: ReadonlyArray<{label: string; sequence: string; name: () => string}> = [
  {label: 'Esc', sequence: '\x1b', name: () => translate({id: 'theme.Sandbox.keys.escape', message: 'Escape', description: "The accessible name of the key bar's Esc key"})},
  {label: 'Tab', sequence: '\t', name: () => translate({id: 'theme.Sandbox.keys.tab', message: 'Tab', description: "The accessible name of the key bar's Tab key"})},
  {label: 'Ctrl-C', sequence: '\x03', name: () => translate({id: 'theme.Sandbox.keys.interrupt', message: 'Control C (interrupt)', description: "The accessible name of the key bar's Ctrl-C key"})},
  {label: '←', sequence: '\x1b[D', name: () => translate({id: 'theme.Sandbox.keys.left', message: 'Left arrow', description: "The accessible name of the key bar's left arrow"})},
  {label: '↑', sequence: '\x1b[A', name: () => translate({id: 'theme.Sandbox.keys.up', message: 'Up arrow', description: "The accessible name of the key bar's up arrow"})},
  {label: '↓', sequence: '\x1b[B', name: () => translate({id: 'theme.Sandbox.keys.down', message: 'Down arrow', description: "The accessible name of the key bar's down arrow"})},
  {label: '→', sequence: '\x1b[C', name: () => translate({id: 'theme.Sandbox.keys.right', message: 'Right arrow', description: "The accessible name of the key bar's right arrow"})},
];

export default function SandboxKeyBar({onKey}: Props): ReactNode {
  return (
    <div
      className={styles.keyBar}
      role="toolbar"
      aria-label={translate({id: 'theme.Sandbox.keys.label', message: 'Terminal keys', description: 'The accessible name of the key bar (touch devices)'})}>
      {KEYS.map((key) => (
        <button
          key={key.label}
          type="button"
          tabIndex={-1}
          className={styles.key}
          aria-label={key.name()}
          onPointerDown={(event) => event.preventDefault()}
          onClick={() => onKey(key.sequence)}>
          {key.label}
        </button>
      ))}
    </div>
  );
}
