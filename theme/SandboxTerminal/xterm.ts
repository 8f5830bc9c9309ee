/**
 * The lazily loaded terminal chunk: xterm.js, its fit addon and its CSS. Only
 * imported (dynamic import) when a reader first clicks Run, so pages that are
 * only read never download it. Nothing here runs during SSR.
 */
import {FitAddon} from '@xterm/addon-fit';
import {Terminal} from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import type {TerminalHandle, TerminalOptions} from '@theme/SandboxTerminal/xterm';
import {MIN_VISIBLE_ROWS, TERMINAL_ROWS, visibleRows} from './rows.js';
import {terminalTheme} from './themes.js';

const SCROLLBACK_LINES = 5000;
const MINIMUM_CONTRAST_RATIO = 4.5;
const FALLBACK_FONTS = 'SFMono-Regular, Menlo, Monaco, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace';

/** The monospace stacks of the sites the terminal runs in: Docusaurus's (Infima), then VitePress's. */
const MONOSPACE_VARIABLES = ['--ifm-font-family-monospace', '--vp-font-family-mono'];

/**
 * xterm measures glyphs with the font it is given, so a CSS variable would not
 * resolve there: read the site's monospace stack from the computed style.
 */
function siteMonospaceFont(element: HTMLElement): string {
  const style = getComputedStyle(element);
  const fromSite = MONOSPACE_VARIABLES.map((name) => style.getPropertyValue(name).trim()).find((value) => value !== '');
  return fromSite ?? FALLBACK_FONTS;
}

export function createTerminal(container: HTMLElement, options: TerminalOptions): TerminalHandle {
  const terminal = new Terminal({
    theme: terminalTheme(options.colorMode),
    rows: TERMINAL_ROWS,
    screenReaderMode: options.screenReaderMode,
    // Bounded scrollback: an endless printer must not grow the page's memory without limit.
    scrollback: SCROLLBACK_LINES,
    fontFamily: siteMonospaceFont(container),
    fontSize: 14,
    lineHeight: 1.15,
    cursorBlink: true,
    convertEol: false,
    allowProposedApi: false,
    // Right-click selects a word on Linux and Windows like native terminals; copy stays Ctrl-Shift-C / the menu.
    rightClickSelectsWord: true,
    // WCAG AA for text: xterm darkens or lightens a cell's colour until it reads on that cell's background,
    // which a palette cannot do for every pair (themes.ts says why). 1 would turn it off.
    minimumContrastRatio: MINIMUM_CONTRAST_RATIO,
  });
  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.open(container);
  terminal.textarea?.setAttribute('aria-label', options.ariaLabel);

  // Ctrl-C copies when text is selected (what readers expect in a browser) and interrupts otherwise;
  // Ctrl-Shift-C always copies. Paste goes through the browser's paste event, which xterm handles.
  // Esc then Tab leaves the terminal (otherwise Tab is the shell's and keyboard users are trapped).
  let escapePressed = false;
  terminal.attachCustomKeyEventHandler((event) => {
    if (event.type !== 'keydown') return true;
    if (event.key === 'Tab' && escapePressed) {
      escapePressed = false;
      return false;
    }
    escapePressed = event.key === 'Escape';
    const copyKey = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c';
    if (copyKey && (event.shiftKey || terminal.hasSelection())) {
      const text = terminal.getSelection();
      if (text) void navigator.clipboard?.writeText(text).catch(() => undefined);
      return false;
    }
    return true;
  });

  const disposables = [
    terminal.onData((data) => options.onData(data)),
    // Mouse reports in some modes arrive as binary strings (one char per byte): they must travel
    // one byte per char, not UTF-8-encoded like text (which makes each char of 0x80 and above two bytes).
    terminal.onBinary((data) => options.onBinary(data)),
    terminal.onResize(({cols, rows}) => options.onResize(cols, rows)),
  ];

  // Columns follow the page's width (the fit addon measures them); the rows stay TERMINAL_ROWS and the
  // container shows only those used so far (rows.ts says why), so a short output takes a short box.
  // A viewer of a shared session shows the owner's size instead (fixSize).
  let fixed = false;
  const fitColumns = () => {
    if (fixed) return;
    const proposed = fit.proposeDimensions();
    if (proposed && Number.isFinite(proposed.cols) && proposed.cols !== terminal.cols) terminal.resize(proposed.cols, TERMINAL_ROWS);
  };
  let shownRows = MIN_VISIBLE_ROWS;
  const showUsedRows = () => {
    const buffer = terminal.buffer.active;
    shownRows = visibleRows(shownRows, {scrolledOff: buffer.baseY, cursorRow: buffer.cursorY, fullScreen: buffer.type === 'alternate'});
    const screen = terminal.element?.querySelector('.xterm-screen');
    const rowHeight = screen ? screen.getBoundingClientRect().height / terminal.rows : 0;
    // Not measured yet (a hidden container, fonts still loading): the next write or resize measures again.
    if (!(rowHeight > 0)) return;
    const style = getComputedStyle(container);
    const padding = Number.parseFloat(style.paddingTop) + Number.parseFloat(style.paddingBottom);
    container.style.height = `${Math.ceil(shownRows * rowHeight + padding)}px`;
  };
  disposables.push(terminal.onWriteParsed(showUsedRows));

  let frame = 0;
  const refit = () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      // A hidden container has no width; fitting it would shrink the terminal to nothing.
      if (container.clientWidth > 0) {
        fitColumns();
        showUsedRows();
      }
    });
  };
  const observer = new ResizeObserver(refit);
  observer.observe(container);
  if (container.clientWidth > 0) {
    fitColumns();
    showUsedRows();
  }

  let disposed = false;
  return {
    write: (data, done) => terminal.write(data, done),
    reset: () => {
      terminal.reset();
      shownRows = MIN_VISIBLE_ROWS;
      showUsedRows();
    },
    focus: () => terminal.focus(),
    size: () => ({cols: terminal.cols, rows: terminal.rows}),
    fixSize: (cols, rows) => {
      fixed = true;
      if (cols !== terminal.cols || rows !== terminal.rows) terminal.resize(cols, rows);
      showUsedRows();
    },
    setColorMode: (colorMode) => {
      terminal.options.theme = terminalTheme(colorMode);
    },
    setScreenReaderMode: (on) => {
      terminal.options.screenReaderMode = on;
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      cancelAnimationFrame(frame);
      observer.disconnect();
      for (const disposable of disposables) disposable.dispose();
      terminal.dispose();
    },
  };
}
