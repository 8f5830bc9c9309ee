/**
 * LAUNCH_TAIL run by the host's POSIX sh (no Docker): an interactive block
 * whose command is the shell itself gets one shell, so one `exit` ends it;
 * any other interactive command still runs first, then the shell.
 */
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {after, describe, it} from 'node:test';
import {LAUNCH_TAIL} from '../seed.js';
import {shellQuote} from '../warm-seed.js';

const workspace = mkdtempSync(join(tmpdir(), 'sandbox-tail-'));
after(() => rmSync(workspace, {recursive: true, force: true}));

/** Runs the tail with /workspace replaced by a temp folder, `stdin` as the reader's typing. */
function launch(cmd: string, shell: string, stdin: string): {stdout: string; status: number | null} {
  const tail = LAUNCH_TAIL.join('\n').replace('cd /workspace', `cd ${shellQuote(workspace)}`);
  const script = `sandbox_cmd=${shellQuote(cmd)}\nsandbox_shell=${shellQuote(shell)}\n${tail}`;
  const result = spawnSync('sh', ['-c', script], {input: stdin, encoding: 'utf8', timeout: 10_000});
  return {stdout: result.stdout, status: result.status};
}

describe('LAUNCH_TAIL', () => {
  it('runs a terminal-only block (the command is the shell) as one shell: one exit ends it', () => {
    const {stdout, status} = launch('sh', 'sh', 'echo one\nexit 3\necho second-shell\n');
    assert.equal(stdout, 'one\n');
    assert.equal(status, 3, "the shell's exit code is the container's");
  });

  it('runs another interactive command first and then the shell', () => {
    const {stdout, status} = launch('echo from-cmd', 'sh', 'echo in-shell\nexit\n');
    assert.equal(stdout, 'from-cmd\nin-shell\n');
    assert.equal(status, 0);
  });

  it('execs a non-interactive command with its exit code', () => {
    const {stdout, status} = launch('echo plain; exit 4', '', '');
    assert.equal(stdout, 'plain\n');
    assert.equal(status, 4);
  });
});
