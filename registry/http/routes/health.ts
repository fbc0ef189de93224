import { Router } from 'express';
import { workerId } from '../../cluster.js';
import type { Services } from '../../domain/services.js';
import type { SandboxReport } from '../../gateway/runtime/sandbox/sandbox.js';

/**
 * Liveness (`/healthz`), readiness (`/readyz`: database and blob store answer) and npm's ping.
 * /readyz also says how skills are isolated, and why they cannot run when the sandbox cannot start;
 * that alone does not make the instance unready, since npm reads and publishes do not need it.
 */
export function healthRoutes(s: Services, sandbox: () => Promise<SandboxReport>): Router {
  const r = Router();
  r.get('/-/ping', (_req, res) => {
    res.json({});
  });
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const [{ database, storage }, skills] = await Promise.all([s.readiness.check(), sandbox()]);
    const ready = database === 'ok' && storage === 'ok';
    const worker = workerId();
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'unavailable',
      database,
      storage,
      sandbox: skills,
      // Which of the AEROSTACK_WORKERS answered (only when there are several).
      ...(worker === null ? {} : { worker }),
    });
  });
  return r;
}
