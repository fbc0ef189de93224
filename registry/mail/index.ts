import path from 'node:path';
import type { RegistryConfig } from '../config.js';
import type { Mailer } from './mailer.js';
import { OutboxMailer, SmtpMailer } from './nodemailer-mailer.js';

export type { Delivery, MailLink, MailMessage, Mailer } from './mailer.js';
export { MailDeliveryError } from './mailer.js';

/**
 * SMTP when `SMTP_URL` is set, else the outbox folder under the data directory; `announce` gets the
 * outbox's link lines (the binary prints them, an in-process registry keeps quiet).
 */
export function createMailer(config: RegistryConfig, opts: { announce?: (line: string) => void } = {}): Mailer {
  return config.smtpUrl
    ? new SmtpMailer(config.smtpUrl, config.mailFrom)
    : new OutboxMailer(path.join(config.dataDir, 'outbox'), config.mailFrom, opts.announce);
}
