/**
 * The `Sandbox` Vue component: the VitePress counterpart of the Docusaurus
 * theme's `<Sandbox>` (theme/Sandbox), with the same behaviour, texts and
 * data attributes, over the same framework-free client. Server-rendered (and
 * without JavaScript) it is the block's files as code blocks and a disabled
 * Run button; after hydration Run loads the terminal chunk and starts a
 * session, Edit loads the editor chunk. Nothing touches `window` before
 * `onMounted`, so the server's HTML and the first client render agree.
 */
import {computed, defineComponent, h, inject, nextTick, onBeforeUnmount, onMounted, ref, shallowRef, watch, type VNode, type VNodeChild} from 'vue';
import {describeStatus, isLive, type SandboxStatus} from '../../client/status.js';
import type {SandboxBlock, BlockFile} from '../../config/block.js';
import {liveSandboxes} from '../../client/registry.js';
import {SandboxRunner, type RunnerView} from '../../client/runner.js';
import {changedFiles, clearEdits, loadEdits, saveEdits, type Edits, type KeyValueStorage} from '../../client/storage.js';
import type {EditorHandle} from '../../theme/SandboxEditor/codemirror.js';
import type {TerminalHandle} from '@theme/SandboxTerminal/xterm';
import {SANDBOX_CONTEXT, type SandboxSiteContext} from './context.js';
import {highlightedLines, parseDisplay, shownLines} from './display.js';
import {KEYS} from './keys.js';
import {translator} from './messages.js';

const SCREEN_READER_KEY = 'docusaurus-sandbox:screen-reader-mode';

/** Without `enhanceAppWithSandbox` (a test, a page mounted by hand): the page's origin, English, light. */
const FALLBACK_CONTEXT: SandboxSiteContext = {
  serverUrl: '',
  recordedOnly: false,
  base: '/',
  useLang: () => ref('en'),
  useDark: () => ref(false),
};

function browserStorage(): KeyValueStorage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

function readScreenReaderPreference(): boolean {
  try {
    return window.localStorage.getItem(SCREEN_READER_KEY) === 'on';
  } catch {
    return false;
  }
}

const colorModeOf = (dark: boolean) => (dark ? 'dark' : 'light');

/** The status line's tone, as the Docusaurus theme's. */
function toneOf(status: SandboxStatus): string | undefined {
  if (status.state === 'error' || status.state === 'lost' || status.state === 'expired' || (status.state === 'exited' && status.code !== 0)) return 'sandbox-status--bad';
  return status.state === 'exited' ? 'sandbox-status--good' : undefined;
}

export const Sandbox = defineComponent({
  name: 'Sandbox',
  props: {
    /** The block, as the markdown-it plugin writes it: a JSON string. */
    block: {type: String, required: true},
    /** The files' line numbers and highlighted lines (JSON), when any file has them. */
    display: {type: String, required: false, default: undefined},
    /** The page session of a step (JSON); a step runs on its own in this component. */
    session: {type: String, required: false, default: undefined},
  },
  setup(props) {
    const context = inject(SANDBOX_CONTEXT, FALLBACK_CONTEXT);
    const lang = context.useLang();
    const dark = context.useDark();
    const t = computed(() => translator(lang.value));
    const data = computed(() => JSON.parse(props.block) as SandboxBlock);
    const fileDisplay = computed(() => parseDisplay(props.display));
    const visible = computed(() => data.value.files.filter((file) => !file.hidden));
    const editablePaths = computed(() =>
      data.value.options.editable ? data.value.files.filter((file) => !file.hidden && !file.readonly).map((file) => file.path) : [],
    );

    const hydrated = ref(false);
    const edits = ref<Edits>({});
    const editing = ref(false);
    const editorFailed = ref(false);
    const loadedEditors = ref<ReadonlySet<string>>(new Set());
    const selected = ref(visible.value[0]?.path);
    const view = shallowRef<RunnerView>({status: {state: 'idle'}, terminalShown: false});
    const screenReaderMode = ref(false);
    const terminalElement = ref<HTMLElement | null>(null);
    const editorElements = new Map<string, HTMLElement>();
    const editors = new Map<string, EditorHandle>();
    let terminal: TerminalHandle | undefined;
    let runner: SandboxRunner | undefined;
    let unmounted = false;

    const changed = () => changedFiles(data.value.files, edits.value);

    onMounted(() => {
      hydrated.value = true;
      edits.value = loadEdits(browserStorage(), data.value.id, editablePaths.value);
      screenReaderMode.value = readScreenReaderPreference();
      runner = new SandboxRunner({
        blockId: data.value.id,
        serverUrl: context.serverUrl,
        pageOrigin: window.location.origin,
        recorded: {baseUrl: context.base, recordedOnly: context.recordedOnly},
        session: context.getAuthToken ? {getAuthToken: context.getAuthToken} : {},
        // Vue renders a click's change on the next tick; the frame after that has it laid out.
        nextFrame: () => nextTick().then(() => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))),
        loadTerminal: async (input) => {
          if (terminal) {
            // Left by an earlier run of this block: start from a clean screen.
            terminal.reset();
            return terminal;
          }
          const {createTerminal} = await import('../../theme/SandboxTerminal/xterm.js');
          if (!terminalElement.value || unmounted) return undefined;
          terminal ??= createTerminal(terminalElement.value, {
            colorMode: colorModeOf(dark.value),
            screenReaderMode: screenReaderMode.value,
            ariaLabel: t.value('theme.Sandbox.terminal.label'),
            onData: (text) => input.onData(text),
            onBinary: (text) => input.onBinary(text),
            onResize: (cols, rows) => input.onResize(cols, rows),
          });
          return terminal;
        },
        onChange: (next) => {
          view.value = next;
        },
      });
    });

    onBeforeUnmount(() => {
      unmounted = true;
      runner?.dispose();
      runner = undefined;
      terminal?.dispose();
      terminal = undefined;
      for (const editor of editors.values()) editor.dispose();
      editors.clear();
    });

    watch(dark, (isDark) => {
      terminal?.setColorMode(colorModeOf(isDark));
      for (const editor of editors.values()) editor.setColorMode(colorModeOf(isDark));
    });
    watch(screenReaderMode, (on) => terminal?.setScreenReaderMode(on));

    const setFile = (path: string, content: string) => {
      const next = {...edits.value, [path]: content};
      saveEdits(browserStorage(), data.value.id, next);
      edits.value = next;
    };

    const startEditing = async () => {
      editing.value = true;
      await nextTick();
      let createEditor: typeof import('../../theme/SandboxEditor/codemirror.js').createEditor;
      try {
        ({createEditor} = await import('../../theme/SandboxEditor/codemirror.js'));
      } catch {
        editorFailed.value = true;
        return;
      }
      if (unmounted) return;
      const first = visible.value.find((file) => editablePaths.value.includes(file.path));
      for (const file of visible.value) {
        const parent = editorElements.get(file.path);
        if (!parent || editors.has(file.path) || !editablePaths.value.includes(file.path)) continue;
        const editor = createEditor(parent, {
          content: edits.value[file.path] ?? file.content,
          lang: file.lang,
          colorMode: colorModeOf(dark.value),
          ariaLabel: t.value('theme.Sandbox.editor.label', {path: file.path}),
          onChange: (content) => setFile(file.path, content),
        });
        editors.set(file.path, editor);
        if (file === first) editor.focus();
      }
      loadedEditors.value = new Set(editors.keys());
    };

    const reset = () => {
      clearEdits(browserStorage(), data.value.id);
      edits.value = {};
      for (const [path, editor] of editors) editor.setContent(data.value.files.find((file) => file.path === path)?.content ?? '');
    };

    const toggleScreenReaderMode = () => {
      const on = !screenReaderMode.value;
      try {
        window.localStorage.setItem(SCREEN_READER_KEY, on ? 'on' : 'off');
      } catch {
        // The preference then lasts for this page only.
      }
      screenReaderMode.value = on;
    };

    const codeOf = (file: BlockFile): VNode => {
      const content = edits.value[file.path] ?? file.content;
      const edited = content !== file.content;
      const shown = fileDisplay.value?.[file.path];
      // The reader's edits move lines around: highlighting the authored line numbers would mark the wrong ones.
      const highlighted = edited ? new Set<number>() : highlightedLines(shown?.highlightLines);
      const firstNumber = shown?.showLineNumbers;
      const lines: VNodeChild[] = [];
      shownLines(content).forEach((line, index) => {
        if (index > 0) lines.push('\n');
        const number = firstNumber === undefined ? null : h('span', {class: 'sandbox-line-number', 'aria-hidden': 'true'}, String(firstNumber + index));
        lines.push(h('span', {class: ['line', highlighted.has(index + 1) ? 'highlighted' : undefined]}, [number, line]));
      });
      return h('div', {class: [`language-${file.lang}`, 'sandbox-code']}, [
        h('span', {class: 'lang'}, file.lang),
        h('pre', {tabindex: '0'}, h('code', lines)),
      ]);
    };

    const fileView = (file: BlockFile, single: boolean): VNodeChild[] => {
      const title = single ? h('div', {class: 'sandbox-title'}, data.value.title ?? file.path) : null;
      if (editing.value && editablePaths.value.includes(file.path)) {
        const content = edits.value[file.path] ?? file.content;
        return [
          title,
          h('div', {class: 'sandbox-editor', 'data-sandbox-editor': file.path}, [
            loadedEditors.value.has(file.path) ? null : h('pre', {class: 'sandbox-editor-fallback'}, content),
            editorFailed.value ? h('p', {class: 'sandbox-editor-failed'}, t.value('theme.Sandbox.editor.loadFailed')) : null,
            h('div', {
              ref: (element) => {
                if (element instanceof HTMLElement) editorElements.set(file.path, element);
                else editorElements.delete(file.path);
              },
            }),
          ]),
        ];
      }
      const edited = (edits.value[file.path] ?? file.content) !== file.content;
      return [title, edited ? h('div', {class: 'sandbox-edited'}, t.value('theme.Sandbox.files.edited')) : null, codeOf(file)];
    };

    const files = (): VNodeChild[] => {
      const shown = visible.value;
      if (shown.length === 0) {
        return [data.value.title ? h('div', {class: 'sandbox-title'}, data.value.title) : null, h('pre', {class: 'sandbox-command'}, `$ ${data.value.cmd}`)];
      }
      if (shown.length === 1) return fileView(shown[0]!, true);
      const current = selected.value ?? shown[0]!.path;
      return [
        data.value.title ? h('div', {class: 'sandbox-title'}, data.value.title) : null,
        h(
          'div',
          {class: 'sandbox-tabs', role: 'tablist'},
          shown.map((file) =>
            h(
              'button',
              {
                type: 'button',
                role: 'tab',
                class: 'sandbox-tab',
                'aria-selected': String(file.path === current),
                tabindex: file.path === current ? '0' : '-1',
                onClick: () => {
                  selected.value = file.path;
                },
              },
              file.path,
            ),
          ),
        ),
        ...shown.map((file) => h('div', {role: 'tabpanel', class: 'sandbox-panel', hidden: file.path !== current, 'aria-label': file.path}, fileView(file, false))),
      ];
    };

    const toolbar = (): VNode => {
      const status = view.value.status;
      const live = isLive(status);
      const ranBefore = status.state !== 'idle' && status.state !== 'loading';
      const canEdit = editablePaths.value.length > 0 && !editing.value;
      return h('div', {class: 'sandbox-toolbar'}, [
        live
          ? h('button', {type: 'button', class: 'sandbox-button sandbox-button--stop', disabled: status.state === 'stopping', onClick: () => runner?.stop()}, t.value('theme.Sandbox.button.stop'))
          : h(
              'button',
              {
                type: 'button',
                class: 'sandbox-button sandbox-button--run',
                // A click before hydration has no handler to reach and would be lost without a word.
                disabled: !hydrated.value || status.state === 'loading',
                onClick: () => runner?.run(changed()),
              },
              ranBefore ? t.value('theme.Sandbox.button.runAgain') : t.value('theme.Sandbox.button.run'),
            ),
        canEdit ? h('button', {type: 'button', class: 'sandbox-button', onClick: () => void startEditing()}, t.value('theme.Sandbox.button.edit')) : null,
        changed().length > 0 ? h('button', {type: 'button', class: 'sandbox-button', onClick: reset}, t.value('theme.Sandbox.button.reset')) : null,
      ]);
    };

    const statusLine = (): VNode => {
      const status = view.value.status;
      const descriptor = describeStatus(status);
      const othersLive = status.state === 'error' && status.code === 'too-many-sessions' && liveSandboxes.others(data.value.id).length > 0;
      return h('div', {class: ['sandbox-status', toneOf(status)], role: 'status', 'aria-live': 'polite', 'data-sandbox-status': status.state}, [
        status.state !== 'idle' ? t.value(descriptor.id, descriptor.values) : null,
        othersLive
          ? h('button', {type: 'button', class: 'sandbox-button sandbox-button--warning', onClick: () => runner?.stopOthersAndRun(changed())}, t.value('theme.Sandbox.button.stopOthers'))
          : null,
      ]);
    };

    const terminalArea = (): VNode =>
      h('div', {class: 'sandbox-terminal-area', hidden: !view.value.terminalShown}, [
        view.value.status.state === 'recorded' ? h('div', {class: 'sandbox-recorded', 'data-sandbox-recorded': ''}, t.value('theme.Sandbox.terminal.recorded')) : null,
        h('div', {ref: terminalElement, class: 'sandbox-terminal', 'data-sandbox-terminal': ''}),
        h(
          'div',
          {class: 'sandbox-keys', role: 'toolbar', 'aria-label': t.value('theme.Sandbox.keys.label')},
          KEYS.map((key) =>
            h(
              'button',
              {
                type: 'button',
                tabindex: '-1',
                class: 'sandbox-key',
                'aria-label': t.value(key.name),
                // The buttons never take focus, so the terminal keeps the on-screen keyboard open.
                onPointerdown: (event: PointerEvent) => event.preventDefault(),
                onClick: () => runner?.sendKey(key.sequence),
              },
              key.label,
            ),
          ),
        ),
        h('div', {class: 'sandbox-terminal-footer'}, [
          h(
            'button',
            {type: 'button', class: 'sandbox-link-button', 'aria-pressed': String(screenReaderMode.value), onClick: toggleScreenReaderMode},
            screenReaderMode.value ? t.value('theme.Sandbox.terminal.screenReaderOn') : t.value('theme.Sandbox.terminal.screenReaderOff'),
          ),
          h('span', {class: 'sandbox-hint'}, t.value('theme.Sandbox.terminal.hint')),
        ]),
      ]);

    return () =>
      h(
        'div',
        {
          class: 'sandbox-block',
          'data-sandbox-id': data.value.id,
          'data-sandbox-state': view.value.status.state,
          role: 'group',
          'aria-label': data.value.title ?? t.value('theme.Sandbox.block.label'),
        },
        [...files(), toolbar(), statusLine(), terminalArea()],
      );
  },
});
