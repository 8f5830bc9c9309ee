/**
 * Terminal colours for Docusaurus light and dark mode.
 *
 * The light palette has to serve two uses at once: each colour as text on the
 * light background (program output) and the pairs `ls --color` paints with
 * ANSI backgrounds (coreutils' defaults: other-writable directories are blue on
 * green, sticky ones black on green, setuid white on red, pipes yellow on
 * black). Both at WCAG's 4.5 is impossible: a red dark enough to read on
 * #f6f8fa is too dark under black text. So every colour reads at 4.5 on the
 * background, every `ls` pair reaches 3 by the palette alone (the unit test
 * computes both), and xterm's `minimumContrastRatio` (set where the terminal
 * is created) lifts what is drawn to 4.5. That is why green, yellow and bright
 * red sit in a narrow band of luminance, blue is navy and white is light.
 */
import type {ITheme} from '@xterm/xterm';

export const LIGHT_THEME: ITheme = {
  background: '#f6f8fa',
  foreground: '#1c1e21',
  cursor: '#1c1e21',
  cursorAccent: '#f6f8fa',
  selectionBackground: '#b4d5fe',
  black: '#1f2328',
  red: '#c4242f',
  green: '#1a7f37',
  yellow: '#8c6800',
  blue: '#0a1d55',
  magenta: '#6639ba',
  cyan: '#1b7c83',
  white: '#d0d7de',
  brightBlack: '#57606a',
  brightRed: '#d5302a',
  brightGreen: '#1c8139',
  brightYellow: '#9a6700',
  brightBlue: '#0969da',
  brightMagenta: '#8a3ffc',
  brightCyan: '#0e7a84',
  brightWhite: '#eaeef2',
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
  brightBlack: '#8b949e',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

export const terminalTheme = (colorMode: 'light' | 'dark'): ITheme => (colorMode === 'dark' ? DARK_THEME : LIGHT_THEME);
