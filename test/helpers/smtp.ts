import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { startTestRegistry, type TestRegistry } from './registry.js';

export interface SmtpSink {
  url: string;
  port: number;
  messages: ParsedMail[];
  /** Resolves with the next message to `to` (or already received and not yet taken). */
  next(to: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/** A real SMTP listener on a free loopback port that keeps every message it receives, parsed. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const messages: ParsedMail[] = [];
  const taken = new Set<ParsedMail>();
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          messages.push(mail);
          waiters.splice(0).forEach((w) => w());
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  const find = (to: string) =>
    messages.find((m) => !taken.has(m) && (m.to && 'text' in m.to ? m.to.text : '').includes(to));
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    next: async (to, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const mail = find(to);
        if (mail) {
          taken.add(mail);
          return mail;
        }
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100).unref();
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The join code from an invitation mail's `…/join/<code>` link. */
export function joinCodeFrom(mail: ParsedMail): { link: string; code: string } {
  const m = /(https?:\/\/\S+\/join\/([A-Za-z0-9_-]+))/.exec(mail.text ?? '');
  if (!m) throw new Error(`no join link in mail: ${mail.text}`);
  return { link: m[1]!, code: m[2]! };
}

/** A test registry that mails through `smtp` (SMTP_URL), from the address the tests expect. */
export function startMailingRegistry(smtp: SmtpSink): Promise<TestRegistry> {
  return startTestRegistry({ env: { SMTP_URL: smtp.url, MAIL_FROM: 'Aerostack <noreply@aerostack.test>' } });
}
