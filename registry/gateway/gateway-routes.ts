import { Router, type Request } from 'express';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import type { Db } from '../db/schema.js';
import type { AccessControl } from '../domain/access/access-control.js';
import type { AuditLog } from '../domain/audit/audit-log.js';
import { DomainError, unauthorized } from '../domain/errors.js';
import type { GatewayPrincipal, WorkspaceTokens } from '../domain/workspaces/workspace-tokens.js';
import { workspaceCatalogue } from './catalogue.js';
import type { RateLimiter } from './rate-limiter.js';
import { SkillCallError } from './runtime/limits.js';
import type { RuntimePool } from './runtime/runtime-pool.js';

export interface GatewayDeps {
  db: Db;
  access: AccessControl;
  tokens: WorkspaceTokens;
  audit: AuditLog;
  pool: RuntimePool;
  limiter: RateLimiter;
  logger: Logger;
  version: string;
}

/**
 * `POST /ws/<slug>`: MCP over Streamable HTTP in the transport's stateless mode — every request is
 * authenticated and served on its own, so any instance can answer any request and nothing about a
 * session has to be shared. The `mwt_` token is checked on every request.
 */
export function gatewayRoutes(deps: GatewayDeps): Router {
  const r = Router();
  r.all('/ws/:slug', async (req, res) => {
    const slug = String(req.params.slug);
    const principal = await authenticate(deps, req, slug);
    const wait = deps.limiter.take(principal.tokenId, principal.rateLimitPerMinute);
    if (wait > 0) {
      res.setHeader('Retry-After', String(wait));
      res.status(429).json({ error: `Rate limit of ${principal.rateLimitPerMinute} requests per minute exceeded; retry in ${wait}s` });
      return;
    }
    if (req.method !== 'POST') {
      // Stateless: no server-initiated stream (GET) and no session to end (DELETE).
      res.setHeader('Allow', 'POST');
      res.status(405).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this gateway is stateless, use POST' }, id: null });
      return;
    }
    const server = mcpServerFor(deps, principal);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  return r;
}

async function authenticate(deps: GatewayDeps, req: Request, slug: string): Promise<GatewayPrincipal> {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m) throw unauthorized('Send the workspace token: Authorization: Bearer mwt_…');
  return deps.tokens.authenticate(slug, m[1]!);
}

function mcpServerFor(deps: GatewayDeps, p: GatewayPrincipal): Server {
  const server = new Server({ name: `aerostack-${p.workspace.slug}`, version: deps.version }, { capabilities: { tools: {} } });
  const catalogue = () => workspaceCatalogue(deps.db, deps.access, deps.pool, p, deps.logger);

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await catalogue()).map((e) => e.tool) }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const entry = (await catalogue()).find((e) => e.name === request.params.name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const started = performance.now();
    let status = 'ok';
    try {
      const result = await deps.pool.call(p.workspace.id, entry.version, entry.source.tool, request.params.arguments ?? {}, {
        workspace: p.workspace.slug,
        skill: entry.source.skill,
        version: entry.version.version,
        tool: entry.source.tool,
        caller: p.actor,
      });
      if (result.isError) status = 'error';
      return result;
    } catch (err) {
      status = err instanceof SkillCallError ? err.status : 'error';
      const message = err instanceof SkillCallError || err instanceof DomainError ? err.message : 'internal error';
      if (!(err instanceof SkillCallError)) deps.logger.error({ err, skill: entry.source.skill }, 'tool call failed');
      return { isError: true, content: [{ type: 'text', text: `${entry.name} failed: ${message}` }] };
    } finally {
      // Who, which skill and tool, how long, how it ended: never the arguments or the result.
      await deps.audit
        .record({
          workspaceId: p.workspace.id,
          workspace: p.workspace.slug,
          namespace: p.workspace.namespace,
          actorUserId: p.user?.id ?? null,
          actor: p.actor,
          action: 'tool_call',
          skill: entry.source.skill,
          tool: entry.name,
          status,
          durationMs: Math.round(performance.now() - started),
        })
        .catch((err: unknown) => deps.logger.error({ err }, 'could not record a tool call'));
    }
  });
  return server;
}

