/**
 * CORS for the allowed origins only: a site served elsewhere (or `docusaurus
 * start` on another port) POSTs JSON cross-origin, which needs a preflight.
 * Mounted on `/api`.
 */
import type {RequestHandler} from 'express';
import {ENVIRONMENT_TOKEN_HEADER} from '../../../protocol/index.js';
import {SandboxError} from '../../errors.js';
import {originAllowed, type OriginPolicy} from '../origin.js';

export function apiCors(originPolicy: OriginPolicy): RequestHandler {
  return (request, response, next) => {
    const origin = request.get('origin');
    const allowed =
      origin !== undefined &&
      originAllowed(origin, {host: request.get('host'), secure: request.secure}, {...originPolicy, allowNoOrigin: false});
    response.vary('Origin');
    if (allowed) {
      response.set('Access-Control-Allow-Origin', origin);
      response.set('Access-Control-Expose-Headers', 'Retry-After');
    }
    if (request.method !== 'OPTIONS') {
      next();
      return;
    }
    if (!allowed) {
      next(new SandboxError('origin-not-allowed', 'requests from this origin are not allowed'));
      return;
    }
    response.set('Access-Control-Allow-Methods', 'GET, POST, DELETE');
    response.set('Access-Control-Allow-Headers', `Content-Type, Authorization, ${ENVIRONMENT_TOKEN_HEADER}`);
    response.set('Access-Control-Max-Age', '600');
    response.status(204).end();
  };
}
