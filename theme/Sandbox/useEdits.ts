/**
 * A block's edits: loaded from the browser's storage after hydration (so the
 * server-rendered HTML and the first client render agree), saved on change,
 * cleared by Reset.
 */
import {useCallback, useEffect, useState} from 'react';
import type {EditsState} from '@theme/Sandbox/useEdits';
import {clearEdits, loadEdits, saveEdits, type Edits, type KeyValueStorage} from 'docusaurus-sandbox/client';

function browserStorage(): KeyValueStorage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}

export function useEdits(blockId: string, paths: readonly string[]): EditsState {
  const [edits, setEdits] = useState<Edits>({});
  const pathKey = paths.join('\0');

  useEffect(() => {
    setEdits(loadEdits(browserStorage(), blockId, pathKey.split('\0')));
  }, [blockId, pathKey]);

  const setFile = useCallback(
    (path: string, content: string) => {
      setEdits((previous) => {
        const next = {...previous, [path]: content};
        saveEdits(browserStorage(), blockId, next);
        return next;
      });
    },
    [blockId],
  );

  const reset = useCallback(() => {
    clearEdits(browserStorage(), blockId);
    setEdits({});
  }, [blockId]);

  return {edits, setFile, reset};
}
