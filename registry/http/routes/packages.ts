import { Router, type Request, type Response } from 'express';
import type { Services } from '../../domain/services.js';
import { publishSkill } from '../../domain/packages/publish.js';
import { parsePackageBody } from '../../domain/packages/publish-body.js';
import { splitPackagePath } from '../package-path.js';

/**
 * npm's package document writes. Scoped names arrive as `/@ns%2fskill…` (npm) or `/@ns/skill…`, so
 * the path is split here rather than by express patterns. The reads (GET/HEAD of the document and of
 * tarballs) are answered before express, from the read cache: see ../hot-reads.ts.
 *   PUT    /@ns/skill                      publish (with _attachments) or metadata update (deprecate)
 *   PUT    /@ns/skill/-rev/REV             metadata update that may unpublish versions (npm unpublish)
 *   DELETE /@ns/skill/-rev/REV             unpublish every version
 *   DELETE /@ns/skill/-/skill-1.0.0.tgz/-rev/REV   tarball removal after npm unpublish (already done)
 */
export function packageRoutes(s: Services): Router {
  const r = Router();
  r.use(async (req, res, next) => {
    const target = packageRoute(req.method, req.path);
    if (!target) return next();
    const { name, route } = target;
    switch (route) {
      case 'PUT':
        return putPackage(s, req, res, name, { removeMissing: false });
      case 'PUT -rev :':
        return putPackage(s, req, res, name, { removeMissing: true });
      case 'DELETE -rev :': {
        const versions = await s.changes.unpublish(req.viewer, name, 'all');
        return res.json({ ok: true, unpublished: versions });
      }
      case 'DELETE - : -rev :':
        // npm removes the tarball after its PUT /-rev; the version (and its bytes) are already gone.
        await s.reads.findReadable(req.viewer, name);
        return res.json({ ok: true });
      default:
        return next();
    }
  });
  return r;
}

/** `PUT /@ns%2fskill/-rev/3-abc` → `{ name: '@ns/skill', route: 'PUT -rev :' }`: the switch above's keys. */
function packageRoute(method: string, path: string): { name: string; route: string } | null {
  const target = splitPackagePath(path);
  if (!target) return null;
  const route = `${method} ${target.rest.map((p, i) => (i % 2 === 0 ? p : ':')).join(' ')}`.trim();
  return { name: target.name, route };
}

/**
 * Whether a request is one of the two package writes that may carry a tarball (npm publish sends
 * it base64-encoded in the JSON body): only these get the body limit sized for tarballs.
 */
export function isPublishRoute(method: string, path: string): boolean {
  if (method !== 'PUT' || !path.startsWith('/@')) return false;
  try {
    const route = packageRoute(method, path)?.route;
    return route === 'PUT' || route === 'PUT -rev :';
  } catch {
    return false; // a malformed path: the router answers it, with the small limit
  }
}

async function putPackage(s: Services, req: Request, res: Response, name: string, opts: { removeMissing: boolean }) {
  const body = parsePackageBody(req.body);
  if (body._attachments && Object.keys(body._attachments).length > 0) {
    const result = await publishSkill(s.publishDeps, req.viewer, name, body);
    req.log?.info({ skill: result.name, version: result.version, user: req.viewer.user?.username }, 'published');
    return res.status(201).json({ ok: true, ...result });
  }
  await s.changes.updateMetadata(req.viewer, name, body, opts);
  res.json({ ok: true });
}
