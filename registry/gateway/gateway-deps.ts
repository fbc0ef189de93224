import type { Logger } from 'pino';
import type { AuditLog } from '../domain/audit/audit-log.js';
import type { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import type { WorkspaceTokens } from '../domain/workspaces/workspace-tokens.js';
import type { Workspaces } from '../domain/workspaces/workspaces.js';
import type { WorkspaceSecrets } from '../domain/workspaces/workspace-secrets.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RuntimePool } from './runtime/runtime-pool.js';
import type { Metrics } from '../metrics/metrics.js';

/** What the gateway is built from (app.ts, the composition root, passes them in). */
export interface GatewayDeps {
  workspaces: Workspaces;
  /** Where the secrets a skill declares come from (values only ever go to its process). */
  secrets: WorkspaceSecrets;
  tokens: WorkspaceTokens;
  audit: AuditLog;
  pool: RuntimePool;
  /** Compiles tools' input schemas, to check every call's arguments. */
  schemas: SchemaCompiler;
  limiter: RateLimiter;
  logger: Logger;
  version: string;
  /** Counts tool calls by workspace, skill and outcome, and the catalogue cache's lookups. */
  metrics: Metrics;
}
