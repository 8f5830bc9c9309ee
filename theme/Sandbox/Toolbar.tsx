/** Run / Stop / Edit / Reset. Rendered on the server too: Run is part of the static page. */
import Translate from '@docusaurus/Translate';
import type {ReactNode} from 'react';
import {isLive, type SandboxStatus} from '../client/status.js';
import styles from './styles.module.css';

export interface Props {
  readonly status: SandboxStatus;
  readonly canEdit: boolean;
  readonly hasEdits: boolean;
  readonly onRun: () => void;
  readonly onStop: () => void;
  readonly onEdit: () => void;
  readonly onReset: () => void;
}

export default function SandboxToolbar({status, canEdit, hasEdits, onRun, onStop, onEdit, onReset}: Props): ReactNode {
  const live = isLive(status);
  const ranBefore = status.state !== 'idle' && status.state !== 'loading';
  return (
    <div className={styles.toolbar}>
      {live ? (
        <button type="button" className="button button--sm button--danger" onClick={onStop} disabled={status.state === 'stopping'}>
          <Translate id="sandbox.button.stop">Stop</Translate>
        </button>
      ) : (
        <button type="button" className="button button--sm button--primary" onClick={onRun} disabled={status.state === 'loading'}>
          {ranBefore ? <Translate id="sandbox.button.runAgain">Run again</Translate> : <Translate id="sandbox.button.run">Run</Translate>}
        </button>
      )}
      {canEdit && (
        <button type="button" className="button button--sm button--secondary" onClick={onEdit}>
          <Translate id="sandbox.button.edit">Edit</Translate>
        </button>
      )}
      {hasEdits && (
        <button type="button" className="button button--sm button--secondary" onClick={onReset}>
          <Translate id="sandbox.button.reset">Reset</Translate>
        </button>
      )}
    </div>
  );
}
