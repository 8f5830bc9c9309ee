/**
 * Run / Stop / Edit / Reset. Rendered on the server too: Run is part of the
 * static page, disabled until the page is hydrated (a click before that has no
 * handler to reach and would be lost without a word).
 */
import Translate from '@docusaurus/Translate';
import useIsBrowser from '@docusaurus/useIsBrowser';
import type {ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/Toolbar';
import {isLive} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

export default function SandboxToolbar({status, canEdit, hasEdits, onRun, onStop, onEdit, onReset}: Props): ReactNode {
  const hydrated = useIsBrowser();
  const live = isLive(status);
  const ranBefore = status.state !== 'idle' && status.state !== 'loading';
  return (
    <div className={styles.toolbar}>
      {live ? (
        <button type="button" className="button button--sm button--danger" onClick={onStop} disabled={status.state === 'stopping'}>
          <Translate id="theme.Sandbox.button.stop" description="The button that stops the running program">Stop</Translate>
        </button>
      ) : (
        <button type="button" className="button button--sm button--primary" onClick={onRun} disabled={!hydrated || status.state === 'loading'}>
          {ranBefore ? <Translate id="theme.Sandbox.button.runAgain" description="The Run button after a first run">Run again</Translate> : <Translate id="theme.Sandbox.button.run" description="The button that starts the example in a sandbox">Run</Translate>}
        </button>
      )}
      {canEdit && (
        <button type="button" className="button button--sm button--secondary" onClick={onEdit}>
          <Translate id="theme.Sandbox.button.edit" description="The button that turns the block's code into editors">Edit</Translate>
        </button>
      )}
      {hasEdits && (
        <button type="button" className="button button--sm button--secondary" onClick={onReset}>
          <Translate id="theme.Sandbox.button.reset" description="The button that drops the reader's edits and restores the authored code">Reset</Translate>
        </button>
      )}
    </div>
  );
}
