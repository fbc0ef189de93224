/** One outgoing message. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * The links the mail carries, for whoever runs a registry with no SMTP: when the message goes to
   * the outbox each is printed as a line of its own (`Join link for bob@acme.com: https://…`).
   * Never part of the mail itself.
   */
  links?: MailLink[];
}

export interface MailLink {
  /** What the link is and for whom: "Join link for bob@acme.com". */
  label: string;
  url: string;
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
