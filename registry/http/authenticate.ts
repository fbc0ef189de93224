import type { RequestHandler } from 'express';
import type { UserTokens } from '../domain/accounts/user-tokens.js';
import { anonymousViewer } from '../domain/access/viewer.js';
import { unauthorized } from '@aerostack/contract/errors.js';

/** The secret of `Authorization: Bearer <secret>`, null without the header; other schemes are refused. */
export function bearerSecret(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw unauthorized('Unsupported Authorization header: send "Bearer <token>"');
  return m[1]!;
}

/**
 * Resolves `Authorization: Bearer aer_…` into `req.viewer`. A token that is present but unknown,
 * revoked or expired is refused outright (401) rather than silently treated as anonymous, so a CI
 * job with a dead token fails loudly instead of publishing nothing or reading public data only.
 */
export function authenticate(tokens: UserTokens): RequestHandler {
  return async (req, _res, next) => {
    req.viewer = anonymousViewer;
    const secret = bearerSecret(req.headers.authorization);
    if (secret !== null) req.viewer = await tokens.authenticate(secret);
    next();
  };
}
