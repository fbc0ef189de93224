import { Router } from 'express';
import * as api from '@aerostack/contract/api.js';
import type { Services } from '../../domain/services.js';
import { param } from '../context.js';
import { parseBody } from '../validate.js';

/** Aerostack's skill endpoints beyond npm's: the caller's (and its teams') skills, and visibility changes. */
export function skillRoutes(s: Services): Router {
  const r = Router();
  r.get('/-/api/v1/skills', async (req, res) => {
    res.json({ skills: await s.memberSkills.list(req.viewer) });
  });
  // What a version provides (tools, SKILL.md, files, secrets, hosts): readable by whoever may read the skill.
  r.get('/-/api/v1/skills/:name/provides', async (req, res) => {
    const spec = typeof req.query.version === 'string' ? req.query.version.slice(0, 256) : null;
    const answer: api.SkillProvides = await s.provides.forSpec(req.viewer, param(req, 'name'), spec);
    res.json(answer);
  });
  r.put('/-/api/v1/skills/:name/visibility', async (req, res) => {
    const { visibility } = parseBody(api.VisibilityRequest, req.body);
    const skill = await s.changes.setVisibility(req.viewer, param(req, 'name'), visibility);
    res.json({ name: skill.name, visibility: skill.visibility });
  });
  return r;
}
