import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { createServices, type AppDependencies, type Services } from './domain/services.js';
import { authenticate } from './http/authenticate.js';
import { errorHandler, notFoundHandler } from './http/errors.js';
import { retryAfter } from './http/retry-after.js';
import { hotReads } from './http/hot-reads.js';
import { countRequests } from './http/count-requests.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { jsonBodies } from './http/json-body.js';
import { accountRoutes } from './http/routes/accounts.js';
import { accountSecurityRoutes } from './http/routes/account-security.js';
import { distTagRoutes } from './http/routes/dist-tags.js';
import { healthRoutes } from './http/routes/health.js';
import { packageRoutes } from './http/routes/packages.js';
import { searchRoutes } from './http/routes/search.js';
import { servedCliRoutes } from './http/routes/served-cli.js';
import { skillRoutes } from './http/routes/skills.js';
import { tokenRoutes } from './http/routes/tokens.js';
import { teamRoutes } from './http/routes/teams.js';
import { joinPageRoutes } from './dashboard/join-page.js';
import { dashboardRoutes } from './dashboard/index.js';
import { browserErrorPages } from './dashboard/error-pages.js';
import { workspaceRoutes } from './http/routes/workspaces.js';
import { gatewayRoutes } from './gateway/gateway-routes.js';
import { GATEWAY_VERSION } from './gateway/gateway-version.js';
import { mcpRegistryRoutes } from './http/routes/mcp-registry.js';
import { agentSkillsIndexRoutes, workspaceSkillsIndexRoutes } from './http/routes/agent-skills-index.js';
import { RateLimiter } from './gateway/rate-limiter.js';
import { DEFAULT_RUNTIME_LIMITS, type RuntimeLimits } from './gateway/runtime/limits.js';
import { outputValidator } from './gateway/runtime/output-validator.js';
import { RuntimePool } from './gateway/runtime/runtime-pool.js';
import { BwrapSandbox } from './gateway/runtime/sandbox/bwrap-sandbox.js';
import type { Sandbox } from './gateway/runtime/sandbox/sandbox.js';
import { UnconfinedSandbox } from './gateway/runtime/sandbox/unconfined-sandbox.js';
import { SkillUnpacker } from './gateway/runtime/unpacker.js';
import { EgressProxy } from './gateway/runtime/egress/egress-proxy.js';
import type { Logger } from 'pino';
import path from 'node:path';

export type { AppDependencies } from './domain/services.js';

/**
 * The composition root: builds the HTTP app from explicit dependencies. Tests build as many isolated
 * instances as they like in one process; `server.ts` wires the real ones from the environment.
 */
export function createApp(deps: AppDependencies): {
  app: Express;
  /** What the HTTP server runs: npm's hot reads first (./http/hot-reads.ts), express for the rest. */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  services: Services;
  /** Stops the skill processes and writes what is still queued (audit rows); the database stays open. */
  close: () => Promise<void>;
} {
  const services = createServices(deps);
  const { gateway } = deps.config;
  const limits: RuntimeLimits = { ...DEFAULT_RUNTIME_LIMITS, ...gateway.skill };
  const sandbox: Sandbox =
    gateway.sandbox === 'none'
      ? new UnconfinedSandbox(limits)
      : new BwrapSandbox({ limits, uidBase: gateway.sandboxUidBase });
  logSandbox(sandbox, deps.logger);
  const runtime = new RuntimePool(
    new SkillUnpacker(path.join(deps.config.dataDir, 'runtime', 'skills'), deps.blobs),
    sandbox,
    limits,
    outputValidator(services.schemas),
    deps.logger,
    // Unconfined skills have the host's network; a proxy would only pretend to hold them.
    gateway.sandbox === 'none'
      ? null
      : new EgressProxy({
          root: path.join(deps.config.dataDir, 'runtime', 'egress'),
          logger: deps.logger,
          allowLoopback: gateway.egressAllowLoopback,
        }),
    // What an MCP server lists is kept per version for the skill page and `skill info`.
    services.provides,
    services.metrics,
  );
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');
  app.use(
    pinoHttp({
      logger: deps.logger,
      autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'info' : 'debug',
      serializers: { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url }) },
    }),
  );
  app.use(healthRoutes(services, () => sandbox.report()));
  // Only under AEROSTACK_METRICS=1 (else a 404 like any unknown path); its bearer is no user token.
  if (services.metrics.enabled) app.use(metricsRoutes(services.metrics, deps.config.metrics.token));
  // The gateway authenticates with workspace tokens (mwt_), not user tokens: it comes first. It
  // checks Host and Origin, then the token, and only then reads the body, with its own limit.
  app.use(
    gatewayRoutes(
      {
        workspaces: services.workspaces,
        secrets: services.secrets,
        tokens: services.workspaceTokens,
        audit: services.audit,
        pool: runtime,
        schemas: services.schemas,
        limiter: new RateLimiter(services.limiters, {
          workspacePerMinute: gateway.workspaceRateLimitPerMinute,
          authFailuresPerMinute: gateway.authFailuresPerMinute,
        }),
        logger: deps.logger,
        version: GATEWAY_VERSION,
        metrics: services.metrics,
      },
      {
        publicUrl: deps.config.publicUrl,
        allowedHosts: gateway.allowedHosts,
        allowedOrigins: gateway.allowedOrigins,
        bodyLimitBytes: gateway.bodyLimitBytes,
      },
    ),
  );
  // A workspace's Agent Skills index and archives take the gateway's mwt_ token: before the aer_ check too.
  app.use(
    workspaceSkillsIndexRoutes(services, {
      publicUrl: deps.config.publicUrl,
      allowedHosts: gateway.allowedHosts,
      allowedOrigins: gateway.allowedOrigins,
    }),
  );
  // Before any body is read: a bad token is refused without reading it, and only a signed-in
  // publisher is allowed the big body (below).
  app.use(authenticate(services.userTokens));
  // The aerostack CLI (`npm install -g aerostack`): before the body parsers, so that publishing the
  // reserved name is refused without reading a tarball-sized body.
  app.use(servedCliRoutes(services));
  // A publish carries the tarball base64-encoded in JSON: 4/3 of the tarball limit, plus the metadata.
  // Every other body (login, API calls) gets the small limit: a 14 MB login body is only an attack.
  app.use(
    jsonBodies({
      publishLimit: Math.ceil((deps.config.limits.maxTarballBytes * 4) / 3) + 1024 * 1024,
      apiLimit: deps.config.http.bodyLimitBytes,
    }),
  );
  app.use(accountRoutes(services));
  app.use(accountSecurityRoutes(services));
  app.use(tokenRoutes(services));
  app.use(searchRoutes(services));
  app.use(mcpRegistryRoutes(services));
  app.use(agentSkillsIndexRoutes(services));
  app.use(skillRoutes(services));
  app.use(teamRoutes(services));
  app.use(joinPageRoutes(services));
  // The admin dashboard (cookie sessions, read by its own routes only); before the package routes.
  app.use(dashboardRoutes(services));
  app.use(workspaceRoutes(services));
  app.use(distTagRoutes(services));
  app.use(packageRoutes(services));
  // A browser gets the dashboard's HTML 404 and error pages; API clients and npm the JSON `{ error }`.
  const pages = browserErrorPages(services);
  app.use(pages.notFound);
  app.use(notFoundHandler);
  app.use(retryAfter);
  app.use(pages.errors);
  app.use(errorHandler(deps.logger));
  const hot = hotReads(services.cachedReads, deps.logger);
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    if (!hot(req, res)) app(req, res);
  };
  return {
    app,
    // Counted only when metrics are on: otherwise the hot reads pay nothing for them.
    handler: services.metrics.enabled ? countRequests(serve, services.metrics) : serve,
    services,
    close: async () => {
      await runtime.close();
      await services.audit.flush();
      await services.accountMail.flush();
      await services.changeEpoch.close();
    },
  };
}

/** Once the sandbox is checked: which limits are in force, or loudly why skills cannot run or are unconfined. */
function logSandbox(sandbox: Sandbox, logger: Logger): void {
  void sandbox.report().then((r) => {
    if (r.status === 'ok') logger.info({ sandbox: r.mode, limits: r.limits }, 'skill sandbox ready');
    else if (r.status === 'unconfined')
      logger.warn({ sandbox: r.mode, limits: r.limits }, r.reason ?? 'skills run unconfined');
    else
      logger.error(
        { sandbox: r.mode },
        `skills cannot run: ${r.reason} (AEROSTACK_SANDBOX=none runs them unconfined, for a trusted single-team install only)`,
      );
  });
}
