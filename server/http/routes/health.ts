/**
 * `GET /api/health` (the process answers; the engine's state and the running
 * sessions for information) and `GET /api/ready` (200 only when the engine
 * answers and every configured environment's image is present).
 */
import {Router} from 'express';
import type {SandboxConfig} from '../../../config/index.js';
import {SandboxError} from '../../errors.js';
import type {SessionManager} from '../../sessions/manager.js';
import type {EngineProbe} from '../engine.js';
import {sendError} from '../errors.js';

export interface HealthContext {
  config: SandboxConfig;
  sessions: Pick<SessionManager, 'activeCount'>;
  probe: EngineProbe;
}

export function healthRoutes({config, sessions, probe}: HealthContext): Router {
  const router = Router();

  router.get('/api/health', async (_request, response) => {
    const info = await probe.engine();
    response.json({
      status: 'ok',
      engine: {reachable: info.reachable, version: info.version ?? null},
      sessions: sessions.activeCount,
    });
  });

  router.get('/api/ready', async (_request, response) => {
    const info = await probe.engine();
    if (!info.reachable) {
      sendError(response, new SandboxError('docker-unavailable', 'the Docker engine does not answer', {expose: true}));
      return;
    }
    const missing: string[] = [];
    for (const [name, env] of Object.entries(config.environments)) {
      if (!(await probe.hasImage(env.image))) missing.push(`${name} (${env.image})`);
    }
    if (missing.length > 0) {
      sendError(
        response,
        new SandboxError('image-missing', `images missing: ${missing.join(', ')}; run \`docusaurus-sandbox images build\``, {expose: true}),
      );
      return;
    }
    response.json({status: 'ready', engine: {version: info.version ?? null}});
  });

  return router;
}
