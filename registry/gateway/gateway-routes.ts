import { Router, type ErrorRequestHandler, type Request } from 'express';
import { DomainError } from '@aerostack/contract/errors.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import { bearerSecret } from '../http/authenticate.js';
import { askForToken, refuseToken } from '../http/bearer-challenge.js';
import { hostOriginGuard, type HostOriginRules } from '../http/host-origin-guard.js';
import { jsonBody } from '../http/json-body.js';
import type { GatewayDeps } from './gateway-deps.js';
import type { McpGateway } from './mcp-server.js';

// The MCP SDK and what is built on it load with the first request that gets this far, not at start-up:
// a registry whose gateway is never called does not carry them. Node's module cache keeps them after.
let mcpServer: Promise<typeof import('./mcp-server.js')> | undefined;
const loadMcpServer = () => (mcpServer ??= import('./mcp-server.js'));

/**
 * `POST /ws/<slug>`: MCP over Streamable HTTP in the transport's stateless mode — every request is
 * authenticated and served on its own, so any instance can answer any request and nothing about a
 * session has to be shared. The `mwt_` token is checked on every request.
 */
export function gatewayRoutes(deps: GatewayDeps, http: GatewayHttp): Router {
  const r = Router();
  // Only what the transport accepts as a message (its Content-Type check is `application/json`).
  const parseBody = jsonBody(http.bodyLimitBytes, ['application/json']);
  // This instance's MCP side (with its catalogue cache), built when the first request needs it.
  let mcp: Promise<McpGateway> | undefined;
  r.all('/ws/:slug', hostOriginGuard(http), async (req, res) => {
    const slug = String(req.params.slug);
    const { principal, epoch } = await authenticate(deps, req, slug).catch(async (err: unknown) => {
      // Tokens refused are counted per client address (a request without one guesses nothing): past
      // the limit, a 429 instead.
      if (err instanceof DomainError && err.status === 401 && err.code !== NO_TOKEN)
        await deps.limiter.authFailed(req.ip);
      throw err;
    });
    const refusal = await deps.limiter.take(principal);
    if (refusal) {
      res.setHeader('Retry-After', String(refusal.retryAfter));
      res.status(429).json({ error: refusal.message });
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      res.setHeader('Allow', 'POST');
      res.status(405).json({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this gateway is stateless, use POST' },
        id: null,
      });
      return;
    }
    // Read only for a caller allowed to call, up to the gateway's own limit (413 past it).
    await new Promise<void>((resolve, reject) => parseBody(req, res, (err?: Error) => (err ? reject(err) : resolve())));
    const gateway = await (mcp ??= loadMcpServer().then((m) => m.mcpGateway(deps)));
    await gateway.serve(principal, epoch, req, res);
  });
  r.use('/ws/:slug', tokenChallenges);
  return r;
}

/** What the gateway's HTTP side needs beyond its dependencies (config.ts: AEROSTACK_ALLOWED_*, the body limit). */
export interface GatewayHttp extends HostOriginRules {
  bodyLimitBytes: number;
}

/** A request that carried no token (the RFC 6750 challenge then names no error). */
const NO_TOKEN = 'token_missing';
/** The domain's words for a token it does not hold for this workspace (none such, another's, malformed). */
const UNKNOWN_TOKEN = 'Invalid workspace token';

/** The gateway's 401s as MCP clients understand them: why a token was refused, in the challenge and the body. */
const tokenChallenges: ErrorRequestHandler = (err, _req, res, next) => {
  if (!(err instanceof DomainError) || err.status !== 401) return next(err);
  if (err.code === NO_TOKEN) return askForToken(res, err.message);
  refuseToken(res, err.message === UNKNOWN_TOKEN ? 'This workspace token is unknown' : err.message);
};

/** The caller, and the change epoch it was checked under (what the catalogue cache is keyed by). */
async function authenticate(
  deps: GatewayDeps,
  req: Request,
  slug: string,
): Promise<{ principal: GatewayPrincipal; epoch: number }> {
  // The API's parser; the gateway answers a missing and a malformed header alike, naming what to send.
  const secret = (() => {
    try {
      return bearerSecret(req.headers.authorization);
    } catch {
      return null;
    }
  })();
  if (secret === null) throw new DomainError(401, 'Send the workspace token: Authorization: Bearer mwt_…', NO_TOKEN);
  return deps.tokens.authenticateAt(slug, secret);
}
