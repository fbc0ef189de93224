import { day } from './format.js';
import type { AuditEventRow, WorkspaceTokenSummary } from './registry-client.js';

/**
 * Fixed-width columns as the product page prints them: each column at least its seed width and
 * wider (keeping two spaces of gap) when a cell is longer; the last column is not padded.
 */
export function seedTable(header: string[], minWidths: number[], rows: string[][]): string {
  const widths = minWidths.map((min, i) => Math.max(min, ...[header, ...rows].map((r) => (r[i] ?? '').length + 2)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => (i < widths.length ? cell.padEnd(widths[i]!) : cell))
        .join('')
        .trimEnd(),
    )
    .join('\n');
}

/** `TOKEN NAME           CREATED        LAST USED      STATUS`, as the product page shows it. */
export function tokenTable(tokens: WorkspaceTokenSummary[]): string {
  return seedTable(
    ['TOKEN NAME', 'CREATED', 'LAST USED', 'STATUS'],
    [21, 15, 15],
    tokens.map((t) => [t.name, day(t.created), day(t.lastUsed), t.status]),
  );
}

/** `2026-03-07 10:12 UTC` */
export const auditDate = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/** A tool call names the gateway tool (`github__create_issue`); other rows name the skill. */
export const auditSubject = (e: AuditEventRow): string =>
  e.action === 'tool_call' && e.tool ? e.tool : (e.skill ?? e.tool ?? '-');

/**
 * What the row's DETAIL column says, from the row's own fields: `ok 12 ms` for a tool call, the token's
 * name in quotes (`"Alice Cursor"`), the member's email (`bob@acme.com`), the installed version.
 */
export function auditDetail(e: AuditEventRow): string {
  switch (e.action) {
    case 'tool_call':
      return [e.status, e.durationMs === null ? null : `${e.durationMs} ms`].filter((x) => x !== null).join(' ');
    case 'token_created':
    case 'token_revoked':
      return e.detail === null ? '' : `"${e.detail}"`;
    case 'install': {
      // Stored as `@acme/crm-skill@1.2.0` plus any network consent; the SKILL column already names it.
      const d = e.detail ?? '';
      return e.skill && d.startsWith(`${e.skill}@`) ? d.slice(e.skill.length + 1) : d;
    }
    default:
      return e.detail ?? '';
  }
}

/**
 * `DATE                  USER          SKILL                   ACTION`, newest first: the product
 * page's four columns at its widths, and a fifth, DETAIL. A row with no detail prints as the page shows it.
 */
export function auditTable(events: AuditEventRow[]): string {
  return seedTable(
    ['DATE', 'USER', 'SKILL', 'ACTION', 'DETAIL'],
    [22, 14, 24, 15],
    events.map((e) => [auditDate(e.at), e.user, auditSubject(e), e.action, auditDetail(e)]),
  );
}

/** "Alice Cursor" → "Alice's": whose access a revoked token took away. */
export function possessive(tokenName: string): string {
  const first = tokenName.trim().split(/\s+/)[0] || tokenName;
  return `${first}'s`;
}
