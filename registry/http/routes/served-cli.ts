import { Router, type RequestHandler } from 'express';
import { CLI_PACKAGE_NAME } from '@aerostack/contract/names.js';
import type { Services } from '../../domain/services.js';
import { param } from '../context.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json';

/**
 * npm's routes for the one unscoped package every registry has, the aerostack CLI
 * (../../domain/packages/served-cli.ts), readable by anyone:
 *   GET /aerostack                        the package document (abbreviated for npm's installer)
 *   GET /aerostack/-/aerostack-X.Y.Z.tgz  the tarball
 *   GET /-/package/aerostack/dist-tags    { latest: X.Y.Z }
 * Every other method on those paths (npm publish, deprecate, unpublish, dist-tag add/rm) is refused
 * with a 403 saying why. Mounted before the body parsers: a publish is refused without reading its
 * tarball-sized body.
 */
export function servedCliRoutes(s: Services): Router {
  const r = Router({ caseSensitive: true });
  const pkg = `/${CLI_PACKAGE_NAME}`;
  r.get(pkg, async (req, res) => {
    const abbreviated = (req.get('accept') ?? '').includes(ABBREVIATED);
    res.set('Vary', 'Authorization, Accept');
    res.json(await s.servedCli.packument(req.viewer, { abbreviated }));
  });
  r.get(`${pkg}/-/:file`, async (req, res) => {
    const t = await s.servedCli.tarball(req.viewer, param(req, 'file'));
    res.set({ 'Cache-Control': 'public, max-age=31536000, immutable', ETag: `"${t.shasum}"` });
    res.type('application/octet-stream').send(t.bytes);
  });
  r.get(`/-/package/${CLI_PACKAGE_NAME}/dist-tags`, async (req, res) => {
    res.json(await s.servedCli.distTags(req.viewer));
  });
  const refuse: RequestHandler = async (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    await s.servedCli.refuseChange(req.viewer);
  };
  r.all([pkg, `${pkg}/*rest`, `/-/package/${CLI_PACKAGE_NAME}/*rest`], refuse);
  return r;
}
