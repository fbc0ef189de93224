import { Router } from 'express';
import type { Services } from '../../domain/services.js';
import { param } from '../context.js';

/** npm's dist-tag endpoints: `/-/package/@ns%2fskill/dist-tags[/tag]`. */
export function distTagRoutes(s: Services): Router {
  const r = Router();
  r.get('/-/package/:name/dist-tags', async (req, res) => {
    res.json(await s.reads.distTags(req.viewer, param(req, 'name')));
  });
  // npm sends the version as a JSON string body.
  r.put('/-/package/:name/dist-tags/:tag', async (req, res) => {
    res.status(201).json(await s.changes.setDistTag(req.viewer, param(req, 'name'), param(req, 'tag'), req.body));
  });
  r.post('/-/package/:name/dist-tags/:tag', async (req, res) => {
    res.status(201).json(await s.changes.setDistTag(req.viewer, param(req, 'name'), param(req, 'tag'), req.body));
  });
  r.delete('/-/package/:name/dist-tags/:tag', async (req, res) => {
    res.json(await s.changes.removeDistTag(req.viewer, param(req, 'name'), param(req, 'tag')));
  });
  return r;
}
