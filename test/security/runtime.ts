/**
 * The OCI runtime the security suite runs its sandboxes under:
 * `SANDBOX_TEST_RUNTIME=runsc` runs everything under gVisor (the engine must
 * have runsc registered, see site/docs/reference/security.md); unset means the
 * engine's default (runc). Expectations that legitimately differ per runtime
 * live here, next to the choice.
 */
import type {SandboxConfigInput} from '../../config/index.js';

export const TEST_RUNTIME = process.env.SANDBOX_TEST_RUNTIME || 'runc';
export const underGvisor = TEST_RUNTIME === 'runsc';

/** Environment overrides that select the runtime (nothing for runc, the default). */
export function sandboxEnvironments(): NonNullable<SandboxConfigInput['environments']> {
  if (TEST_RUNTIME === 'runc') return {};
  // gVisor's own threads count against the pids limit: keep it at 128 or more.
  return Object.fromEntries(['shell', 'python', 'node'].map((name) => [name, {runtime: TEST_RUNTIME}]));
}
