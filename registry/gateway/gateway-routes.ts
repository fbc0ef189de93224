import { Router, type Request } from 'express';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import { isRefusedToken, workspaceBearer, workspaceTokenChallenges } from '../http/workspace-bearer.js';
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
      if (isRefusedToken(err)) await deps.limiter.authFailed(req.ip);
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
  r.use('/ws/:slug', workspaceTokenChallenges);
  return r;
}

/** What the gateway's HTTP side needs beyond its dependencies (config.ts: AEROSTACK_ALLOWED_*, the body limit). */
export interface GatewayHttp extends HostOriginRules {
  bodyLimitBytes: number;
}

/** The caller, and the change epoch it was checked under (what the catalogue cache is keyed by). */
async function authenticate(
  deps: GatewayDeps,
  req: Request,
  slug: string,
): Promise<{ principal: GatewayPrincipal; epoch: number }> {
  return deps.tokens.authenticateAt(slug, workspaceBearer(req));
}
