import type { Logger } from 'pino';
import type { MailMessage, Mailer } from './mailer.js';

/** Counts the mails sent to one address (registry/domain/throttle/backoff-counter.ts is one). */
export interface RecipientLimit {
  take(recipient: string): Promise<{ retryAfter?: number }>;
}

/**
 * Account mail (verification links, sign-up notices, reset links) sent without making the request
 * wait: how long the mail server takes, and which mail went out (or whether any did), must not show
 * in an answer that is meant to be the same for every address. A mail that cannot be sent is logged;
 * the user asks again (`aerostack account verify --resend`, `aerostack password forgot`). `flush`
 * waits for what is still in flight (shutdown, tests).
 */
export class BackgroundMail {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly logger: Logger,
    /**
     * Caps what one inbox receives, whoever asks: each sign-up naming an address mails it, so without
     * a cap anyone could bury a stranger's inbox in verification mails or sign-up notices by signing
     * up new usernames. Past the cap the mail is dropped (and logged), and the answer is unchanged.
     */
    private readonly perRecipient?: RecipientLimit,
  ) {}

  /** `what` names the mail in the log (`verification`, `reset`…); the message's links are never logged. */
  send(message: MailMessage, what: string): void {
    const sending: Promise<void> = this.allowed(message, what)
      .then((ok) => (ok ? this.mailer.send(message) : null))
      .then(
        (delivery) => {
          if (delivery?.via === 'outbox')
            this.logger.info({ mail: what, file: delivery.file }, 'mail written to the outbox');
        },
        (err: unknown) => this.logger.error({ mail: what, err }, 'could not send account mail'),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async allowed(message: MailMessage, what: string): Promise<boolean> {
    if (!this.perRecipient) return true;
    const { retryAfter } = await this.perRecipient.take(message.to.trim().toLowerCase());
    if (retryAfter === undefined) return true;
    this.logger.warn({ mail: what, retryAfterSeconds: retryAfter }, 'account mail dropped: too many to one address');
    return false;
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
