import type { Router } from 'express';
import type { Services } from '../domain/services.js';
import { assetRoutes } from './assets.js';
import { accountPages } from './pages/account-pages.js';
import { accountSettingsPages } from './pages/account-settings-pages.js';
import { passwordPages } from './pages/password-pages.js';
import { verifyPages } from './pages/verify-pages.js';
import { auditPages } from './pages/audit-pages.js';
import { skillPages } from './pages/skill-pages.js';
import { teamPages } from './pages/team-pages.js';
import { workspacePages } from './pages/workspace-pages.js';
import { DashboardRouter } from './render.js';
import { sessionConfig } from './session.js';

/**
 * The admin dashboard, served at `/`: server-rendered pages over the same services and access module
 * as the JSON API (nothing the API refuses is shown), a cookie session read by these routes only,
 * CSRF-checked forms, and one stylesheet and one script of its own under a strict CSP.
 *
 *   GET  /  /signin  /signup            POST /signin  /signup  /signout
 *   GET  /forgot-password  /reset/:code  /verify/:code  /account
 *                                       POST the same, /account/password  /account/verify/resend
 *   GET  /skills  /skills/@ns/skill     POST /skills/@ns/skill/visibility
 *   GET  /search                        (the public marketplace)
 *   GET  /team                          POST /team/:ns/invitations[/revoke]  /team/:ns/members/remove  /team/:ns/leave
 *   GET  /workspaces  /workspaces/:slug POST /workspaces  /workspaces/:slug/skills[/uninstall]  …/tokens[/revoke]  …/delete
 *   GET  /audit  /workspaces/:slug/audit[.csv]
 *   GET  /-/dashboard/dashboard.css  /-/dashboard/dashboard.js
 * (`/join/<code>` lives in http/routes/join-page.ts and uses the same session.)
 */
export function dashboardRoutes(s: Services): Router {
  const d = new DashboardRouter(s, sessionConfig(s.deps.config.publicUrl));
  d.router.use(assetRoutes());
  accountPages(d);
  passwordPages(d);
  verifyPages(d);
  accountSettingsPages(d);
  skillPages(d);
  teamPages(d);
  workspacePages(d);
  auditPages(d);
  return d.finish(s.deps.logger);
}
