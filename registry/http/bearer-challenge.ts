import type { ServerResponse } from 'node:http';
import { sendError } from './errors.js';

/**
 * 401 for a request that carried no usable token: RFC 6750's challenge without an `error`
 * attribute (§3.1: none is given when the request lacked authentication), `message` in the body.
 */
export function askForToken(res: ServerResponse, message: string): void {
  sendError(res, 401, message, undefined, { 'WWW-Authenticate': 'Bearer realm="aerostack"' });
}

/**
 * 401 for a token that was refused: `error="invalid_token"` with `reason` as `error_description`,
 * and the same words in the JSON body. MCP clients that get a bare challenge after sending a token
 * assume OAuth is wanted and start it (MCP Inspector's CLI: "Interactive OAuth requires a TTY");
 * `invalid_token` with a description tells them, and so the person, why this token is refused.
 */
export function refuseToken(res: ServerResponse, reason: string): void {
  sendError(res, 401, reason, undefined, {
    'WWW-Authenticate': `Bearer realm="aerostack", error="invalid_token", error_description="${quotable(reason)}"`,
  });
}

/** error_description allows printable ASCII but `"` and `\` (RFC 6750 §3); anything else is dropped. */
function quotable(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '');
}
