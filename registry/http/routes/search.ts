import { Router } from 'express';
import type { Services } from '../../domain/services.js';
import { parseSearchQuery } from '../../domain/packages/search.js';

/** npm's search API (`npm search`): the public marketplace, or with `?scope=team` the team and private skills the caller may read. */
export function searchRoutes(s: Services): Router {
  const r = Router();
  r.get('/-/v1/search', async (req, res) => {
    const q = parseSearchQuery(req.query);
    const { total, totalIsLowerBound, hits } = await s.search.search(req.viewer, q);
    const base = s.deps.config.publicUrl;
    res.setHeader('Cache-Control', 'private, no-cache');
    res.json({
      objects: hits.map((h) => ({
        package: {
          name: h.name,
          scope: h.namespace,
          version: h.version,
          description: h.description,
          keywords: h.keywords,
          date: h.date.toISOString(),
          links: { npm: `${base}/${h.name}` },
          publisher: { username: h.namespace },
          maintainers: [{ username: h.namespace }],
          visibility: h.visibility,
        },
        score: { final: 1, detail: { quality: 1, popularity: 1, maintenance: 1 } },
        searchScore: 1,
      })),
      total,
      totalIsLowerBound,
      time: new Date().toISOString(),
    });
  });
  return r;
}
