/**
 * The head of a step of a multi-step tutorial: "Step N of M", the shared
 * environment's name, and Reset environment while there is one. Rendered on
 * the server too (without Reset: the page holds no environment yet).
 */
import Translate, {translate} from '@docusaurus/Translate';
import type {ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/StepBar';
import styles from './styles.module.css';

export default function SandboxStepBar({step, session, hasEnvironment, onResetEnvironment}: Props): ReactNode {
  return (
    <div className={styles.stepBar} data-sandbox-session={session.id}>
      <span className={styles.stepLabel} data-sandbox-step={step} data-sandbox-steps={session.steps}>
        {translate({id: 'theme.Sandbox.step.label', message: 'Step {step} of {steps}', description: 'Where a block stands in a multi-step tutorial'}, {step, steps: session.steps})}
      </span>
      <span className={styles.badge} data-sandbox-environment-badge="">
        {translate(
          {id: 'theme.Sandbox.step.environment', message: 'Shared environment: {name}', description: 'A badge on each step of a multi-step tutorial: its steps run one after the other in one environment, named {name} by the author'},
          {name: session.name},
        )}
      </span>
      {hasEnvironment && (
        <button type="button" className={`button button--sm button--outline button--secondary ${styles.reset}`} onClick={onResetEnvironment} data-sandbox-reset-environment="">
          <Translate id="theme.Sandbox.button.resetEnvironment" description="On the steps of a multi-step tutorial: ends the steps' shared environment so the next Run starts afresh">Reset environment</Translate>
        </button>
      )}
    </div>
  );
}
