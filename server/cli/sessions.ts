/** `docusaurus-sandbox sessions list|kill ID`: a client of the admin listener. */
import type {SessionSummary} from '../admin/metering.js';
import type {Command} from './args.js';

export const DEFAULT_ADMIN_URL = 'http://127.0.0.1:3001';

type SessionsCommand = Extract<Command, {command: 'sessions-list' | 'sessions-kill'}>;

export class AdminRequestError extends Error {
  readonly code = 'admin-request';
  override readonly name = 'AdminRequestError';
}

export function formatSessions(sessions: SessionSummary[]): string {
  if (sessions.length === 0) return 'no running sessions';
  const header = ['id', 'env', 'state', 'client', 'age', 'connected', 'output'];
  const rows = sessions.map((session) => [
    session.id,
    session.env,
    session.state,
    session.client,
    `${Math.round(session.ageMs / 1000)} s`,
    session.connected ? 'yes' : 'no',
    `${session.outputBytes} B`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
}

export async function runSessions(command: SessionsCommand, io: {stdout: {write(text: string): unknown}; env: NodeJS.ProcessEnv}): Promise<number> {
  const base = command.adminUrl ?? io.env.SANDBOX_ADMIN_URL ?? DEFAULT_ADMIN_URL;
  const token = command.adminToken ?? io.env.SANDBOX_ADMIN_TOKEN;
  const headers: Record<string, string> = token ? {authorization: `Bearer ${token}`} : {};
  const request = async (method: string, path: string) => {
    try {
      return await fetch(new URL(path, base), {method, headers, signal: AbortSignal.timeout(10_000)});
    } catch (error) {
      throw new AdminRequestError(`cannot reach the admin listener at ${base} (${(error as Error).message}); pass --admin URL`);
    }
  };
  const failure = async (response: Response) => {
    const body = (await response.json().catch(() => undefined)) as {error?: {message?: string}} | undefined;
    return new AdminRequestError(`${response.status}: ${body?.error?.message ?? response.statusText}`);
  };

  if (command.command === 'sessions-list') {
    const response = await request('GET', '/admin/sessions');
    if (!response.ok) throw await failure(response);
    const {sessions} = (await response.json()) as {sessions: SessionSummary[]};
    io.stdout.write(command.json ? `${JSON.stringify(sessions, null, 2)}\n` : `${formatSessions(sessions)}\n`);
    return 0;
  }
  const response = await request('DELETE', `/admin/sessions/${encodeURIComponent(command.id)}`);
  if (!response.ok) throw await failure(response);
  io.stdout.write(`ended session ${command.id}\n`);
  return 0;
}
