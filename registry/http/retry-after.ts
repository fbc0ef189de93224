import type { ErrorRequestHandler } from 'express';
import { TooManyAttempts } from '../domain/throttle/attempt-throttle.js';

/** A throttled request's 429 says when to come back (`Retry-After`, seconds); the error handler writes the rest. */
export const retryAfter: ErrorRequestHandler = (err, _req, res, next) => {
  if (err instanceof TooManyAttempts && !res.headersSent) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  next(err);
};
