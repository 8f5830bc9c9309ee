/**
 * The server a command runs inside its own process (`check`, `mcp`): only
 * that process talks to it, so it listens on an ephemeral loopback port,
 * accepts its own origin only, serves no /mcp of its own, and gets an instance
 * id unique to the process (never a live `serve`'s, whose containers it must
 * not reap).
 */
import type {SandboxConfig} from '../../config/index.js';

export function inProcessServerConfig(config: SandboxConfig, command: string, server: Partial<SandboxConfig['server']> = {}): SandboxConfig {
  return {
    ...config,
    server: {
      ...config.server,
      port: 0,
      host: '127.0.0.1',
      allowNoOrigin: false,
      origins: [],
      mcp: false,
      instanceId: `${command}-${process.pid}-${Date.now().toString(36)}`,
      ...server,
    },
  };
}
