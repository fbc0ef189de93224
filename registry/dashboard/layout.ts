import { escapeHtml, html, type Html } from './html.js';
import { ASSET_URLS } from './assets.js';
import { CSRF_FIELD } from './csrf.js';
import type { DashboardContext, Flash } from './session.js';

export type Tab = 'skills' | 'team' | 'workspaces' | 'audit' | 'marketplace' | 'signin' | 'signup' | null;

const TABS: Array<{ id: Exclude<Tab, null>; href: string; label: string; signedIn: boolean }> = [
  { id: 'skills', href: '/skills', label: 'Skills', signedIn: true },
  { id: 'team', href: '/team', label: 'Team', signedIn: true },
  { id: 'workspaces', href: '/workspaces', label: 'Workspaces', signedIn: true },
  { id: 'audit', href: '/audit', label: 'Workspace Audit', signedIn: true },
  { id: 'marketplace', href: '/search', label: 'Marketplace', signedIn: false },
];

/** The hidden field every form carries. */
export const csrfField = (ctx: DashboardContext): Html =>
  html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}">`;

/** A small form holding one button: row actions such as "Remove" or "Revoke". */
export function buttonForm(
  ctx: DashboardContext,
  action: string,
  label: string,
  fields: Record<string, string>,
  opts: { ariaLabel?: string; danger?: boolean } = {},
): Html {
  return html`<form method="post" action="${action}" class="inline">${csrfField(ctx)}${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit" class="${opts.danger ? 'danger' : 'secondary'}"${opts.ariaLabel ? html` aria-label="${opts.ariaLabel}"` : ''}>${label}</button></form>`;
}

export const visibilityBadge = (v: string): Html =>
  html`<span class="badge badge-${v}" title="${visibilityHelp(v)}">${v}</span>`;

const visibilityHelp = (v: string) =>
  v === 'public'
    ? 'Anyone can install it'
    : v === 'team'
      ? 'Only people invited to the team can install it'
      : v === 'private'
        ? 'Only the owner'
        : v;

/** `2026-03-07` */
export const day = (iso: string | null | undefined): string => (iso ? iso.slice(0, 10) : '—');
/** `2026-03-07 10:12 UTC`, as the CLI prints audit dates. */
export const minute = (iso: string | null | undefined): string =>
  iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—';
export const time = (iso: string | null | undefined, text = day(iso)): Html =>
  iso ? html`<time datetime="${iso}">${text}</time>` : html`<span class="muted">never</span>`;

/** The CLI command doing the same thing, under a form or a table. */
export const cli = (command: string): Html => html`<p class="cli">CLI: <code>${command}</code></p>`;

function flashBox(flash: Flash | null): Html {
  if (!flash) return html``;
  return flash.kind === 'ok'
    ? html`<p class="flash ok" role="status">${flash.text}</p>`
    : html`<p class="flash error" role="alert">${flash.text}</p>`;
}

export interface PageOptions {
  title: string;
  active?: Tab;
  body: Html;
  /** Extra alerts above the body (an error re-rendering a form). */
  error?: string | null;
}

/** Every dashboard page: one stylesheet and one script from this server, a nav with the tabs. */
export function layout(ctx: DashboardContext, opts: PageOptions): string {
  const user = ctx.viewer.user;
  const tabs = TABS.filter((t) => user || !t.signedIn);
  const nav = html`<nav aria-label="Dashboard"><ul>${tabs.map(
    (t) => html`<li><a href="${t.href}"${opts.active === t.id ? html` aria-current="page"` : ''}>${t.label}</a></li>`,
  )}</ul></nav>`;
  const account = user
    ? html`<div class="account"><span>Signed in as <a href="/account" title="Your account: email, password"><strong>${user.username}</strong></a></span><form method="post" action="/signout" class="inline">${csrfField(ctx)}<button type="submit" class="secondary">Sign out</button></form></div>`
    : html`<div class="account"><a href="/signin"${opts.active === 'signin' ? html` aria-current="page"` : ''}>Sign in</a> <a href="/signup" class="button"${opts.active === 'signup' ? html` aria-current="page"` : ''}>Sign up</a></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)} · Aerostack</title>
<link rel="stylesheet" href="${ASSET_URLS.css}">
<script src="${ASSET_URLS.js}" defer></script>
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header><div class="bar"><a class="brand" href="/">Aerostack</a>${nav.value}${account.value}</div></header>
<main id="main" tabindex="-1">${flashBox(ctx.flash).value}${opts.error ? html`<p class="flash error" role="alert">${opts.error}</p>`.value : ''}${opts.body.value}</main>
<footer><p>Everything here can also be done with the <code>aerostack</code> CLI.</p></footer>
</body></html>`;
}
