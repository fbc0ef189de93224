import type { MailMessage } from '../../mail/mailer.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The link that proves an address: `PUBLIC_URL/verify/<code>`. */
export function verificationMail(input: {
  to: string;
  username: string;
  link: string;
  code: string;
  expiresAt: Date;
}): MailMessage {
  const text = [
    `Hi ${input.username},`,
    '',
    `Confirm that ${input.to} is your address on Aerostack: ${input.link}`,
    '',
    `Or, from a terminal: aerostack account verify ${input.code}`,
    '',
    `Until it is verified, your account cannot join a team. The link works once and expires at ${utc(input.expiresAt)}.`,
    'If you did not sign up, ignore this mail: the account cannot use your address without this link.',
  ].join('\n');
  const html = `<p>Hi ${esc(input.username)},</p><p>Confirm that ${esc(input.to)} is your address on Aerostack:</p><p><a href="${esc(input.link)}">Verify my email</a></p><p>Or run <code>aerostack account verify ${esc(input.code)}</code>. The link works once and expires at ${utc(input.expiresAt)}.</p><p>If you did not sign up, ignore this mail.</p>`;
  return {
    to: input.to,
    subject: 'Verify your email for Aerostack',
    text,
    html,
    links: [{ label: `Verification link for ${input.to}`, url: input.link }],
  };
}

/**
 * What the owner of an address hears when someone signs up with it: the sign-up was answered as any
 * other (it reveals nothing), the new account cannot prove the address, and here is the way back in.
 */
export function signupNoticeMail(input: {
  to: string;
  owner: string;
  attempted: string;
  forgotUrl: string;
}): MailMessage {
  const text = [
    `Hi ${input.owner},`,
    '',
    `Someone tried to sign up for Aerostack with your address, as "${input.attempted}".`,
    `You already have an account with this address: ${input.owner}.`,
    '',
    `If it was you, sign in as ${input.owner}. Forgot the password? ${input.forgotUrl}`,
    `If it was not you, nothing is needed: the new account cannot verify your address, so it cannot join a team as you.`,
  ].join('\n');
  const html = `<p>Hi ${esc(input.owner)},</p><p>Someone tried to sign up for Aerostack with your address, as "${esc(input.attempted)}". You already have an account with this address: <b>${esc(input.owner)}</b>.</p><p>If it was you, sign in as ${esc(input.owner)}. <a href="${esc(input.forgotUrl)}">Forgot the password?</a></p><p>If it was not you, nothing is needed: the new account cannot verify your address.</p>`;
  return { to: input.to, subject: 'Someone tried to sign up with your address on Aerostack', text, html };
}

/** One reset link per account that uses the address (almost always one). */
export function resetMail(input: {
  to: string;
  links: Array<{ username: string; link: string; code: string }>;
  expiresAt: Date;
}): MailMessage {
  const lines = input.links.flatMap((l) => [
    `Reset the password of ${l.username}: ${l.link}`,
    `Or, from a terminal: aerostack password reset ${l.code} --password-stdin`,
    '',
  ]);
  const text = [
    'Hi,',
    '',
    `Someone (hopefully you) asked to reset a password on Aerostack for ${input.to}.`,
    '',
    ...lines,
    `The link works once and expires at ${utc(input.expiresAt)}. Resetting signs out every session of the account.`,
    'If you did not ask, ignore this mail: your password stays as it is.',
  ].join('\n');
  const html = `<p>Hi,</p><p>Someone (hopefully you) asked to reset a password on Aerostack for ${esc(input.to)}.</p>${input.links
    .map(
      (l) =>
        `<p><a href="${esc(l.link)}">Reset the password of ${esc(l.username)}</a><br>Or run <code>aerostack password reset ${esc(l.code)} --password-stdin</code></p>`,
    )
    .join('')}<p>The link works once and expires at ${utc(input.expiresAt)}. If you did not ask, ignore this mail.</p>`;
  return {
    to: input.to,
    subject: 'Reset your Aerostack password',
    text,
    html,
    links: input.links.map((l) => ({ label: `Password reset link for ${input.to} (${l.username})`, url: l.link })),
  };
}
