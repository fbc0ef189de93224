import { VISIBILITIES } from '@aerostack/contract/api.js';
import type { Request } from 'express';
import { anonymousViewer } from '../../domain/access/viewer.js';
import { badRequest } from '@aerostack/contract/errors.js';
import { parseSkillName } from '@aerostack/contract/names.js';
import type { ListedSkill } from '@aerostack/contract/api.js';
import { parseSearchQuery } from '../../domain/packages/search.js';
import { param } from '../../http/context.js';
import { html } from '../html.js';
import { cli, csrfField, time, visibilityBadge } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { providesSection } from './skill-provides-section.js';
import { dash } from '../session.js';

const SEARCH_PAGE_SIZE = 20;

/** `/skills/@ns/slug` → `@ns/slug` (a 400 for anything that is not a skill name). */
const skillNameOf = (req: Request): string => {
  const scope = param(req, 'scope');
  if (!scope.startsWith('@')) throw badRequest('Skill pages look like /skills/@namespace/skill');
  return parseSkillName(`${scope}/${param(req, 'slug')}`).full;
};
const skillUrl = (name: string) => `/skills/${name}`;
// marked and sanitize-html load with the first README shown, not with every registry.
const renderReadme = async (markdown: string) => (await import('../readme.js')).renderReadme(markdown);

/** My skills and my teams' skills, a skill's page (versions, tags, what it provides, readme, visibility), the marketplace. */
export function skillPages(d: DashboardRouter): void {
  const { s } = d;

  d.get('/skills', async (_req, res) => {
    const viewer = dash(res).viewer;
    const me = viewer.user!.username;
    const all = await s.memberSkills.list(viewer);
    const table = (rows: ListedSkill[], caption: string, empty: string) =>
      rows.length
        ? html`<table><caption>${caption}</caption><thead><tr><th scope="col">Skill</th><th scope="col">Visibility</th><th scope="col">Latest</th><th scope="col">Description</th><th scope="col">Updated</th></tr></thead>
<tbody>${rows.map((k) => html`<tr><td><a href="${skillUrl(k.name)}">${k.name}</a></td><td>${visibilityBadge(k.visibility)}</td><td>${k.latest ?? ''}</td><td>${k.description}</td><td>${time(k.updated)}</td></tr>`)}</tbody></table>`
        : html`<p class="muted">${empty}</p>`;
    send(res, {
      title: 'Skills',
      active: 'skills',
      body: html`<h1>Skills</h1>
<h2>My skills (@${me})</h2>${table(
        all.filter((k) => k.namespace === me),
        `Skills in @${me}`,
        'You have not published a skill yet.',
      )}
${cli(`aerostack skill init NAME && cd NAME && aerostack skill publish [--private team]`)}
<h2>My teams' skills</h2>${table(
        all.filter((k) => k.namespace !== me),
        'Skills of the teams you belong to',
        'No team skills yet: you see them here once someone invites you to their team.',
      )}
${cli('aerostack skill list')}`,
    });
  });

  d.get(
    '/skills/:scope/:slug',
    async (req, res) => {
      const ctx = dash(res);
      // The same read as `GET /@ns/skill`: the visibility table's 401/403/404 before anything is shown.
      const skill = await s.reads.findReadable(ctx.viewer, skillNameOf(req));
      const { versions, tags } = await s.reads.packumentInput(skill);
      const live = versions.filter((v) => v.unpublished_at === null).reverse();
      const latest = live.find((v) => v.version === tags.latest) ?? live[0];
      const readme = latest?.readme ? await renderReadme(latest.readme) : null;
      const provides = latest
        ? await providesSection(await s.provides.forVersion(skill, latest.version), renderReadme)
        : '';
      const canManage = (await s.access.can(ctx.viewer, 'skill.manage', skill)).allowed;

      const visibilityForm = canManage
        ? html`<form method="post" action="${skillUrl(skill.name)}/visibility" class="row" aria-label="Change visibility">${csrfField(ctx)}
<div class="field"><label for="visibility">Visibility</label><select id="visibility" name="visibility">${VISIBILITIES.map((v) => html`<option value="${v}"${v === skill.visibility ? ' selected' : ''}>${v}</option>`)}</select></div>
<button type="submit">Change visibility</button></form>${cli(`aerostack skill access ${skill.name} public|team|private`)}`
        : html``;

      send(res, {
        title: skill.name,
        active: ctx.viewer.user ? 'skills' : 'marketplace',
        body: html`<h1>${skill.name} ${visibilityBadge(skill.visibility)}</h1>
<p>${skill.description}</p>
<div class="grid"><div class="card"><dl class="meta"><dt>Latest</dt><dd>${tags.latest ?? '—'}</dd><dt>Install</dt><dd><code id="install-cmd">aerostack skill install ${skill.name}</code><button type="button" class="copy" data-copy="install-cmd" hidden>Copy</button></dd><dt>Updated</dt><dd>${time(skill.updated_at.toISOString())}</dd>${skill.keywords.length ? html`<dt>Keywords</dt><dd>${skill.keywords.join(', ')}</dd>` : ''}</dl>
<p id="copy-status" class="muted" role="status"></p>${visibilityForm}</div>
<div class="card"><h2>Dist-tags</h2><table><thead><tr><th scope="col">Tag</th><th scope="col">Version</th></tr></thead><tbody>${Object.entries(tags).map(([t, v]) => html`<tr><td>${t}</td><td>${v}</td></tr>`)}</tbody></table></div></div>
<h2>Versions</h2><table><thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Size</th><th scope="col">Note</th></tr></thead>
<tbody>${live.map((v) => html`<tr><td>${v.version}</td><td>${time(v.published_at.toISOString())}</td><td>${(v.unpacked_size / 1024).toFixed(1)} KiB, ${v.file_count} files</td><td>${v.deprecated ? html`<span class="error">deprecated: ${v.deprecated}</span>` : ''}</td></tr>`)}</tbody></table>
${provides}
<h2>Readme</h2>${readme ? html`<article class="readme" id="readme">${readme}</article>` : html`<p class="muted">This skill has no README.</p>`}`,
      });
    },
    { open: true },
  );

  d.post(
    '/skills/:scope/:slug/visibility',
    async (req, res) => {
      const raw = (req.body as Record<string, unknown>).visibility;
      if (!VISIBILITIES.includes(raw as (typeof VISIBILITIES)[number]))
        throw badRequest('Visibility must be public, team or private');
      const skill = await s.changes.setVisibility(
        dash(res).viewer,
        skillNameOf(req),
        raw as (typeof VISIBILITIES)[number],
      );
      return { redirect: skillUrl(skill.name), flash: `✓ ${skill.name} is now ${skill.visibility}.` };
    },
    (req) => `/skills/${param(req, 'scope')}/${param(req, 'slug')}`,
  );

  // The public marketplace: searched as an anonymous visitor whoever asks, so it never lists team or private skills.
  d.get(
    '/search',
    async (req, res) => {
      const q = typeof req.query.q === 'string' ? req.query.q : '';
      const rawFrom = typeof req.query.from === 'string' ? req.query.from : '0';
      const query = parseSearchQuery({ text: q, size: String(SEARCH_PAGE_SIZE), from: rawFrom });
      const { total, totalIsLowerBound, hits } = await s.search.search(anonymousViewer, query);
      const more = query.from + hits.length < total;
      const link = (from: number) => `/search?${new URLSearchParams({ q: query.text, from: String(from) }).toString()}`;
      send(res, {
        title: 'Marketplace',
        active: 'marketplace',
        body: html`<h1>Skill marketplace</h1><p>Public skills anyone can install. Team and private skills are never listed here.</p>
<form method="get" action="/search" class="row card" role="search"><div class="field"><label for="q">Search skills</label><input id="q" name="q" type="search" value="${query.text}" placeholder="crm, github, weather…"></div><button type="submit">Search</button></form>
<p class="muted" role="status">${total}${totalIsLowerBound ? '+' : ''} ${total === 1 && !totalIsLowerBound ? 'skill' : 'skills'}${query.text ? html` matching “${query.text}”` : ''}</p>
<ul class="hits">${hits.map(
          (h) =>
            html`<li><a href="${skillUrl(h.name)}"><strong>${h.name}</strong></a> ${visibilityBadge(h.visibility)} <span class="muted">v${h.version} · ${time(h.date.toISOString())}</span><br>${h.description}${h.keywords.length ? html`<br><span class="muted">${h.keywords.join(' · ')}</span>` : ''}</li>`,
        )}</ul>
<nav class="pager" aria-label="Pages">${query.from > 0 ? html`<a href="${link(Math.max(0, query.from - SEARCH_PAGE_SIZE))}" rel="prev">← Previous</a>` : ''}${more ? html`<a href="${link(query.from + SEARCH_PAGE_SIZE)}" rel="next">Next →</a>` : ''}</nav>
${cli(`aerostack skill search ${query.text || 'TEXT'}`)}`,
      });
    },
    { open: true },
  );
}
