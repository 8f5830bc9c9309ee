/** What the sandbox is doing, announced politely to screen readers. */
import Translate from '@docusaurus/Translate';
import useDocusaurusContext from '@docusaurus/useDocusaurusContext';
import clsx from 'clsx';
import type {ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/StatusLine';
import {statusText} from '@theme/Sandbox/StatusLine/statusText';
import {describeStatus} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

export default function SandboxStatusLine({status, othersLive, onStopOthers}: Props): ReactNode {
  const {currentLocale, localeConfigs} = useDocusaurusContext().i18n;
  // The page's language, not the browser's: a French page says "4 déc. 2026" in its French sentence.
  const descriptor = describeStatus(status, localeConfigs[currentLocale]?.htmlLang ?? currentLocale);
  const tone =
    status.state === 'error' || status.state === 'lost' || status.state === 'expired' || (status.state === 'exited' && status.code !== 0)
      ? styles.statusBad
      : status.state === 'exited'
        ? styles.statusGood
        : undefined;
  return (
    <div className={clsx(styles.status, tone)} role="status" aria-live="polite" data-sandbox-status={status.state}>
      {status.state !== 'idle' && statusText(descriptor)}
      {status.state === 'error' && status.code === 'too-many-sessions' && othersLive && (
        <button type="button" className={clsx('button button--sm button--warning', styles.statusAction)} onClick={onStopOthers}>
          <Translate id="theme.Sandbox.button.stopOthers" description="Offered when the server refuses a new sandbox because the reader has too many running">Stop my other sandboxes and run this one</Translate>
        </button>
      )}
    </div>
  );
}
