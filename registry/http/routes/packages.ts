import { Router, type Request, type Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { Services } from '../../domain/services.js';
import { badRequest, notFound } from '../../domain/errors.js';
import { publishSkill } from '../../domain/packages/publish.js';
import { parsePackageBody } from '../../domain/packages/publish-body.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

/**
 * npm's package document routes. Scoped names arrive as `/@ns%2fskill…` (npm) or `/@ns/skill…`, so
 * the path is split here rather than by express patterns:
 *   GET    /@ns/skill                      packument (abbreviated with npm's install Accept header)
 *   GET    /@ns/skill/-/skill-1.0.0.tgz    tarball
 *   PUT    /@ns/skill                      publish (with _attachments) or metadata update (deprecate)
 *   PUT    /@ns/skill/-rev/REV             metadata update that may unpublish versions (npm unpublish)
 *   DELETE /@ns/skill/-rev/REV             unpublish every version
 *   DELETE /@ns/skill/-/skill-1.0.0.tgz/-rev/REV   tarball removal after npm unpublish (already done)
 */
export function packageRoutes(s: Services): Router {
  const r = Router();
  r.use(async (req, res, next) => {
    const target = splitPackagePath(req.path);
    if (!target) return next();
    const { name, rest } = target;
    const route = `${req.method} ${rest.map((p, i) => (i % 2 === 0 ? p : ':')).join(' ')}`.trim();
    switch (route) {
      case 'GET':
      case 'HEAD':
        return sendPackument(s, req, res, name);
      case 'GET - :':
      case 'HEAD - :':
        return sendTarball(s, req, res, name, rest[1]!);
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

/** `/@ns%2fskill/-/x.tgz` → `{ name: '@ns/skill', rest: ['-', 'x.tgz'] }`; null for non-package paths. */
export function splitPackagePath(path: string): { name: string; rest: string[] } | null {
  let parts: string[];
  try {
    parts = path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    throw badRequest('Malformed URL encoding in path');
  }
  const first = parts[0];
  if (!first || first === '-' || first.startsWith('-')) return null;
  if (!first.startsWith('@')) {
    // Unscoped names are not skills; answer like a registry would instead of a generic 404.
    if (parts.length === 1) throw notFound(`Skill ${first} not found: skill names look like @<username>/<skill>`);
    return null;
  }
  if (first.includes('/')) return { name: first, rest: parts.slice(1) };
  if (parts.length < 2 || !parts[1]) return null;
  return { name: `${first}/${parts[1]}`, rest: parts.slice(2) };
}

async function sendPackument(s: Services, req: Request, res: Response, name: string) {
  const abbreviated = (req.headers.accept ?? '').includes(ABBREVIATED);
  const doc = await s.reads.packument(req.viewer, name, { abbreviated });
  // Reads depend on who asks (visibility), so shared caches must not keep them.
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Vary', 'Authorization, Accept');
  res.type(abbreviated ? ABBREVIATED : 'application/json').send(JSON.stringify(doc));
}

async function sendTarball(s: Services, req: Request, res: Response, name: string, file: string) {
  const t = await s.reads.tarball(req.viewer, name, file);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', String(t.size));
  res.setHeader('Cache-Control', 'private, max-age=31536000, immutable');
  res.setHeader('ETag', `"${t.shasum}"`);
  if (req.method === 'HEAD') {
    t.stream.destroy();
    return res.end();
  }
  await pipeline(t.stream, res);
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
