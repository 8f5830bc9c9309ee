/** A SandboxSession wired to a scripted fetch, fake sockets and fake timers, for the session tests. */
import type {FetchLike} from '../create-session.js';
import {SandboxSession, type SessionOptions} from '../session.js';
import type {SandboxStatus} from '../status.js';
import {FakeSocket} from './fake-socket.js';
import {FakeTimers} from './fake-timers.js';

export function harness(
  answer: {status: number; body: unknown} | 'offline' = {status: 201, body: {id: 's1', token: 'tok', ws: '/api/sessions/s1/ws'}},
  more: Partial<SessionOptions> = {},
) {
  const sockets: FakeSocket[] = [];
  const statuses: SandboxStatus[] = [];
  const output: string[] = [];
  const processed: Array<() => void> = [];
  const warnings: string[] = [];
  let truncations = 0;
  const requests: Array<{url: string; body: unknown}> = [];
  const timers = new FakeTimers();
  const fetch: FetchLike = async (url, init) => {
    requests.push({url, body: JSON.parse(init.body)});
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    return {ok: answer.status < 300, status: answer.status, json: async () => answer.body};
  };
  const session = new SandboxSession({
    serverUrl: '',
    pageOrigin: 'http://localhost:3000',
    request: {block: 'b1', cols: 80, rows: 24, files: [{path: 'main.js', content: 'edited'}]},
    onOutput: (bytes, done) => {
      output.push(new TextDecoder().decode(bytes));
      processed.push(done);
    },
    onReplayTruncated: () => (truncations += 1),
    onStatus: (status) => statuses.push(status),
    fetch,
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket;
    },
    timers,
    now: () => timers.now,
    random: () => 0.5,
    warn: (message) => warnings.push(message),
    ...more,
  });
  return {session, sockets, statuses, output, requests, timers, processed, warnings, truncations: () => truncations};
}

export const states = (statuses: SandboxStatus[]) => statuses.map((status) => status.state);

/** Text as the ArrayBuffer of a binary frame. */
export const bytes = (text: string) => new TextEncoder().encode(text).buffer;
