/**
 * The instance id labels this server's containers. Configured, or derived from
 * host name and port so a restarted server finds its predecessor's orphans. An
 * ephemeral port (0) has no stable identity: it gets a unique id per process.
 */
import {hostname} from 'node:os';
import type {SandboxConfig} from '../../config/index.js';
import {systemClock, type Clock} from '../clock.js';

export function deriveInstanceId(config: SandboxConfig, host = hostname(), pid = process.pid, clock: Pick<Clock, 'now'> = systemClock): string {
  if (config.server.instanceId) return config.server.instanceId;
  const port = config.server.port;
  const base = `${host}-${port === 0 ? `p${pid}-${clock.now().toString(36)}` : port}`;
  return base.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 128);
}
