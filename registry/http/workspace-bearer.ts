import type { ErrorRequestHandler, Request } from 'express';
import { DomainError } from '@aerostack/contract/errors.js';
import { bearerSecret } from './authenticate.js';
import { askForToken, refuseToken } from './bearer-challenge.js';

/**
 * How a workspace's `mwt_` token is taken from a request and refused, the same for its gateway
 * (registry/gateway/gateway-routes.ts) and its Agent Skills index (routes/agent-skills-index.ts).
 */

/** A request that carried no token (the RFC 6750 challenge then names no error). */
const NO_TOKEN = 'token_missing';
/** The domain's words for a token it does not hold for this workspace (none such, another's, malformed). */
const UNKNOWN_TOKEN = 'Invalid workspace token';

/**
 * The bearer secret, or a 401 naming what to send: the API's parser, but a missing and a malformed
 * header are answered alike.
 */
export function workspaceBearer(req: Request): string {
  let secret: string | null;
  try {
    secret = bearerSecret(req.headers.authorization);
  } catch {
    secret = null;
  }
  if (secret === null) throw new DomainError(401, 'Send the workspace token: Authorization: Bearer mwt_…', NO_TOKEN);
  return secret;
}

/** A token was sent and refused (not a request that sent none): what the per-address limit counts. */
export function isRefusedToken(err: unknown): boolean {
  return err instanceof DomainError && err.status === 401 && err.code !== NO_TOKEN;
}

/** The 401s as MCP clients understand them: why a token was refused, in the challenge and the body. */
export const workspaceTokenChallenges: ErrorRequestHandler = (err, _req, res, next) => {
  if (!(err instanceof DomainError) || err.status !== 401) return next(err);
  if (err.code === NO_TOKEN) return askForToken(res, err.message);
  refuseToken(res, err.message === UNKNOWN_TOKEN ? 'This workspace token is unknown' : err.message);
};
