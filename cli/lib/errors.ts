import { DomainError } from '@aerostack/contract/errors.js';

/**
 * What a failed command prints: `✗ <status>: <reason>` on stderr and the matching exit code.
 * Exit codes (also in the README):
 *   1  the registry failed (5xx) or another unexpected failure
 *   2  invalid usage or input (bad flags or arguments, invalid aerostack.json, HTTP 400/413/422)
 *   3  the registry could not be reached
 *   4  not signed in, or not allowed (HTTP 401/403)
 *   5  not found (HTTP 404)
 *   6  conflict (HTTP 409: version already published, name taken…)
 */
export const EXIT = { failure: 1, usage: 2, unreachable: 3, auth: 4, notFound: 5, conflict: 6 } as const;

/** The registry answered with an error status and a JSON `{ error }`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    /** The answer's `code` (such as `network_approval_required`) and other fields beside `error`. */
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The registry could not be reached at all. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** A problem with what the user gave us, found before any request. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A check of the contract package failed before any request: a 404 (no version matches) reads like
 * the registry's own; anything else is invalid input.
 */
const asApiError = (err: unknown): unknown =>
  err instanceof DomainError && err.status === 404 ? new ApiError(404, err.message) : err;

export function exitCodeFor(raw: unknown): number {
  const err = asApiError(raw);
  if (err instanceof ApiError) {
    if (err.status === 401 || err.status === 403) return EXIT.auth;
    if (err.status === 404) return EXIT.notFound;
    if (err.status === 409) return EXIT.conflict;
    if (err.status >= 400 && err.status < 500) return EXIT.usage;
    return EXIT.failure;
  }
  if (err instanceof UnreachableError) return EXIT.unreachable;
  if (err instanceof UsageError || err instanceof DomainError) return EXIT.usage;
  return EXIT.failure;
}

/** The `<status>` part of the failure line: the HTTP status, or a word for local failures. */
export function statusLabel(raw: unknown): string {
  const err = asApiError(raw);
  if (err instanceof ApiError) return String(err.status);
  if (err instanceof UnreachableError) return 'unreachable';
  if (err instanceof UsageError || err instanceof DomainError) return 'invalid';
  return 'error';
}
