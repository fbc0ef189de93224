import type { MailMessage } from '../../mail/mailer.js';

/** "alice.smith@acme.com" → "Alice Smith": how the CLI and the mail greet an invitee. */
export function displayNameFor(email: string): string {
  const local = email.split('@')[0] ?? email;
  const words = local.split(/[._+-]+/).filter(Boolean);
  return words.length ? words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ') : email;
}

export function invitationMail(input: {
  to: string;
  namespace: string;
  inviter: string;
  role: string;
  link: string;
  code: string;
  expiresAt: Date;
}): MailMessage {
  const name = displayNameFor(input.to);
  const expires = input.expiresAt.toISOString().slice(0, 10);
  const text = [
    `Hi ${name},`,
    '',
    `${input.inviter} invited you to join the @${input.namespace} team on Aerostack as ${input.role === 'admin' ? 'an admin' : 'a member'}.`,
    `Members can install @${input.namespace}'s team skills and use its workspaces.`,
    '',
    `Join here: ${input.link}`,
    '',
    `Or, from a terminal: aerostack team join ${input.code}`,
    '',
    `The link works once and expires on ${expires} (UTC). If you did not expect this, ignore this mail.`,
  ].join('\n');
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<p>Hi ${esc(name)},</p><p>${esc(input.inviter)} invited you to join the <b>@${esc(input.namespace)}</b> team on Aerostack as ${input.role === 'admin' ? 'an admin' : 'a member'}.</p><p><a href="${esc(input.link)}">Join @${esc(input.namespace)}</a></p><p>Or run <code>aerostack team join ${esc(input.code)}</code>. The link works once and expires on ${expires} (UTC).</p>`;
  return {
    to: input.to,
    subject: `${input.inviter} invited you to join @${input.namespace} on Aerostack`,
    text,
    html,
    links: [{ label: `Join link for ${input.to}`, url: input.link }],
  };
}
