/**
 * The `Sandbox` Vue component: the VitePress counterpart of the Docusaurus
 * theme's `<Sandbox>` (theme/Sandbox), with the same behaviour, texts and
 * data attributes, over the same framework-free client. Server-rendered (and
 * without JavaScript) it is the block's files as code blocks and a disabled
 * Run button; after hydration Run loads the terminal chunk and starts a
 * session, Edit loads the editor chunk. Nothing touches `window` before
 * `onMounted`, so the server's HTML and the first client render agree. A
 * step of a page session (a multi-step tutorial) shows its step bar and runs
 * in the session's shared environment, through the client's page environments.
 */
import {computed, defineComponent, h, inject, nextTick, onBeforeUnmount, onMounted, ref, shallowRef, watch, type VNode, type VNodeChild} from 'vue';
import {describeCatchUp, describeStatus, isLive, type SandboxStatus} from '../../client/status.js';
import {pageEnvironments, type EnvironmentStore} from '../../client/environment-store.js';
import {formatSteps, parseSessionProp} from '../../client/steps.js';
import {apiBase} from '../../client/url.js';
import type {KnownEnvironment} from '../../client/environment.js';
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

/** The tab a key moves to from `index` among `paths`, or undefined for a key that moves nothing. */
export function nextTab(paths: readonly string[], index: number, key: string): number | undefined {
  const last = paths.length - 1;
  if (key === 'ArrowRight') return index >= last ? 0 : index + 1;
  if (key === 'ArrowLeft') return index <= 0 ? last : index - 1;
  if (key === 'Home') return 0;
  if (key === 'End') return last;
  return undefined;
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
    /** The page session of a step (JSON), when the block is one of its steps. */
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
    // A step needs both its position (the block) and the session (the prop); without either it runs alone.
    const pageSession = computed(() => parseSessionProp(props.session));
    const stepNumber = computed(() => {
      const session = pageSession.value;
      return session && data.value.step !== undefined && data.value.session === session.id ? data.value.step : undefined;
    });
    const environment = shallowRef<KnownEnvironment | undefined>(undefined);
    let detachStep: (() => void) | undefined;

    onMounted(() => {
      hydrated.value = true;
      edits.value = loadEdits(browserStorage(), data.value.id, editablePaths.value);
      screenReaderMode.value = readScreenReaderPreference();
      let store: EnvironmentStore | undefined;
      const session = pageSession.value;
      if (stepNumber.value !== undefined && session) {
        // Attached after hydration: the server-rendered page holds no environment, so both renders agree.
        const attached = pageEnvironments.attach(apiBase(context.serverUrl, window.location.origin, context.base), session, context.getAuthToken);
        const attachedStore = attached.store;
        store = attachedStore;
        environment.value = attachedStore.environment;
        const unsubscribe = attachedStore.subscribe(() => {
          environment.value = attachedStore.environment;
        });
        detachStep = () => {
          unsubscribe();
          attached.detach();
        };
      }
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
        step: stepNumber.value !== undefined && store ? {number: stepNumber.value, store} : undefined,
      });
    });

    onBeforeUnmount(() => {
      unmounted = true;
      runner?.dispose();
      runner = undefined;
      detachStep?.();
      detachStep = undefined;
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
    // The offer replaces what Run would have done: the reader who just pressed Run lands on the choice, keyboard included.
    const rootElement = ref<HTMLElement | null>(null);
    watch(
      () => (view.value.offer?.length ?? 0) > 0,
      async (offered) => {
        if (!offered) return;
        await nextTick();
        rootElement.value?.querySelector<HTMLButtonElement>('[data-sandbox-catch-up]')?.focus();
      },
    );

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
          {
            class: 'sandbox-tabs',
            role: 'tablist',
            // Arrow keys, Home and End move between the tabs, as in Docusaurus's (and WAI-ARIA's) tabs.
            onKeydown: (event: KeyboardEvent) => {
              const paths = shown.map((file) => file.path);
              const next = nextTab(paths, paths.indexOf(current), event.key);
              if (next === undefined) return;
              event.preventDefault();
              selected.value = paths[next];
              const tabs = (event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role="tab"]');
              void nextTick(() => tabs[next]?.focus());
            },
          },
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

    const stepBar = (step: number): VNode | null => {
      const session = pageSession.value;
      if (!session) return null;
      return h('div', {class: 'sandbox-step-bar', 'data-sandbox-session': session.id}, [
        h('span', {class: 'sandbox-step-label', 'data-sandbox-step': String(step), 'data-sandbox-steps': String(session.steps)}, t.value('theme.Sandbox.step.label', {step, steps: session.steps})),
        h('span', {class: 'sandbox-step-badge', 'data-sandbox-environment-badge': ''}, t.value('theme.Sandbox.step.environment', {name: session.name})),
        environment.value
          ? h('button', {type: 'button', class: 'sandbox-button', 'data-sandbox-reset-environment': '', onClick: () => runner?.resetEnvironment()}, t.value('theme.Sandbox.button.resetEnvironment'))
          : null,
      ]);
    };

    const stepOffer = (step: number): VNodeChild[] => {
      const {offer, caughtUp} = view.value;
      const notes = caughtUp ? describeCatchUp(caughtUp) : [];
      const failed = caughtUp?.some((earlier) => earlier.code !== 0) ?? false;
      return [
        offer && offer.length > 0
          ? h('div', {class: 'sandbox-offer', role: 'group', 'data-sandbox-offer': formatSteps(offer)}, [
              h('p', offer.length === 1 ? t.value('theme.Sandbox.step.offerOne', {steps: formatSteps(offer)}) : t.value('theme.Sandbox.step.offer', {steps: formatSteps(offer)})),
              h('div', {class: 'sandbox-toolbar'}, [
                h(
                  'button',
                  {type: 'button', class: 'sandbox-button sandbox-button--run', 'data-sandbox-catch-up': '', onClick: () => runner?.runStep('catch-up', changed())},
                  step === 2 ? t.value('theme.Sandbox.button.catchUpOne') : t.value('theme.Sandbox.button.catchUp', {last: step - 1}),
                ),
                h('button', {type: 'button', class: 'sandbox-button', 'data-sandbox-run-only': '', onClick: () => runner?.runStep('only-this', changed())}, t.value('theme.Sandbox.button.runOnlyThis')),
              ]),
            ])
          : null,
        notes.length > 0
          ? h(
              'p',
              {class: ['sandbox-catch-up-note', failed ? 'sandbox-status--bad' : undefined], 'data-sandbox-catch-up-note': failed ? 'failed' : 'ok'},
              notes.map((note) => t.value(note.id, note.values)).join(' '),
            )
          : null,
      ];
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
          ref: rootElement,
          class: 'sandbox-block',
          'data-sandbox-id': data.value.id,
          'data-sandbox-state': view.value.status.state,
          role: 'group',
          'aria-label': data.value.title ?? t.value('theme.Sandbox.block.label'),
        },
        [
          stepNumber.value !== undefined ? stepBar(stepNumber.value) : null,
          ...files(),
          toolbar(),
          ...(stepNumber.value !== undefined ? stepOffer(stepNumber.value) : []),
          statusLine(),
          terminalArea(),
        ],
      );
  },
});
