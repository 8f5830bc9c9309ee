/**
 * An editable file of a sandbox block: CodeMirror 6, loaded when the reader
 * first chooses to edit (its chunk is never part of a page load). Until the
 * chunk arrives, the code stays visible as plain text.
 */
import {useColorMode} from '@docusaurus/theme-common';
import {translate} from '@docusaurus/Translate';
import {useEffect, useRef, useState, type ReactNode} from 'react';
import type {Props} from '@theme/SandboxEditor';
import type {EditorHandle} from './codemirror.js';
import styles from './styles.module.css';

export default function SandboxEditor({path, lang, initialContent, onChange, autoFocus}: Props): ReactNode {
  const {colorMode} = useColorMode();
  const parentRef = useRef<HTMLDivElement>(null);
  const editorRef = useRef<EditorHandle | undefined>(undefined);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const colorModeRef = useRef(colorMode);
  colorModeRef.current = colorMode;
  const [loaded, setLoaded] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let cancelled = false;
    import(/* webpackChunkName: "sandbox-editor" */ './codemirror.js').then(
      ({createEditor}) => {
        if (cancelled || !parentRef.current) return;
        editorRef.current = createEditor(parentRef.current, {
          content: initialContent,
          lang,
          colorMode: colorModeRef.current,
          ariaLabel: translate({id: 'theme.Sandbox.editor.label', message: 'Edit {path}', description: 'The accessible name of the editor of one file ({path})'}, {path}),
          onChange: (content) => onChangeRef.current(content),
        });
        setLoaded(true);
        if (autoFocus) editorRef.current.focus();
      },
      () => {
        if (!cancelled) setFailed(true);
      },
    );
    return () => {
      cancelled = true;
      editorRef.current?.dispose();
      editorRef.current = undefined;
    };
    // The editor is created once per mount; the parent remounts it (key) to start over.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    editorRef.current?.setColorMode(colorMode);
  }, [colorMode]);

  return (
    <div className={styles.editor} data-sandbox-editor={path}>
      {!loaded && <pre className={styles.fallback}>{initialContent}</pre>}
      {failed && (
        <p className={styles.failed}>
          {translate({id: 'theme.Sandbox.editor.loadFailed', message: 'The editor could not be loaded; reload the page to edit.', description: "Shown when the editor's code could not be downloaded"})}
        </p>
      )}
      <div ref={parentRef} />
    </div>
  );
}
