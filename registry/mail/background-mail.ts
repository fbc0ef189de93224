import type { Logger } from 'pino';
import type { MailMessage, Mailer } from './mailer.js';

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
  ) {}

  /** `what` names the mail in the log (`verification`, `reset`…); the message's links are never logged. */
  send(message: MailMessage, what: string): void {
    const sending: Promise<void> = this.mailer
      .send(message)
      .then(
        (delivery) => {
          if (delivery.via === 'outbox')
            this.logger.info({ mail: what, file: delivery.file }, 'mail written to the outbox');
        },
        (err: unknown) => this.logger.error({ mail: what, err }, 'could not send account mail'),
      )
      .finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }
}
