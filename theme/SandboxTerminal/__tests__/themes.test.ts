import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import type {ITheme} from '@xterm/xterm';
import {DARK_THEME, LIGHT_THEME} from '../themes.js';

type Colour = Exclude<keyof ITheme, 'extendedAnsi'>;

/** WCAG 2 relative luminance of "#rrggbb". */
function luminance(hex: string): number {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255;
    return value <= 0.04045 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio, 1 to 21. */
function contrast(first: string, second: string): number {
  const [lighter, darker] = [luminance(first), luminance(second)].sort((a, b) => b - a);
  return (lighter! + 0.05) / (darker! + 0.05);
}

const colour = (theme: ITheme, name: Colour): string => {
  const value = theme[name];
  assert.match(String(value), /^#[0-9a-f]{6}$/i, name);
  return value as string;
};

/**
 * The pairs coreutils' default `dircolors` gives `ls --color` (foreground on background). Bold
 * (01) shows as the bright colour, as xterm draws it; no background means the terminal's own.
 */
const LS_COLOR_PAIRS: ReadonlyArray<[kind: string, foreground: Colour, background: Colour]> = [
  ['directory (01;34)', 'brightBlue', 'background'],
  ['symbolic link (01;36)', 'brightCyan', 'background'],
  ['socket, image (01;35)', 'brightMagenta', 'background'],
  ['executable (01;32)', 'brightGreen', 'background'],
  ['archive (01;31)', 'brightRed', 'background'],
  ['audio (00;36)', 'cyan', 'background'],
  ['pipe (40;33)', 'yellow', 'black'],
  ['block or character device (40;33;01)', 'brightYellow', 'black'],
  ['orphan symlink (40;31;01)', 'brightRed', 'black'],
  ['setuid (37;41)', 'white', 'red'],
  ['setgid (30;43)', 'black', 'yellow'],
  ['sticky other-writable directory (30;42)', 'black', 'green'],
  ['other-writable directory (34;42)', 'blue', 'green'],
  ['sticky directory (37;44)', 'white', 'blue'],
];

/** Colours that are not meant as text on the background: the light theme's whites, the dark theme's black. */
const TEXT_COLOURS: ReadonlyArray<Colour> = [
  'red', 'green', 'yellow', 'blue', 'magenta', 'cyan',
  'brightBlack', 'brightRed', 'brightGreen', 'brightYellow', 'brightBlue', 'brightMagenta', 'brightCyan',
];

describe('terminal colours', () => {
  it('the light theme paints every ls --color pair readably (3:1 from the palette; xterm lifts the text to 4.5)', () => {
    for (const [kind, foreground, background] of LS_COLOR_PAIRS) {
      const ratio = contrast(colour(LIGHT_THEME, foreground), colour(LIGHT_THEME, background));
      const least = background === 'background' ? 4.5 : 3;
      assert.ok(ratio >= least, `${kind}: ${foreground} on ${background} is ${ratio.toFixed(2)}:1, under ${least}:1`);
    }
  });

  for (const [name, theme, text] of [
    ['light', LIGHT_THEME, [...TEXT_COLOURS, 'black', 'foreground']],
    ['dark', DARK_THEME, [...TEXT_COLOURS, 'white', 'brightWhite', 'foreground']],
  ] as const) {
    it(`every ${name} text colour reads at WCAG AA (4.5:1) on the terminal background`, () => {
      for (const foreground of text) {
        const ratio = contrast(colour(theme, foreground), colour(theme, 'background'));
        assert.ok(ratio >= 4.5, `${foreground} on the ${name} background is ${ratio.toFixed(2)}:1`);
      }
    });
  }

  it('computes contrast as WCAG does', () => {
    assert.equal(contrast('#000000', '#ffffff'), 21);
    assert.equal(contrast('#777777', '#777777'), 1);
    assert.ok(Math.abs(contrast('#767676', '#ffffff') - 4.54) < 0.01);
  });
});
