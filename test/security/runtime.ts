/**
 * Shared by the security suite. The OCI runtime it runs its sandboxes under:
 * `SANDBOX_TEST_RUNTIME=runsc` runs everything under gVisor (the engine must
 * have runsc registered, see site/docs/reference/security.md); unset means the
 * engine's default (runc). Expectations that legitimately differ per runtime
 * live here, next to the choice.
 */
import assert from 'node:assert/strict';
import type {SandboxConfigInput} from '../../config/index.js';
import type {SandboxServer} from '../../server/index.js';

export const TEST_RUNTIME = process.env.SANDBOX_TEST_RUNTIME || 'runc';
export const underGvisor = TEST_RUNTIME === 'runsc';

/** Environment overrides that select the runtime (nothing for runc, the default). */
export function sandboxEnvironments(): NonNullable<SandboxConfigInput['environments']> {
  if (TEST_RUNTIME === 'runc') return {};
  // gVisor's own threads count against the pids limit: keep it at 128 or more.
  return Object.fromEntries(['shell', 'python', 'node'].map((name) => [name, {runtime: TEST_RUNTIME}]));
}

/** Waits until every limiter counter of `server` is zero. */
export async function waitForCounters(server: SandboxServer, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = server.admission.snapshot();
    const busy = snapshot.active + snapshot.clients + snapshot.users + snapshot.held + server.activeSessions;
    if (busy === 0) return;
    if (Date.now() > deadline) assert.fail(`limiter counters did not return to zero: ${JSON.stringify(snapshot)}, active ${server.activeSessions}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
