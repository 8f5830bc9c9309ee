/**
 * The shell text that makes one container serve the steps of a page session.
 * Pure: only strings.
 *
 * The environment's container runs KEEPER_COMMAND as its command (through the
 * ordinary launcher, cold or warm). It is the container's lasting process, so
 * what a step leaves running in the background outlives the step, and it is
 * the server's way to signal the running step without a `docker exec`.
 *
 * Each step is an exec with its own TTY running STEP_LAUNCHER, started ahead
 * of the Run (a standby): it prints STEP_MARKER and waits for its seed on
 * stdin exactly as a warm container does (warm-seed.ts), so a Run costs one
 * write, not an exec's create + start + attach. Once seeded it restores what
 * the earlier steps left (exported variables and the working directory,
 * saved in STATE_FILE when each step ends), runs the step's command in the
 * launcher's own shell, so that `cd` and `export` in it count, and saves the
 * state again however the step ends: its own `exit`, Ctrl-C or SIGTERM.
 */
import {seedReader} from '../runtime/warm-seed.js';

/** Printed once a standby step waits for its seed. */
export const STEP_MARKER = '\x1b_sandbox:step\x1b\\';

/** Where the launcher keeps what carries over between steps (tmpfs /tmp, the sandbox user's). */
export const STATE_DIR = '/tmp/.sandbox';
export const STATE_FILE = `${STATE_DIR}/state`;
export const CWD_FILE = `${STATE_DIR}/cwd`;
/** The running step's pid (its process group: an exec with a TTY leads its own session). */
export const STEP_PID_FILE = `${STATE_DIR}/step.pid`;

/** Signals the keeper passes on to the running step's process group. */
export const STEP_SIGNALS = ['INT', 'TERM', 'KILL'] as const;
export type StepSignal = (typeof STEP_SIGNALS)[number];

/**
 * The environment container's command. It switches its TTY to raw (no echo,
 * no line editing of what the server writes) and reads lines: `kill SIG`
 * signals the running step. The step's shell runs its jobs in process groups
 * of their own (job control, see STEP_LAUNCHER), so the keeper signals the
 * group in the foreground of the step's terminal (field 8 of the shell's
 * /proc/PID/stat), as a key on that terminal would; TERM and KILL also reach
 * the shell's own group. Anything else is ignored. The step's programs run as
 * the same user and could end the keeper; then the container, and with it the
 * environment, ends: nothing is lost but theirs.
 */
export const KEEPER_COMMAND = [
  'stty raw -echo 2>/dev/null',
  `mkdir -p ${STATE_DIR} || exit 125`,
  'while IFS= read -r sandbox_line; do',
  '  case "$sandbox_line" in',
  `    ${STEP_SIGNALS.map((signal) => `'kill ${signal}'`).join('|')})`,
  '      sandbox_signal=${sandbox_line#kill }',
  `      sandbox_pid=$(cat ${STEP_PID_FILE} 2>/dev/null)`,
  '      case "$sandbox_pid" in',
  "        ''|*[!0-9]*) continue ;;",
  '      esac',
  '      sandbox_fg=$(cut -d " " -f 8 "/proc/$sandbox_pid/stat" 2>/dev/null)',
  '      case "$sandbox_fg" in',
  // 0 would mean the keeper's own group to kill: a kernel that does not report the foreground group gets the step's.
  "        ''|0|*[!0-9]*) sandbox_fg=$sandbox_pid ;;",
  '      esac',
  '      kill -s "$sandbox_signal" -- "-$sandbox_fg" 2>/dev/null',
  '      [ "$sandbox_signal" = INT ] || [ "$sandbox_fg" = "$sandbox_pid" ] || kill -s "$sandbox_signal" -- "-$sandbox_pid" 2>/dev/null ;;',
  '  esac',
  'done',
].join('\n');

/** The line that asks the keeper to signal the running step. */
export const keeperKillLine = (signal: StepSignal): string => `kill ${signal}\n`;

/**
 * Saves the exported variables (`export -p` prints re-readable
 * `export NAME='value'` lines in every POSIX shell) and the working folder
 * (raw, one line: read back with `$(cat …)`, so no quoting is needed).
 */
const SAVE_STATE = [
  'sandbox_save() {',
  `  export -p > ${STATE_FILE}.new 2>/dev/null && mv -f ${STATE_FILE}.new ${STATE_FILE} 2>/dev/null`,
  `  printf '%s\\n' "$PWD" > ${CWD_FILE} 2>/dev/null`,
  '}',
];

/**
 * A step: the seed reader, then the carried state, then the command.
 * - Job control (`set -m`, unless stepArgv says no): each command of the step runs in a process group
 *   of its own, the one in the foreground of the terminal while it runs. When
 *   the step's shell exits, the kernel hangs up only the terminal's foreground
 *   group, which is then the shell's own: a `server &` of the step, in a group
 *   of its own, keeps running. (Ignoring SIGHUP instead would not do: Node,
 *   among others, resets every signal to its default at start.)
 * - Ctrl-C reaches the foreground job only; dash (and busybox ash) then raise
 *   SIGINT in the shell itself when the job died of it, so the step ends as a
 *   script would. INT and TERM end the shell through `exit`, so the EXIT trap
 *   still saves the state.
 * - Without job control (gVisor, see stepArgv) SIGHUP is ignored instead:
 *   a background `sleep` then survives the hang-up, a Node server does not.
 * - Interactive: the command, the state saved, then the shell `exec`'d with
 *   it (what is exported inside that shell ends with it).
 */
export const STEP_LAUNCHER = [
  ...seedReader(STEP_MARKER, [`mkdir -p ${STATE_DIR} && echo "$$" > ${STEP_PID_FILE}`]),
  // $1 is the job-control mode (stepArgv).
  'if [ "$1" = jobs ]; then set -m; else trap \'\' HUP; fi',
  "trap 'exit 130' INT",
  "trap 'exit 143' TERM",
  ...SAVE_STATE,
  'cd /workspace || exit 125',
  `if [ -f ${STATE_FILE} ]; then . ${STATE_FILE}; fi`,
  `if [ -f ${CWD_FILE} ]; then cd "$(cat ${CWD_FILE})" 2>/dev/null || cd /workspace; fi`,
  "trap 'sandbox_status=$?; sandbox_save; exit $sandbox_status' EXIT",
  'if [ -n "$sandbox_shell" ]; then',
  '  [ "$sandbox_cmd" = "$sandbox_shell" ] || eval "$sandbox_cmd"',
  '  sandbox_save',
  "  trap - EXIT INT TERM",
  '  exec $sandbox_shell',
  'fi',
  'eval "$sandbox_cmd"',
].join('\n');

const SH_SCRIPT = /^sh ([A-Za-z0-9._-][A-Za-z0-9._/-]*)$/;

/**
 * A step's command as its shell runs it. `sh FILE` (a shell block's own
 * script) is read by the step's shell itself (`. /workspace/FILE`): run as a
 * child, its `cd` and `export` would end with it, and carrying those to the
 * next step is the point of a page session. Any other command runs as written.
 */
export function stepCommand(cmd: string): string {
  const script = SH_SCRIPT.exec(cmd)?.[1];
  if (script === undefined || script.split('/').includes('..')) return cmd;
  return `. /workspace/${script}`;
}

/**
 * The argv of a step's exec. gVisor (runsc 20221219, measured) lost the whole
 * sandbox ("urpc method containerManager.WaitPID failed: EOF") a step or two
 * after a job-control shell ran a pipeline while an earlier step's background
 * job was alive; so under a gVisor runtime the step's shell runs without job
 * control.
 */
export function stepArgv(runtime: string | undefined): string[] {
  const jobControl = runtime === undefined || !runtime.startsWith('runsc');
  return ['sh', '-c', STEP_LAUNCHER, 'sandbox-step', jobControl ? 'jobs' : 'nojobs'];
}
