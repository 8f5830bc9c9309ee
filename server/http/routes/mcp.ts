/**
 * `/mcp`: the MCP tools over Streamable HTTP, when `server.mcp` is on. Origin
 * first (a browser's must pass the rules of `/api/sessions`), then the operator's credential (the
 * admin token, or a JWT with the operator scope: never anonymous), then the
 * body, and only then an MCP session. Its tools create sandbox sessions
 * in-process with the principal as the client, so each operator has the
 * per-client limits of one reader instead of sharing the loopback address.
 */
import type {EnvironmentRegistry} from '../../environments/registry.js';
import {openSession} from '../open-session.js';
import {timingSafeEqual} from 'node:crypto';
import type {Request} from 'express';
import express, {Router} from 'express';
import {decodeJwt} from 'jose';
import {sessionSocketPath} from '../../../protocol/index.js';
import {bearerToken, type AuthVerifier, type Principal} from '../../auth/jwt.js';
import {SandboxError, toClientError} from '../../errors.js';
import type {Clock} from '../../clock.js';
import type {LogFunction} from '../../log.js';
import {sessionSocketUrl} from '../../check/create-session.js';
import {BlockCatalog} from '../../mcp/catalog.js';
import {McpHttpSessions} from '../../mcp/http-sessions.js';
import type {SessionOpener} from '../../mcp/opener.js';
import {readPageIndex} from '../../mcp/pages.js';
import {createMcpServer} from '../../mcp/server.js';
import {originAllowed} from '../origin.js';
import type {SessionRoutesContext} from './sessions.js';

/** The scope (in the token's space-separated `scope` claim) that makes a JWT an operator's. */
export const OPERATOR_SCOPE = 'sandbox:operator';
/** Parallel blocks of check_blocks: the per-client limit is 4 by default, and interactive sessions need room too. */
const CHECK_JOBS = 2;

/** What POST /api/sessions needs (MCP tools create sessions the same way), and more. */
export interface McpRouteContext extends Omit<SessionRoutesContext, 'environments'> {
  environments: Pick<EnvironmentRegistry, 'prepare' | 'remove'>;
  /** The admin listener's token: its bearer is an operator too. */
  adminToken?: string | undefined;
  siteDir?: string | undefined;
  clock: Clock;
  log: LogFunction;
  version: string;
}

/** Who an MCP client is: the key its sandbox sessions are counted under, and the user for per-user limits. */
export interface Operator {
  client: string;
  user?: Principal['user'];
}

const refused = (message: string) => new SandboxError('unauthorized', message);

/** Constant-time match of `Authorization: Bearer <adminToken>`. */
export function isAdminBearer(authorization: string | undefined, adminToken: string | undefined): boolean {
  if (!adminToken || !authorization) return false;
  const given = Buffer.from(/^Bearer[ ]+(.+)$/i.exec(authorization.trim())?.[1] ?? '');
  const expected = Buffer.from(adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Whether a (verified) token's `scope` claim names the operator scope. */
export function hasOperatorScope(payload: {scope?: unknown}): boolean {
  return typeof payload.scope === 'string' && payload.scope.split(' ').includes(OPERATOR_SCOPE);
}

/** The operator behind a request, or a 401 SandboxError: the admin token, or a verified JWT with the operator scope. */
export async function authenticateOperator(authorization: string | undefined, auth: AuthVerifier, adminToken: string | undefined): Promise<Operator> {
  if (isAdminBearer(authorization, adminToken)) return {client: 'mcp:admin'};
  if (auth.mode !== 'jwt') throw refused('the MCP endpoint needs the admin token as "Authorization: Bearer <token>"');
  const {user} = await auth.authenticate(authorization);
  if (!user) throw refused('the token names no user');
  // Verified above (signature, algorithm, exp, aud): reading its claims now is safe.
  if (!hasOperatorScope(decodeJwt(bearerToken(authorization)))) throw refused(`the token lacks the "${OPERATOR_SCOPE}" scope the MCP endpoint needs`);
  return {client: `mcp:user:${user.id}`, user};
}

/** Sessions made in-process, counted under the operator; their sockets come back over loopback with the session token. */
function inProcessOpener(context: McpRouteContext, operator: Operator, selfUrl: string): SessionOpener {
  return {
    async open(body) {
      try {
        const opened = await openSession(context, body, operator);
        return {session: {id: opened.session.id, token: opened.token, ws: sessionSocketPath(opened.session.id, '/', context.config.server.node), ...(opened.environment ? {environment: opened.environment} : {})}};
      } catch (error) {
        return {error: toClientError(error)};
      }
    },
    async removeEnvironment(environment) {
      try {
        await context.environments.remove(environment);
        return {removed: true};
      } catch (error) {
        const refusal = toClientError(error);
        // Already gone counts as removed, as over HTTP.
        return refusal.code === 'environment-not-found' ? {removed: true} : {error: refusal};
      }
    },
    socketUrl: (session) => sessionSocketUrl(selfUrl, session),
    // An origin the upgrade's rules allow: a configured one, else the address the socket goes to.
    origin: context.originPolicy.origins[0] ?? new URL(selfUrl).origin,
    label: 'this server',
  };
}

/** This server as the request reached it, for the loopback socket of a session made in-process. */
function selfUrlOf(request: Request): string {
  const address = request.socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return `http://${host}:${request.socket.localPort}`;
}

export function mcpRoutes(context: McpRouteContext): {router: Router; close(): Promise<void>} {
  const registry = new McpHttpSessions({clock: context.clock, log: context.log});
  const router = Router();
  let pages: ReadonlyMap<string, string> | undefined;

  router.all('/mcp', async (request, response, next) => {
    try {
      // A browser's request carries an Origin: it must pass the rules of /api/sessions. MCP clients are
      // programs that send none; they are let through to the credential check, which a page cannot pass
      // (a browser never adds an Authorization header of its own accord).
      const origin = request.get('origin');
      if (origin !== undefined && !originAllowed(origin, {host: request.get('host'), secure: request.secure}, context.originPolicy)) {
        throw new SandboxError('origin-not-allowed', 'requests from this origin are not allowed');
      }
      let operator: Operator;
      try {
        operator = await authenticateOperator(request.get('authorization'), context.auth, context.adminToken);
      } catch (error) {
        response.set('WWW-Authenticate', 'Bearer');
        throw error instanceof SandboxError ? error : refused('the credential was refused');
      }
      if (request.method === 'POST') await parseBody(request, response);
      if (context.closing()) throw new SandboxError('at-capacity', 'the server is shutting down', {retryAfter: 5, expose: true});
      const selfUrl = selfUrlOf(request);
      const refusal = await registry.handle(request, response, request.method === 'POST' ? request.body : undefined, operator.client, () => {
        pages ??= context.siteDir ? readPageIndex(context.siteDir) : new Map();
        return createMcpServer({
          catalog: new BlockCatalog([...context.blocks().values()], pages),
          target: {opener: inProcessOpener(context, operator, selfUrl), defaultTimeoutMs: context.config.limits.timeout, jobs: CHECK_JOBS, clock: context.clock},
          allowInline: context.config.server.allowInline,
          clock: context.clock,
          log: context.log,
          version: context.version,
        });
      });
      if (refusal) response.status(refusal.status).json({jsonrpc: '2.0', error: {code: refusal.code, message: refusal.message}, id: null});
    } catch (error) {
      next(error);
    }
  });

  const json = express.json({limit: context.config.server.bodyLimit, type: () => true});
  const parseBody = (request: Request, response: express.Response) =>
    new Promise<void>((resolve, reject) => json(request, response, (error?: unknown) => (error ? reject(error) : resolve())));

  return {router, close: () => registry.close()};
}
