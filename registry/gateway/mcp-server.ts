import type { Request, Response } from 'express';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { DomainError } from '@aerostack/contract/errors.js';
import type { GatewayPrincipal } from '../domain/workspaces/workspace-tokens.js';
import { ArgumentChecker } from './argument-check.js';
import { CatalogueCache, type Catalogue } from './catalogue.js';
import type { GatewayDeps } from './gateway-deps.js';
import { SkillCallError, type CallStatus } from './runtime/limits.js';

export interface McpGateway {
  /** Answers one authenticated gateway request; `epoch` is the change epoch `principal` was checked under. */
  serve(principal: GatewayPrincipal, epoch: number, req: Request, res: Response): Promise<void>;
}

/** The MCP side of one registry instance's gateway (loaded on first use by gateway-routes.ts). */
export function mcpGateway(deps: GatewayDeps): McpGateway {
  const catalogues = new CatalogueCache(deps);
  // The SDK's Server builds an Ajv instance (with formats) per construction unless given one, for
  // elicitation only — which this gateway never sends. One for every request, not one each.
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  const argumentChecker = new ArgumentChecker(deps.schemas);
  return {
    async serve(principal, epoch, req, res) {
      // A Server can be connected to one transport at a time, and a stateless transport serves one
      // request: both are per request (cheap once the validator is shared).
      const server = mcpServerFor(deps, principal, () => catalogues.get(principal, epoch), {
        jsonSchemaValidator,
        argumentChecker,
      });
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    },
  };
}

function mcpServerFor(
  deps: GatewayDeps,
  p: GatewayPrincipal,
  catalogue: () => Promise<Catalogue>,
  {
    jsonSchemaValidator,
    argumentChecker,
  }: { jsonSchemaValidator: AjvJsonSchemaValidator; argumentChecker: ArgumentChecker },
): Server {
  const server = new Server(
    { name: `aerostack-${p.workspace.slug}`, version: deps.version },
    { capabilities: { tools: {} }, jsonSchemaValidator },
  );

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: (await catalogue()).tools }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const entry = (await catalogue()).byName.get(request.params.name);
    if (!entry) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    const started = performance.now();
    let status: CallStatus = 'ok';
    const args = request.params.arguments ?? {};
    try {
      // Before any skill code runs; answered as the SDK's McpServer answers it, as a tool error.
      const invalid = argumentChecker.check(entry.tool, args);
      if (invalid !== null) {
        status = 'invalid_arguments';
        const error = new McpError(
          ErrorCode.InvalidParams,
          `Input validation error: Invalid arguments for tool ${entry.name}: ${invalid}`,
        );
        return { isError: true, content: [{ type: 'text', text: error.message }] };
      }
      // Before the process is asked: what the caller's team can fix, said as how to fix it.
      if (entry.secretProblem !== null) {
        status = 'error';
        return { isError: true, content: [{ type: 'text', text: entry.secretProblem }] };
      }
      const result = await deps.pool.call(p.workspace.id, entry.version, entry.grant, entry.source.tool, args, {
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
      deps.metrics.gatewayCall(p.workspace.slug, entry.source.skill, status);
      // Who, which skill and tool, how long, how it ended: never the arguments or the result.
      // Queued before the answer goes out and written in the background (reads of the log wait for it).
      deps.audit.recordInBackground(
        {
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
        },
        (err) => deps.logger.error({ err }, 'could not record a tool call'),
      );
    }
  });
  return server;
}
