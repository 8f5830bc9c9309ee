/** The terminal's place on the page: empty until the first Run, then xterm, key bar and options. */
import Translate from '@docusaurus/Translate';
import SandboxKeyBar from '@theme/SandboxKeyBar';
import type {ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/TerminalArea';
import styles from './styles.module.css';

export default function SandboxTerminalArea({runner}: Props): ReactNode {
  return (
    <div className={styles.terminalArea} hidden={!runner.terminalShown}>
      {runner.status.state === 'recorded' && (
        <div className={styles.recordedBadge} data-sandbox-recorded="">
          <Translate id="theme.Sandbox.terminal.recorded" description="A badge on the terminal while a recording plays">Recording, not a live run</Translate>
        </div>
      )}
      <div ref={runner.terminalRef} className={styles.terminal} data-sandbox-terminal="" />
      <SandboxKeyBar onKey={runner.sendKey} />
      <div className={styles.terminalFooter}>
        <button type="button" className={styles.linkButton} aria-pressed={runner.screenReaderMode} onClick={runner.toggleScreenReaderMode}>
          {runner.screenReaderMode ? (
            <Translate id="theme.Sandbox.terminal.screenReaderOn" description="The toggle of the terminal's screen reader mode, when on">Screen reader mode: on</Translate>
          ) : (
            <Translate id="theme.Sandbox.terminal.screenReaderOff" description="The toggle of the terminal's screen reader mode, when off">Screen reader mode: off</Translate>
          )}
        </button>
        <span className={styles.hint}>
          <Translate id="theme.Sandbox.terminal.hint" description="Keyboard help under the terminal">Ctrl-C interrupts; select text to copy; Esc then Tab leaves the terminal.</Translate>
        </span>
      </div>
    </div>
  );
}
