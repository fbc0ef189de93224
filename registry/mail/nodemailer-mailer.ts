import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { MailDeliveryError, type Delivery, type MailMessage, type Mailer } from './mailer.js';

/** Sends through an SMTP server (`SMTP_URL`, e.g. smtp://user:pass@mail.acme.dev:587). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    // nodemailer parses the URL itself (host, port, auth, smtps:, ?query options); these are defaults.
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    } as SMTPTransport.Options);
  }

  async send({ links: _links, ...message }: MailMessage): Promise<Delivery> {
    try {
      const info = await this.transport.sendMail({ from: this.from, ...message });
      return { via: 'smtp', messageId: info.messageId };
    } catch (err) {
      throw new MailDeliveryError(`The mail server did not accept the message (${(err as Error).message})`);
    }
  }

  close(): void {
    this.transport.close();
  }
}

/**
 * No SMTP configured: nodemailer renders the exact message it would send, and it is written to
 * `<data dir>/outbox/<id>.eml`, where a developer can open it. The links it carries also go to
 * `announce`, one plain line each (the registry's binary prints them on stderr), so whoever runs the
 * registry can pass a join link on without digging through a JSON log line or a MIME file.
 */
export class OutboxMailer implements Mailer {
  private readonly transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  constructor(
    private readonly dir: string,
    private readonly from: string,
    private readonly announce?: (line: string) => void,
  ) {}

  async send({ links, ...message }: MailMessage): Promise<Delivery> {
    const info = await this.transport.sendMail({ from: this.from, ...message });
    await mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${randomUUID()}.eml`);
    await writeFile(file, info.message as Buffer, { mode: 0o600 });
    for (const link of links ?? []) this.announce?.(`${link.label}: ${link.url}`);
    return { via: 'outbox', file };
  }
}
