/**
 * A scripted stand-in for the sandbox server's page-session contract, with no
 * Docker: POST /api/sessions answers a step with its environment (a new one,
 * or the one the request names, token checked), the session's socket plays
 * the block's scripted output and exit code, and DELETE
 * /api/environments/<id> removes an environment. It records every request, so
 * unit tests of `check` and the MCP tools can see what a client sent and in
 * what order.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {AddressInfo} from 'node:net';
import {WebSocketServer} from 'ws';
import {ENVIRONMENT_TOKEN_HEADER, SUBPROTOCOL, encodeMessage, type CreateSessionRequest, type EnvironmentInfo} from '../../protocol/index.js';

export interface ScriptedProgram {
  output: string;
  code: number;
  /** A page session step: its session's id. */
  session?: string;
  step?: number;
}

export interface FakeStepsServer extends AsyncDisposable {
  url: string;
  /** Every POST /api/sessions body, in arrival order. */
  posts: CreateSessionRequest[];
  /** Every DELETE /api/environments/<id>, with the token header it carried. */
  deletes: Array<{id: string; token: string | undefined}>;
  /** The environments not removed yet, by id. */
  environments: Map<string, EnvironmentInfo>;
}

export async function startFakeStepsServer(programs: Record<string, ScriptedProgram>): Promise<FakeStepsServer> {
  const posts: CreateSessionRequest[] = [];
  const deletes: FakeStepsServer['deletes'] = [];
  const environments = new Map<string, EnvironmentInfo>();
  const sessions = new Map<string, ScriptedProgram>();
  let made = 0;

  const answer = (response: ServerResponse, status: number, body?: unknown) => {
    response.statusCode = status;
    if (body === undefined) return void response.end();
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(body));
  };
  const refuse = (response: ServerResponse, status: number, code: string, message: string) => answer(response, status, {error: {code, message}});

  const onPost = (request: CreateSessionRequest, response: ServerResponse) => {
    posts.push(request);
    const program = request.block === undefined ? undefined : programs[request.block];
    if (!program) return refuse(response, 404, 'unknown-block', `no block ${String(request.block)}`);
    let environment: EnvironmentInfo | undefined;
    if (program.session !== undefined) {
      if (request.environment) {
        environment = environments.get(request.environment.id);
        if (!environment) return refuse(response, 404, 'environment-not-found', 'no such environment');
        if (environment.token !== request.environment.token) return refuse(response, 403, 'environment-unauthorized', 'wrong token');
        if (environment.session !== program.session) return refuse(response, 409, 'environment-mismatch', 'another page session');
      } else {
        made += 1;
        environment = {id: `env-${made}`, token: `env-token-${made}`, session: program.session, ran: []};
        environments.set(environment.id, environment);
      }
      environment.ran.push(program.step ?? 0);
    }
    const id = `s${sessions.size + 1}`;
    sessions.set(id, program);
    answer(response, 201, {id, token: `token-${id}`, ws: `/api/sessions/${id}/ws`, ...(environment ? {environment} : {})});
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      if (request.method === 'POST' && url.pathname === '/api/sessions') {
        return onPost(JSON.parse(Buffer.concat(chunks).toString('utf8')) as CreateSessionRequest, response);
      }
      const environment = /^\/api\/environments\/([^/]+)$/.exec(url.pathname);
      if (request.method === 'DELETE' && environment) {
        const id = decodeURIComponent(environment[1]!);
        const header = request.headers[ENVIRONMENT_TOKEN_HEADER];
        const token = Array.isArray(header) ? header[0] : header;
        deletes.push({id, token});
        if (!environments.has(id)) return refuse(response, 404, 'environment-not-found', 'no such environment');
        if (environments.get(id)!.token !== token) return refuse(response, 403, 'environment-unauthorized', 'wrong token');
        environments.delete(id);
        return answer(response, 204);
      }
      refuse(response, 404, 'not-found', 'no such endpoint');
    });
  });
  const sockets = new WebSocketServer({noServer: true, handleProtocols: () => SUBPROTOCOL});
  server.on('upgrade', (request, socket, head) => {
    const program = sessions.get(/^\/api\/sessions\/([^/]+)\/ws$/.exec(request.url ?? '')?.[1] ?? '');
    if (!program) return void socket.destroy();
    sockets.handleUpgrade(request, socket, head, (client) => {
      client.send(encodeMessage({type: 'status', state: 'running'}));
      client.send(Buffer.from(program.output));
      client.send(encodeMessage({type: 'exit', code: program.code, reason: 'exit'}));
      client.close(1000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    posts,
    deletes,
    environments,
    [Symbol.asyncDispose]: async () => {
      for (const client of sockets.clients) client.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
