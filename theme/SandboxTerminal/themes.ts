/**
 * Terminal colours for Docusaurus light and dark mode. The light palette
 * darkens yellow/cyan/white so they stay readable on a light background.
 */
import type {ITheme} from '@xterm/xterm';

export const LIGHT_THEME: ITheme = {
  background: '#f6f8fa',
  foreground: '#1c1e21',
  cursor: '#1c1e21',
  cursorAccent: '#f6f8fa',
  selectionBackground: '#b4d5fe',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#7d4e00',
  blue: '#0550ae',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

export const DARK_THEME: ITheme = {
  background: '#1b1b1d',
  foreground: '#e3e3e3',
  cursor: '#e3e3e3',
  cursorAccent: '#1b1b1d',
  selectionBackground: '#3a4a63',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

export const terminalTheme = (colorMode: 'light' | 'dark'): ITheme => (colorMode === 'dark' ? DARK_THEME : LIGHT_THEME);
