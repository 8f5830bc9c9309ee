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
 * signals the running step's process group. Anything else is ignored. The
 * step's programs run as the same user and could end the keeper; then the
 * container, and with it the environment, ends: nothing is lost but theirs.
 */
export const KEEPER_COMMAND = [
  'stty raw -echo 2>/dev/null',
  `mkdir -p ${STATE_DIR} || exit 125`,
  'while IFS= read -r sandbox_line; do',
  '  case "$sandbox_line" in',
  `    ${STEP_SIGNALS.map((signal) => `'kill ${signal}'`).join('|')})`,
  `      sandbox_pid=$(cat ${STEP_PID_FILE} 2>/dev/null)`,
  '      case "$sandbox_pid" in',
  "        ''|*[!0-9]*) ;;",
  '        *) kill -s "${sandbox_line#kill }" -- "-$sandbox_pid" 2>/dev/null ;;',
  '      esac ;;',
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
 * - HUP is ignored: when a step's TTY closes, the kernel hangs up its process
 *   group, and a `server &` of the step is in that group (no job control in a
 *   script); ignored signals are inherited, so it keeps running.
 * - INT and TERM end the launcher's shell through `exit`, so the EXIT trap
 *   still saves the state; the command itself gets them with their defaults.
 * - Interactive: the command, the state saved, then the shell `exec`'d with
 *   it (what is exported inside that shell ends with it).
 */
export const STEP_LAUNCHER = [
  ...seedReader(STEP_MARKER, [`mkdir -p ${STATE_DIR} && echo "$$" > ${STEP_PID_FILE}`]),
  "trap '' HUP",
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
