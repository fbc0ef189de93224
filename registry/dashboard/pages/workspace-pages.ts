import { can } from '../../domain/access/policy.js';
import type { Request, Response } from 'express';
import { html, type Html } from '../html.js';
import { SetSecretRequest } from '@aerostack/contract/api.js';
import { badRequest, DomainError } from '@aerostack/contract/errors.js';
import { param } from '../../http/context.js';
import { parseBody } from '../../http/validate.js';
import { buttonForm, cli, csrfField, time, visibilityBadge } from '../layout.js';
import { send, type DashboardRouter } from '../render.js';
import { dash, setFlash } from '../session.js';

const field = (req: Request, name: string): string => {
  const v = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
};

/** A refusal the user can act on, shown on the page they posted from (the rest are faults, or the error page's). */
const refusal = (err: unknown): err is DomainError =>
  err instanceof DomainError && (err.status < 500 || err.status === 502);

/** The install form's checkbox: the installer's consent to the hosts a skill's aerostack.json `network` declares. */
const ALLOW_NETWORK_LABEL = 'Allow the network hosts this skill declares';

/** Why an install was refused, said for the dashboard (the service's message speaks of the CLI's flag). */
function installRefusal(err: DomainError, target: string): string {
  if (err.code !== 'network_approval_required') return err.message;
  const hosts = Array.isArray(err.fields?.network) ? err.fields.network.map(String) : [];
  return `${target} declares network hosts this workspace has not approved: ${hosts.join(', ')}. Tick "${ALLOW_NETWORK_LABEL}" and install again to approve ${hosts.length === 1 ? 'it' : 'them'}.`;
}

/** What a re-rendered workspace page carries besides the stored state. */
interface PageState {
  /** A token just created: shown in this response only. */
  created?: { token: string; name: string };
  /** The install form as it was posted, after a refusal. */
  install?: { name: string; version: string };
  /** The secret's name as it was posted, after a refusal: never its value. */
  secretName?: string;
  status?: number;
}

const EXPIRY_CHOICES: Array<[string, string]> = [
  ['', 'Never'],
  ['86400', '1 day'],
  ['604800', '7 days'],
  ['2592000', '30 days'],
  ['7776000', '90 days'],
];

/**
 * The block a member pastes into their editor (Cursor's `mcp.json`), written as the product page
 * shows it: `"headers": { "Authorization": "Bearer mwt_…" }` on one line.
 */
export function editorConfigBlock(workspace: string, url: string, token: string): string {
  return [
    '{',
    '  "mcpServers": {',
    `    ${JSON.stringify(workspace)}: {`,
    `      "url": ${JSON.stringify(url)},`,
    `      "headers": { "Authorization": ${JSON.stringify(`Bearer ${token}`)} }`,
    '    }',
    '  }',
    '}',
  ].join('\n');
}

/** Workspaces: list and create; per workspace its skills (install, uninstall), secrets, tokens and gateway URL. */
export function workspacePages(d: DashboardRouter): void {
  const { s } = d;
  const gatewayUrl = (slug: string) => `${s.deps.config.publicUrl}/ws/${slug}`;
  const wsUrl = (slug: string) => `/workspaces/${encodeURIComponent(slug)}`;

  d.get('/workspaces', async (_req, res) => {
    const ctx = dash(res);
    const [list, teams] = await Promise.all([s.workspaces.list(ctx.viewer), s.teams.mine(ctx.viewer)]);
    const managed = teams.filter((t) => t.role === 'owner' || t.role === 'admin');
    const me = ctx.viewer.user!.username;
    const table = list.length
      ? html`<table><caption>Your workspaces</caption><thead><tr><th scope="col">Workspace</th><th scope="col">Team</th><th scope="col">Your role</th><th scope="col">Skills</th><th scope="col">Created</th><th scope="col">Gateway URL</th></tr></thead>
<tbody>${list.map((w) => html`<tr><td><a href="${wsUrl(w.slug)}">${w.slug}</a></td><td>@${w.namespace}</td><td>${w.role}</td><td>${w.skills}</td><td>${time(w.createdAt)}</td><td><code>${gatewayUrl(w.slug)}</code></td></tr>`)}</tbody></table>`
      : html`<p class="muted">No workspaces yet.</p>`;
    const create = managed.length
      ? html`<section class="card" aria-labelledby="create-h"><h2 id="create-h">Create a workspace</h2>
<p>A workspace puts a set of skills behind one MCP gateway URL that every member of the team connects to.</p>
<form method="post" action="/workspaces" class="row">${csrfField(ctx)}
<div class="field"><label for="ws-slug">Name</label><input id="ws-slug" name="slug" required pattern="[a-z0-9][a-z0-9-]{0,62}" title="lowercase letters, digits and -" placeholder="acme-team"></div>
<div class="field"><label for="ws-namespace">Team</label><select id="ws-namespace" name="namespace">${managed.map((t) => html`<option value="${t.namespace}"${t.namespace === me ? ' selected' : ''}>@${t.namespace}</option>`)}</select></div>
<button type="submit">Create workspace</button></form>${cli('aerostack workspace create SLUG [--namespace NS]')}</section>`
      : html``;
    send(res, {
      title: 'Workspaces',
      active: 'workspaces',
      body: html`<h1>Workspaces</h1>${table}${cli('aerostack workspace list')}${create}`,
    });
  });

  d.post(
    '/workspaces',
    async (req, res) => {
      const slug = field(req, 'slug').trim();
      const ns = field(req, 'namespace').replace(/^@/, '') || undefined;
      const ws = await s.workspaces.create(dash(res).viewer, slug, ns);
      return {
        redirect: wsUrl(ws.slug),
        flash: `✓ Workspace ${ws.slug} created. Its gateway URL is ${gatewayUrl(ws.slug)}`,
      };
    },
    () => '/workspaces',
  );

  const workspacePage = async (req: Request, res: Response, state: PageState = {}) => {
    const { created } = state;
    const ctx = dash(res);
    const slug = param(req, 'slug');
    const { ws, actor } = await s.workspaces.open(ctx.viewer, slug, 'workspace.read');
    const role = actor.role;
    const manager = can(actor, 'workspace.manage', { namespace: ws.namespace, slug }).allowed;
    const secretManager = can(actor, 'workspace.secret.manage', { namespace: ws.namespace, slug }).allowed;
    const [skills, tokens, secrets] = await Promise.all([
      s.workspaces.skills(ctx.viewer, slug),
      manager ? s.workspaceTokens.list(ctx.viewer, slug) : Promise.resolve(null),
      s.secrets.list(ctx.viewer, slug),
    ]);
    const url = gatewayUrl(ws.slug);
    const base = wsUrl(ws.slug);

    const newToken: Html = created
      ? html`<section class="secret" aria-labelledby="new-token-h" tabindex="-1" id="new-token-panel"><h2 id="new-token-h">Token "${created.name}" created</h2>
<p><strong>Copy it now: it is shown only once.</strong> Aerostack stores only its SHA-256.</p>
<p><code class="token" id="new-token">${created.token}</code><button type="button" class="copy" data-copy="new-token" hidden>Copy token</button></p>
<p>Add this to your editor MCP config:<button type="button" class="copy" data-copy="editor-config" hidden>Copy config</button></p>
<pre id="editor-config">${editorConfigBlock(ws.slug, url, created.token)}</pre><p id="copy-status" class="muted" role="status"></p></section>`
      : html``;

    const skillTable = skills.length
      ? html`<table aria-labelledby="skills-h"><thead><tr><th scope="col">Skill</th><th scope="col">Version</th><th scope="col">Visibility</th><th scope="col">Network</th><th scope="col">Installed by</th><th scope="col">Installed</th>${manager ? html`<th scope="col"><span class="muted">Actions</span></th>` : ''}</tr></thead>
<tbody>${skills.map(
          (k) =>
            html`<tr><td><a href="/skills/${k.name}">${k.name}</a></td><td>${k.version}</td><td>${visibilityBadge(k.visibility)}</td><td>${k.network.length ? k.network.join(', ') : html`<span class="muted">none</span>`}</td><td>${k.installedBy}</td><td>${time(k.installedAt)}</td>${
              manager
                ? html`<td>${buttonForm(ctx, `${base}/skills/uninstall`, 'Uninstall', { name: k.name }, { ariaLabel: `Uninstall ${k.name}`, danger: true })}</td>`
                : ''
            }</tr>`,
        )}</tbody></table>`
      : html`<p class="muted">No skills installed yet.</p>`;

    const installForm = manager
      ? html`<form method="post" action="${base}/skills" class="row" aria-label="Install a skill">${csrfField(ctx)}
<div class="field"><label for="install-name">Skill</label><input id="install-name" name="name" required placeholder="@${ws.namespace}/skill-name" value="${state.install?.name ?? ''}"></div>
<div class="field"><label for="install-version">Version, range or tag</label><input id="install-version" name="version" value="${state.install?.version ?? 'latest'}"></div>
<div class="field check"><input type="checkbox" id="install-network" name="allowNetwork" value="yes" aria-describedby="install-network-hint"><label for="install-network">${ALLOW_NETWORK_LABEL}</label></div>
<button type="submit">Install</button></form><p class="muted" id="install-network-hint">A skill reaches no network unless its aerostack.json declares the hosts and the installer approves them here.</p>${cli(`aerostack skill install @ns/skill[@version] --workspace ${ws.slug} [--allow-network]`)}`
      : html`<p class="muted">Only the owner and admins of @${ws.namespace} install and uninstall this workspace's skills.</p>`;

    const missingNotes = secrets.missing.map(
      (m) => html`<p class="warn"><strong>${m.name}</strong> is not set; needed by ${m.usedBy.join(', ')}.</p>`,
    );
    const secretTable = secrets.secrets.length
      ? html`<table aria-labelledby="secrets-h"><thead><tr><th scope="col">Name</th><th scope="col">Set by</th><th scope="col">Set</th><th scope="col">Used by</th>${secretManager ? html`<th scope="col"><span class="muted">Actions</span></th>` : ''}</tr></thead>
<tbody>${secrets.secrets.map(
          (x) =>
            html`<tr><td><code>${x.name}</code></td><td>${x.setBy}</td><td>${time(x.setAt)}</td><td>${x.usedBy.length ? x.usedBy.join(', ') : html`<span class="muted">no installed skill</span>`}</td>${
              secretManager
                ? html`<td>${buttonForm(ctx, `${base}/secrets/delete`, 'Delete', { name: x.name }, { ariaLabel: `Delete secret ${x.name}`, danger: true })}</td>`
                : ''
            }</tr>`,
        )}</tbody></table>`
      : html`<p class="muted">No secrets set.</p>`;
    const secretForm = secretManager
      ? html`<section class="card" aria-labelledby="secret-set-h"><h3 id="secret-set-h">Set a secret</h3>
<p>Setting a name that exists replaces its value. The value is stored encrypted and is never shown again, here or anywhere.</p>
<form method="post" action="${base}/secrets" class="row">${csrfField(ctx)}
<div class="field"><label for="secret-name">Secret name</label><input id="secret-name" name="name" required maxlength="64" placeholder="CRM_API_KEY" autocomplete="off" spellcheck="false" value="${state.secretName ?? ''}"></div>
<div class="field"><label for="secret-value">Secret value</label><input id="secret-value" name="value" type="password" required autocomplete="off"></div>
<button type="submit">Set secret</button></form>${cli(`aerostack workspace secret set ${ws.slug} NAME`)}</section>`
      : html`<p class="muted">Only the owner and admins of @${ws.namespace} set or delete this workspace's secrets.</p>`;
    const secretSection = html`<h2 id="secrets-h">Secrets</h2><p>Skills get the secrets their aerostack.json declares as environment variables. Nobody can read a value back.</p>
${missingNotes}${secretTable}${cli(`aerostack workspace secret list ${ws.slug}`)}${secretForm}`;

    const tokenSection = tokens
      ? html`<h2 id="tokens-h">Tokens</h2><p>Each member's editor reaches the gateway with its own <code>mwt_</code> token; revoking one disables it at once.</p>
${
  tokens.length
    ? html`<table aria-labelledby="tokens-h"><thead><tr><th scope="col">Token name</th><th scope="col">Token</th><th scope="col">User</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span class="muted">Actions</span></th></tr></thead>
<tbody>${tokens.map(
        (t) =>
          html`<tr><td>${t.name}</td><td><code>${t.prefix}…</code></td><td>${t.user ?? html`<span class="muted">shared</span>`}</td><td>${time(t.created)}</td><td>${time(t.lastUsed)}</td><td>${time(t.expires)}</td><td><span class="status-${t.status}">${t.status}</span></td><td>${
            t.status === 'active'
              ? buttonForm(
                  ctx,
                  `${base}/tokens/revoke`,
                  'Revoke',
                  { name: t.name },
                  { ariaLabel: `Revoke token ${t.name}`, danger: true },
                )
              : ''
          }</td></tr>`,
      )}</tbody></table>`
    : html`<p class="muted">No tokens yet.</p>`
}${cli(`aerostack workspace token list ${ws.slug}`)}
<section class="card" aria-labelledby="token-create-h"><h3 id="token-create-h">Create a token</h3>
<form method="post" action="${base}/tokens" class="row">${csrfField(ctx)}
<div class="field"><label for="token-name">Token name</label><input id="token-name" name="name" required maxlength="100" placeholder="Alice Cursor"></div>
<div class="field"><label for="token-user">For member (optional)</label><input id="token-user" name="user" placeholder="alice" autocomplete="off"></div>
<div class="field"><label for="token-expires">Expires</label><select id="token-expires" name="expiresIn">${EXPIRY_CHOICES.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select></div>
<button type="submit">Create token</button></form>${cli(`aerostack workspace token create ${ws.slug} --name "Alice Cursor" [--user alice] [--expires-in SECONDS]`)}</section>`
      : html`<p class="muted">Only the owner and admins of @${ws.namespace} manage this workspace's tokens.</p>`;

    const danger = manager
      ? html`<section class="card" aria-labelledby="delete-h"><h2 id="delete-h">Delete this workspace</h2><p>Its tokens stop working and its gateway URL goes away. Type the workspace name to confirm.</p>
<form method="post" action="${base}/delete" class="row">${csrfField(ctx)}<div class="field"><label for="delete-confirm">Workspace name</label><input id="delete-confirm" name="confirm" required autocomplete="off"></div><button type="submit" class="danger">Delete workspace</button></form>${cli(`aerostack workspace delete ${ws.slug}`)}</section>`
      : html``;

    send(
      res,
      {
        title: `Workspace ${ws.slug}`,
        active: 'workspaces',
        body: html`<h1>Workspace ${ws.slug}</h1>
<div class="card"><dl class="meta"><dt>Team</dt><dd>@${ws.namespace} (your role: ${role})</dd><dt>Gateway URL</dt><dd><code id="gateway-url">${url}</code><button type="button" class="copy" data-copy="gateway-url" hidden>Copy URL</button></dd><dt>Created</dt><dd>${time(ws.created_at.toISOString())}</dd></dl>
${manager ? html`<p><a href="${base}/audit">Workspace Audit for ${ws.slug} →</a></p>` : ''}</div>
${newToken}
<h2 id="skills-h">Installed skills</h2>${skillTable}${installForm}
${secretSection}
${tokenSection}${danger}`,
      },
      state.status ?? (created ? 201 : 200),
    );
  };

  d.get('/workspaces/:slug', (req, res) => workspacePage(req, res));

  // A refused install answers with the page, the form still filled in: ticking the network box is all it takes.
  d.postRaw('/workspaces/:slug/skills', async (req, res) => {
    const slug = param(req, 'slug');
    const viewer = dash(res).viewer;
    const form = { name: field(req, 'name').trim(), version: field(req, 'version') };
    let target = form.name;
    try {
      const { skill, version } = await s.reads.resolveVersion(viewer, form.name, form.version);
      target = `${skill.name}@${version}`;
      const done = await s.workspaces.install(viewer, slug, skill.name, version, {
        allowNetwork: field(req, 'allowNetwork') === 'yes',
      });
      const network = done.network.length ? ` It may reach ${done.network.join(', ')}.` : '';
      setFlash(res, d.cfg, {
        kind: 'ok',
        text: done.changed
          ? `✓ Installed ${done.name}@${done.version} into ${slug}.${network}`
          : `✓ ${done.name}@${done.version} is already installed in ${slug}.${network}`,
      });
      res.redirect(303, wsUrl(slug));
    } catch (err) {
      if (!refusal(err)) throw err;
      dash(res).flash = { kind: 'error', text: installRefusal(err, target) };
      await workspacePage(req, res, { install: form, status: err.status });
    }
  });

  d.post(
    '/workspaces/:slug/skills/uninstall',
    async (req, res) => {
      const slug = param(req, 'slug');
      const name = field(req, 'name');
      await s.workspaces.uninstall(dash(res).viewer, slug, name);
      return { redirect: wsUrl(slug), flash: `✓ Uninstalled ${name} from ${slug}.` };
    },
    (req) => wsUrl(param(req, 'slug')),
  );

  // Creating a token answers with the page itself: the secret is shown in this response only.
  d.postRaw('/workspaces/:slug/tokens', async (req, res) => {
    const slug = param(req, 'slug');
    const expires = field(req, 'expiresIn');
    const input = {
      name: field(req, 'name'),
      ...(field(req, 'user').trim() ? { user: field(req, 'user').trim() } : {}),
      ...(expires ? { expiresInSeconds: Number(expires) } : {}),
    };
    try {
      const { token, summary } = await s.workspaceTokens.create(dash(res).viewer, slug, input);
      await workspacePage(req, res, { created: { token, name: summary.name } });
    } catch (err) {
      if (!(err instanceof DomainError) || err.status >= 500) throw err;
      dash(res).flash = { kind: 'error', text: err.message };
      await workspacePage(req, res, { status: err.status });
    }
  });

  // The value goes to the service and nowhere else: a refusal re-renders the form with the name only.
  d.postRaw('/workspaces/:slug/secrets', async (req, res) => {
    const slug = param(req, 'slug');
    const name = field(req, 'name').trim();
    try {
      const { value } = parseBody(SetSecretRequest, { value: field(req, 'value') });
      const set = await s.secrets.set(dash(res).viewer, slug, name, value);
      setFlash(res, d.cfg, { kind: 'ok', text: `✓ Secret ${set.name} set.` });
      res.redirect(303, wsUrl(slug));
    } catch (err) {
      if (!refusal(err)) throw err;
      dash(res).flash = { kind: 'error', text: err.message };
      await workspacePage(req, res, { secretName: name, status: err.status });
    }
  });

  d.post(
    '/workspaces/:slug/secrets/delete',
    async (req, res) => {
      const slug = param(req, 'slug');
      const name = field(req, 'name').trim();
      await s.secrets.remove(dash(res).viewer, slug, name);
      return { redirect: wsUrl(slug), flash: `✓ Secret ${name} deleted.` };
    },
    (req) => wsUrl(param(req, 'slug')),
  );

  d.post(
    '/workspaces/:slug/tokens/revoke',
    async (req, res) => {
      const slug = param(req, 'slug');
      const name = field(req, 'name');
      await s.workspaceTokens.revoke(dash(res).viewer, slug, name);
      return { redirect: wsUrl(slug), flash: `✓ Token revoked. Gateway access with "${name}" is disabled.` };
    },
    (req) => wsUrl(param(req, 'slug')),
  );

  d.post(
    '/workspaces/:slug/delete',
    async (req, res) => {
      const slug = param(req, 'slug');
      if (field(req, 'confirm').trim() !== slug) {
        throw badRequest(`Type "${slug}" to confirm deleting the workspace`);
      }
      await s.workspaces.remove(dash(res).viewer, slug);
      return { redirect: '/workspaces', flash: `✓ Workspace ${slug} deleted.` };
    },
    (req) => wsUrl(param(req, 'slug')),
  );
}
