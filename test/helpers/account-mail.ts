import type { ParsedMail } from 'mailparser';

/** The link of kind `verify` or `reset` in a mail from the registry (`…/verify/<code>`), and its code. */
export function accountLinkFrom(mail: ParsedMail, kind: 'verify' | 'reset'): { link: string; code: string } {
  const m = new RegExp(`(https?://\\S+/${kind}/([0-9a-f]{48}))`).exec(mail.text ?? '');
  if (!m) throw new Error(`no ${kind} link in mail: ${mail.text}`);
  return { link: m[1]!, code: m[2]! };
}

export const VERIFY_SUBJECT = 'Verify your email for Aerostack';
export const NOTICE_SUBJECT = 'Someone tried to sign up with your address on Aerostack';
export const RESET_SUBJECT = 'Reset your Aerostack password';

/** The `n`-th (1-based) mail to `to` with this subject among `messages`, waiting up to 5 s for it. */
export async function nthMail(messages: ParsedMail[], to: string, subject: string, n = 1): Promise<ParsedMail> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = mailsTo(messages, to, subject);
    if (found.length >= n) return found[n - 1]!;
    if (Date.now() > deadline) throw new Error(`expected ${n} mail(s) "${subject}" to ${to}, got ${found.length}`);
    await new Promise((res) => setTimeout(res, 25));
  }
}

/** Every mail to `to` with this subject, oldest first. */
export function mailsTo(messages: ParsedMail[], to: string, subject: string): ParsedMail[] {
  return messages.filter(
    (m) => m.subject === subject && (m.to && 'text' in m.to ? m.to.text : '').toLowerCase().includes(to.toLowerCase()),
  );
}
