/**
 * Keys a touch keyboard lacks (Esc, Tab, Ctrl-C, arrows), shown only on coarse
 * pointers (CSS media query, so nothing is measured in JavaScript). The buttons
 * never take focus, so the terminal keeps the on-screen keyboard open.
 */
import {translate} from '@docusaurus/Translate';
import type {ReactNode} from 'react';
import styles from './styles.module.css';

export interface Props {
  readonly onKey: (sequence: string) => void;
}

export const KEYS: ReadonlyArray<{label: string; sequence: string; name: () => string}> = [
  {label: 'Esc', sequence: '\x1b', name: () => translate({id: 'sandbox.keys.escape', message: 'Escape'})},
  {label: 'Tab', sequence: '\t', name: () => translate({id: 'sandbox.keys.tab', message: 'Tab'})},
  {label: 'Ctrl-C', sequence: '\x03', name: () => translate({id: 'sandbox.keys.interrupt', message: 'Control C (interrupt)'})},
  {label: '←', sequence: '\x1b[D', name: () => translate({id: 'sandbox.keys.left', message: 'Left arrow'})},
  {label: '↑', sequence: '\x1b[A', name: () => translate({id: 'sandbox.keys.up', message: 'Up arrow'})},
  {label: '↓', sequence: '\x1b[B', name: () => translate({id: 'sandbox.keys.down', message: 'Down arrow'})},
  {label: '→', sequence: '\x1b[C', name: () => translate({id: 'sandbox.keys.right', message: 'Right arrow'})},
];

export default function SandboxKeyBar({onKey}: Props): ReactNode {
  return (
    <div
      className={styles.keyBar}
      role="toolbar"
      aria-label={translate({id: 'sandbox.keys.label', message: 'Terminal keys'})}>
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
