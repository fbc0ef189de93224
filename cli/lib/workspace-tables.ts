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

/** `DATE                  USER          SKILL                   ACTION`, newest first. */
export function auditTable(events: AuditEventRow[]): string {
  return seedTable(
    ['DATE', 'USER', 'SKILL', 'ACTION'],
    [22, 14, 24],
    events.map((e) => [auditDate(e.at), e.user, auditSubject(e), e.action]),
  );
}

/** "Alice Cursor" → "Alice's": whose access a revoked token took away. */
export function possessive(tokenName: string): string {
  const first = tokenName.trim().split(/\s+/)[0] || tokenName;
  return `${first}'s`;
}
