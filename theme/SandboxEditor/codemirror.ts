/**
 * The lazily loaded editor chunk (CodeMirror 6), imported on a reader's first
 * "Edit" of a block. Nothing here runs during SSR.
 */
import {javascript} from '@codemirror/lang-javascript';
import {python} from '@codemirror/lang-python';
import {Compartment, EditorState, type Extension} from '@codemirror/state';
import {oneDark} from '@codemirror/theme-one-dark';
import {basicSetup, EditorView} from 'codemirror';

export interface EditorHandle {
  /** Replaces the whole document (Reset). */
  setContent(content: string): void;
  setColorMode(colorMode: 'light' | 'dark'): void;
  focus(): void;
  dispose(): void;
}

export interface EditorOptions {
  content: string;
  lang: string;
  colorMode: 'light' | 'dark';
  ariaLabel: string;
  onChange(content: string): void;
}

export function languageFor(lang: string): Extension {
  switch (lang.toLowerCase()) {
    case 'js':
    case 'javascript':
    case 'mjs':
    case 'cjs':
      return javascript();
    case 'jsx':
      return javascript({jsx: true});
    case 'ts':
    case 'typescript':
      return javascript({typescript: true});
    case 'tsx':
      return javascript({typescript: true, jsx: true});
    case 'py':
    case 'python':
      return python();
    default:
      return [];
  }
}

const themeFor = (colorMode: 'light' | 'dark'): Extension => (colorMode === 'dark' ? oneDark : []);

export function createEditor(parent: HTMLElement, options: EditorOptions): EditorHandle {
  const theme = new Compartment();
  let applyingReset = false;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: options.content,
      extensions: [
        basicSetup,
        languageFor(options.lang),
        theme.of(themeFor(options.colorMode)),
        EditorView.contentAttributes.of({'aria-label': options.ariaLabel}),
        EditorView.updateListener.of((update) => {
          if (update.docChanged && !applyingReset) options.onChange(update.state.doc.toString());
        }),
      ],
    }),
  });
  let disposed = false;
  return {
    setContent: (content) => {
      if (view.state.doc.toString() === content) return;
      applyingReset = true;
      view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: content}});
      applyingReset = false;
    },
    setColorMode: (colorMode) => view.dispatch({effects: theme.reconfigure(themeFor(colorMode))}),
    focus: () => view.focus(),
    dispose: () => {
      if (disposed) return;
      disposed = true;
      view.destroy();
    },
  };
}
