import type { Logger } from 'pino';
import type { RegistryConfig } from '../config.js';
import type { Db } from '../db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import type { Clock } from './clock.js';
import type { Mailer } from '../mail/mailer.js';
import { AccessControl } from './access/access-control.js';
import { Accounts } from './accounts/accounts.js';
import { UserTokens } from './accounts/user-tokens.js';
import { SkillReads } from './packages/skill-reads.js';
import { SkillChanges } from './packages/skill-changes.js';
import type { PublishDeps } from './packages/publish.js';
import { SkillSearch } from './packages/search.js';
import { PackageDocuments } from './packages/package-documents.js';
import { SERVED_CLI_TARBALL, ServedCli } from './packages/served-cli.js';
import { MemberSkills } from './packages/skill-list.js';
import { SkillProvidesService } from './packages/skill-provides.js';
import { Readiness } from './readiness.js';
import { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import { Teams } from './teams/teams.js';
import { AuditLog, actorLabel } from './audit/audit-log.js';
import { Workspaces } from './workspaces/workspaces.js';
import { WorkspaceTokens } from './workspaces/workspace-tokens.js';
import { WorkspaceSecrets } from './workspaces/workspace-secrets.js';
import { loadSecretKey, type SecretBox } from './workspaces/secret-box.js';
import { CachedReads } from './cache/cached-reads.js';
import { watchChangeEpoch, type ChangeEpoch } from '../db/change-epoch.js';
import { countingRefusals, limiterStore, type LimiterStore } from './throttle/limiter-store.js';
import { createThrottles, type Throttles } from './throttle/throttles.js';
import { AccountCodes } from './accounts/account-codes.js';
import { EmailVerification } from './accounts/email-verification.js';
import { Passwords } from './accounts/passwords.js';
import { BackgroundMail } from '../mail/background-mail.js';
import { TarballDigests } from './discovery/tarball-digests.js';
import { McpServers } from './discovery/mcp-servers.js';
import { AgentSkillsIndexes } from './discovery/agent-skills-index.js';
import { GATEWAY_VERSION } from '../gateway/gateway-version.js';
import cluster from 'node:cluster';
import { pgPool } from '../db/connect.js';
import type { Metrics } from '../metrics/metrics.js';
import { createMetrics } from '../metrics/prom-metrics.js';

/** The explicit dependencies everything is built from; nothing lives in module-level singletons. */
export interface AppDependencies {
  config: RegistryConfig;
  db: Db;
  blobs: BlobStore;
  mailer: Mailer;
  clock: Clock;
  logger: Logger;
}

export interface Services {
  deps: AppDependencies;
  access: AccessControl;
  accounts: Accounts;
  userTokens: UserTokens;
  reads: SkillReads;
  changes: SkillChanges;
  teams: Teams;
  audit: AuditLog;
  workspaces: Workspaces;
  workspaceTokens: WorkspaceTokens;
  secrets: WorkspaceSecrets;
  publishDeps: PublishDeps;
  search: SkillSearch;
  memberSkills: MemberSkills;
  readiness: Readiness;
  /** Compiles the JSON Schemas of skills (publish checks them; the gateway checks arguments with them). */
  schemas: SchemaCompiler;
  /** What committed changes the read caches have to respect. */
  changeEpoch: ChangeEpoch;
  cachedReads: CachedReads;
  /** Where rate-limit counters live: Postgres (shared by every instance) or this process's memory. */
  limiters: LimiterStore;
  /** Per account and per client address: sign-in, forgot-password and verification resend. */
  throttles: Throttles;
  /** Mailed verification links; an unverified account joins no email-bound invitation. */
  verification: EmailVerification;
  /** Forgot, reset and change; each reset or change signs out every session. */
  passwords: Passwords;
  /** Account mail sent off the request's path (flushed at shutdown). */
  accountMail: BackgroundMail;
  /** The aerostack CLI, served as the unscoped npm package `aerostack`. */
  servedCli: ServedCli;
  /** The MCP Registry read API (`/v0.1/servers`): mcp skills and the caller's workspaces as server.json. */
  mcpServers: McpServers;
  /** The Agent Skills well-known indexes: the registry's public ones and a workspace's installed ones. */
  agentSkillsIndexes: AgentSkillsIndexes;
  /** What /metrics reports (AEROSTACK_METRICS); a no-op when off. */
  metrics: Metrics;
  /** What each version provides (tools, SKILL.md, files, declared secrets and hosts). */
  provides: SkillProvidesService;
}

export function createServices(deps: AppDependencies): Services {
  const { db, blobs, clock, config, logger, mailer } = deps;
  const access = new AccessControl(db);
  const schemas = new SchemaCompiler();
  const reads = new SkillReads(db, access, blobs, config.publicUrl);
  const userTokens = new UserTokens(db, clock, config.accounts.sessionDays);
  // One per app, never a module-level singleton: tests build many apps in one process.
  const metrics = createMetrics(config.metrics.enabled, { pool: pgPool(db) ?? null, clusterWorker: cluster.isWorker });
  const limiters = metrics.enabled
    ? countingRefusals(limiterStore(db), (l) => metrics.rateLimited(l))
    : limiterStore(db);
  const throttles = createThrottles(limiters, config.accounts);
  const changeEpoch = watchChangeEpoch(db);
  const audit = new AuditLog(db, clock);
  const workspaces = new Workspaces(db, access, reads, audit, clock);
  const workspaceTokens = new WorkspaceTokens(
    db,
    access,
    workspaces,
    audit,
    clock,
    config.gateway.rateLimitPerMinute,
    changeEpoch,
    metrics,
  );
  // Loaded on first use, once: server.ts asks for it at start-up, so a bad key file stops the start.
  let box: Promise<SecretBox> | undefined;
  const secretBox = () =>
    (box ??= loadSecretKey({ fromEnv: config.secretKey ?? undefined, dataDir: config.dataDir }).then((k) => k.box));
  const teams = new Teams({
    db,
    access,
    mailer,
    clock,
    logger,
    publicUrl: config.publicUrl,
    // A member who leaves or is removed loses the workspace tokens bound to them, and it is audited.
    onMemberChange: async (e) => {
      if (e.action === 'member_removed' || e.action === 'member_left')
        await workspaceTokens.revokeForMember(e.namespace, e.user.id);
      await audit.record({
        namespace: e.namespace,
        actorUserId: e.actor.id,
        actor: actorLabel(e.actor.username, e.namespace),
        action: e.action,
        // The audit table's DETAIL: who, by email (`bob@acme.com`), and for a role change the roles.
        detail: e.roles ? `${e.user.email}: ${e.roles.from} → ${e.roles.to}` : e.user.email,
      });
    },
  });
  const accountMail = new BackgroundMail(mailer, logger, throttles.mailsPerRecipient);
  const codes = new AccountCodes(db, clock);
  const verification = new EmailVerification({
    db,
    clock,
    codes,
    mail: accountMail,
    publicUrl: config.publicUrl,
    resendThrottle: throttles.verificationResend,
  });
  const accounts = new Accounts(db, clock, throttles.signIn, (user) => verification.mailLink(user));
  const digests = new TarballDigests(blobs);
  return {
    deps,
    access,
    accounts,
    userTokens,
    reads,
    changes: new SkillChanges({
      db,
      blobs,
      access,
      reads,
      clock,
      unpublishWindowMs: config.limits.unpublishWindowMs,
      onBlobOrphaned: (key, err) => logger.warn({ key, err }, 'could not delete an unpublished blob; gc will retry'),
    }),
    teams,
    audit,
    workspaces,
    workspaceTokens,
    secrets: new WorkspaceSecrets(db, workspaces, secretBox, audit, clock),
    publishDeps: { db, blobs, access, clock, limits: config.limits, schemas },
    search: new SkillSearch(db, access),
    servedCli: new ServedCli({ tarball: SERVED_CLI_TARBALL, publicUrl: config.publicUrl, access }),
    mcpServers: new McpServers(db, access, digests, config.publicUrl, GATEWAY_VERSION),
    agentSkillsIndexes: new AgentSkillsIndexes(db, access, reads, digests, config.publicUrl),
    memberSkills: new MemberSkills(db, access),
    readiness: new Readiness(db, blobs),
    schemas,
    changeEpoch,
    cachedReads: new CachedReads({
      epoch: changeEpoch,
      userTokens,
      reads,
      documents: new PackageDocuments(reads),
      clock,
      tarballCacheBytes: config.tarballCacheMb * 1024 * 1024,
      metrics,
    }),
    limiters,
    throttles,
    verification,
    passwords: new Passwords({
      db,
      clock,
      accounts,
      codes,
      mail: accountMail,
      audit,
      publicUrl: config.publicUrl,
      forgotThrottle: throttles.passwordReset,
    }),
    accountMail,
    metrics,
    provides: new SkillProvidesService(db, reads, clock),
  };
}
