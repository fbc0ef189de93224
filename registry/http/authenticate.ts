import type { RequestHandler } from 'express';
import type { UserTokens } from '../domain/accounts/user-tokens.js';
import { anonymousViewer } from '../domain/access/viewer.js';
import { unauthorized } from '../domain/errors.js';

/**
 * Resolves `Authorization: Bearer aer_…` into `req.viewer`. A token that is present but unknown,
 * revoked or expired is refused outright (401) rather than silently treated as anonymous, so a CI
 * job with a dead token fails loudly instead of publishing nothing or reading public data only.
 */
export function authenticate(tokens: UserTokens): RequestHandler {
  return async (req, _res, next) => {
    const header = req.headers.authorization;
    req.viewer = anonymousViewer;
    if (!header) return next();
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) return next(unauthorized('Unsupported Authorization header: send "Bearer <token>"'));
    req.viewer = await tokens.authenticate(m[1]!);
    next();
  };
}
