/**
 * The key bar's keys (touch keyboards lack them): the label shown, what is
 * sent, and the message naming it for screen readers. The same keys as the
 * Docusaurus theme's SandboxKeyBar.
 */
import type {MessageId} from '../../client/messages.js';

export const KEYS: ReadonlyArray<{label: string; sequence: string; name: MessageId}> = [
  {label: 'Esc', sequence: '\x1b', name: 'theme.Sandbox.keys.escape'},
  {label: 'Tab', sequence: '\t', name: 'theme.Sandbox.keys.tab'},
  {label: 'Ctrl-C', sequence: '\x03', name: 'theme.Sandbox.keys.interrupt'},
  {label: '←', sequence: '\x1b[D', name: 'theme.Sandbox.keys.left'},
  {label: '↑', sequence: '\x1b[A', name: 'theme.Sandbox.keys.up'},
  {label: '↓', sequence: '\x1b[B', name: 'theme.Sandbox.keys.down'},
  {label: '→', sequence: '\x1b[C', name: 'theme.Sandbox.keys.right'},
];
