/** One outgoing message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** How a message left: over SMTP, or written to the outbox folder (no SMTP configured). */
export type Delivery = { via: 'smtp'; messageId: string } | { via: 'outbox'; file: string };

/** Sends mail; the domain knows nothing of nodemailer. */
export interface Mailer {
  send(message: MailMessage): Promise<Delivery>;
  close?(): void;
}

/** The message could not be handed to the mail server. */
export class MailDeliveryError extends Error {
  override name = 'MailDeliveryError';
}
