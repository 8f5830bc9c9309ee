/** The terminal's place on the page: empty until the first Run, then xterm, key bar and options. */
import Translate from '@docusaurus/Translate';
import SandboxKeyBar from '@theme/SandboxKeyBar';
import type {ReactNode} from 'react';
import type {SandboxRunner} from './useSandboxRunner.js';
import styles from './styles.module.css';

export default function SandboxTerminalArea({runner}: {readonly runner: SandboxRunner}): ReactNode {
  return (
    <div className={styles.terminalArea} hidden={!runner.terminalShown}>
      {runner.status.state === 'recorded' && (
        <div className={styles.recordedBadge} data-sandbox-recorded="">
          <Translate id="sandbox.terminal.recorded">Recording, not a live run</Translate>
        </div>
      )}
      <div ref={runner.terminalRef} className={styles.terminal} data-sandbox-terminal="" />
      <SandboxKeyBar onKey={runner.sendKey} />
      <div className={styles.terminalFooter}>
        <button type="button" className={styles.linkButton} aria-pressed={runner.screenReaderMode} onClick={runner.toggleScreenReaderMode}>
          {runner.screenReaderMode ? (
            <Translate id="sandbox.terminal.screenReaderOn">Screen reader mode: on</Translate>
          ) : (
            <Translate id="sandbox.terminal.screenReaderOff">Screen reader mode: off</Translate>
          )}
        </button>
        <span className={styles.hint}>
          <Translate id="sandbox.terminal.hint">Ctrl-C interrupts; select text to copy; Esc then Tab leaves the terminal.</Translate>
        </span>
      </div>
    </div>
  );
}
