/**
 * Under the toolbar of a step: the offer when earlier steps have not run in
 * the shared environment ("Run steps 1–(N−1) first" or "Run only this step"),
 * and after a catch-up the note naming the steps that ran first.
 */
import Translate, {translate} from '@docusaurus/Translate';
import clsx from 'clsx';
import {useEffect, useRef, type ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/StepOffer';
import {statusText} from '@theme/Sandbox/StatusLine/statusText';
import {describeCatchUp, formatSteps} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

export default function SandboxStepOffer({step, offer, caughtUp, onCatchUp, onRunOnly}: Props): ReactNode {
  const notes = caughtUp ? describeCatchUp(caughtUp) : [];
  const failed = caughtUp?.some((earlier) => earlier.code !== 0) ?? false;
  const firstChoice = useRef<HTMLButtonElement | null>(null);
  const offered = offer !== undefined && offer.length > 0;
  // The offer replaces what Run would have done: the reader who just pressed Run lands on the choice, keyboard included.
  useEffect(() => {
    if (offered) firstChoice.current?.focus();
  }, [offered]);
  return (
    <>
      {offered && (
        <div className={styles.offer} role="group" data-sandbox-offer={formatSteps(offer)}>
          <p className={styles.offerText}>
            {offer.length === 1
              ? translate({id: 'theme.Sandbox.step.offerOne', message: 'Step {steps} has not run in the shared environment yet.', description: 'As step.offer, when one earlier step ({steps}) has not run'}, {steps: formatSteps(offer)})
              : translate({id: 'theme.Sandbox.step.offer', message: 'Steps {steps} have not run in the shared environment yet.', description: 'On a step whose earlier steps ({steps}, e.g. 1–2) have not run in the shared environment, above the two choices'}, {steps: formatSteps(offer)})}
          </p>
          <div className={styles.choices}>
            <button ref={firstChoice} type="button" className="button button--sm button--primary" onClick={onCatchUp} data-sandbox-catch-up="">
              {step === 2
                ? translate({id: 'theme.Sandbox.button.catchUpOne', message: 'Run step 1 first', description: 'As button.catchUp, on step 2: a new environment runs step 1 first, then this one'})
                : translate({id: 'theme.Sandbox.button.catchUp', message: 'Run steps 1–{last} first', description: 'Offered on a step of a multi-step tutorial whose earlier steps have not run: a new environment runs steps 1 to {last} first, then this one'}, {last: step - 1})}
            </button>
            <button type="button" className="button button--sm button--secondary" onClick={onRunOnly} data-sandbox-run-only="">
              <Translate id="theme.Sandbox.button.runOnlyThis" description="Offered on a step of a multi-step tutorial whose earlier steps have not run: runs this step alone">Run only this step</Translate>
            </button>
          </div>
        </div>
      )}
      {notes.length > 0 && (
        <p className={clsx(styles.note, failed && styles.noteBad)} data-sandbox-catch-up-note={failed ? 'failed' : 'ok'}>
          {notes.map((note) => statusText(note)).join(' ')}
        </p>
      )}
    </>
  );
}
