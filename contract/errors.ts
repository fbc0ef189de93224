/**
 * A failure the user caused or can act on. Routes turn it into `status` + `{ "error": message }`;
 * anything that is not a DomainError is an internal fault and is logged, never shown.
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    /** More for a client to act on, sent beside `error` and `code` (the hosts to approve, say). */
    readonly fields?: Record<string, unknown>,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, code?: string) => new DomainError(400, message, code);
export const unauthorized = (message = 'Authentication required') => new DomainError(401, message);
export const forbidden = (message: string) => new DomainError(403, message);
export const notFound = (message = 'Not found') => new DomainError(404, message);
export const conflict = (message: string) => new DomainError(409, message);
export const payloadTooLarge = (message: string) => new DomainError(413, message);
export const unavailable = (message: string) => new DomainError(503, message);
