import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_TARBALL_LIMITS, UNPUBLISH_WINDOW_MS, type TarballLimits } from '@aerostack/contract/limits.js';
import type { RuntimeLimits } from './gateway/runtime/limits.js';
import { parseHost, parseOrigin } from './http/host-header.js';

/** Everything the registry reads from its environment, validated once at start-up. */
export interface RegistryConfig {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  s3: S3Config | null;
  smtpUrl: string | null;
  mailFrom: string;
  logLevel: string;
  /** LOG_FORMAT: `pretty` (pino-pretty) or `json`; null: pretty on a terminal, JSON otherwise (registry/logger.ts). */
  logFormat: LogFormat | null;
  limits: RegistryLimits;
  gateway: GatewayConfig;
  /** Memory for verified copies of small tarballs (npm's hot read); 0 turns the copies off. */
  tarballCacheMb: number;
  /** The HTTP server's bounds: bodies, connections, slow clients. */
  http: HttpConfig;
  /** AEROSTACK_SECRET_KEY: seals workspace secrets; null makes (or reads) `secret.key` in the data dir. */
  secretKey: string | null;
  /** Sign-in throttling and session lifetime (registry/domain/throttle/, accounts/user-tokens.ts). */
  accounts: AccountsConfig;
  /**
   * AEROSTACK_WORKERS: HTTP worker processes on one port (registry/cluster.ts), `auto` being one per
   * CPU. Only with DATABASE_URL: the embedded PGlite lives in one process.
   */
  workers: number;
  /** `/metrics` (registry/metrics): off unless AEROSTACK_METRICS=1. */
  metrics: MetricsConfig;
}

export interface MetricsConfig {
  enabled: boolean;
  /** AEROSTACK_METRICS_TOKEN: a scraper sending it as a bearer is served from any address; null: loopback only. */
  token: string | null;
}

export interface AccountsConfig {
  /** Sessions (login, signup, npm adduser) expire after this many days without use. */
  sessionDays: number;
  /** Failed sign-ins per account within an hour before it is locked out. */
  loginAttempts: number;
  /** Failed sign-ins from one client address within an hour before it is locked out. */
  loginAddressAttempts: number;
  /** The first lockout; each further one within a day doubles, up to an hour. */
  loginLockoutSeconds: number;
}

export interface HttpConfig {
  /** AEROSTACK_BODY_LIMIT_BYTES: every JSON body but npm publish's (which is sized from the tarball limit). */
  bodyLimitBytes: number;
  /** AEROSTACK_MAX_CONNECTIONS: open connections past this are closed as they arrive. */
  maxConnections: number;
  /** AEROSTACK_REQUEST_TIMEOUT_MS: a whole request (a big publish on a slow link included) must arrive within it. */
  requestTimeoutMs: number;
}

export interface GatewayConfig {
  /** AEROSTACK_GATEWAY_BODY_LIMIT_BYTES: one MCP message. */
  bodyLimitBytes: number;
  /** AEROSTACK_ALLOWED_HOSTS (`name` or `name:port`); null: PUBLIC_URL's host and loopback. */
  allowedHosts: string[] | null;
  /** AEROSTACK_ALLOWED_ORIGINS; null: PUBLIC_URL's origin and loopback's on the listening port. */
  allowedOrigins: string[] | null;
  /** Requests per minute per workspace token. */
  rateLimitPerMinute: number;
  /** Requests per minute per workspace, whatever the token. */
  workspaceRateLimitPerMinute: number;
  /** Failed authentications (unknown, revoked, expired mwt_) per minute per client address. */
  authFailuresPerMinute: number;
  /** `bwrap`: skills run in bubblewrap namespaces (refused when that cannot start); `none`: unconfined. */
  sandbox: 'bwrap' | 'none';
  /** First host uid of skill processes when the registry runs as root. */
  sandboxUidBase: number;
  /** What each skill process may use (the start-up timeout is fixed). */
  skill: Omit<RuntimeLimits, 'startTimeoutMs'>;
  /**
   * Test-only (AEROSTACK_EGRESS_ALLOW_LOOPBACK): the egress proxy may reach 127.0.0.1 and ::1, so a
   * test can stand up the "remote" host a skill calls. Never set it on a real registry.
   */
  egressAllowLoopback: boolean;
}

export interface S3Config {
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
}

export interface RegistryLimits extends TarballLimits {
  /** Versions may be unpublished only this long after they were published (npm: 72 hours). */
  unpublishWindowMs: number;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Raised for a bad variable; its message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`,
  );

const decimalIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a number such as 1 or 0.5')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** A comma-separated list, each item normalized by `item` (null: not one of `what`). */
const list = (item: (v: string) => string | null, what: string) =>
  z.string().transform((v, ctx) => {
    const items = v.split(',').map((i) => i.trim());
    const out = items.filter(Boolean).map((i) => [i, item(i)] as const);
    const bad = out.find(([, parsed]) => parsed === null);
    if (bad || out.length === 0) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated list of ${what}` });
      return z.NEVER;
    }
    return out.map(([, parsed]) => parsed!);
  });

const envSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: intIn(0, 65535).default(4870),
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  AEROSTACK_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  S3_ENDPOINT: url(['http:', 'https:']).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name')
    .optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  SMTP_URL: url(['smtp:', 'smtps:']).optional(),
  MAIL_FROM: z.string().min(3).default('Aerostack <no-reply@localhost>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z
    .enum(LOG_FORMATS, { error: 'must be "json" or "pretty" (unset: pretty on a terminal, JSON otherwise)' })
    .optional(),
  AEROSTACK_MAX_TARBALL_BYTES: intIn(1024, 1024 ** 3).default(DEFAULT_TARBALL_LIMITS.maxTarballBytes),
  AEROSTACK_MAX_UNPACKED_BYTES: intIn(1024, 4 * 1024 ** 3).default(DEFAULT_TARBALL_LIMITS.maxUnpackedBytes),
  AEROSTACK_MAX_ENTRIES: intIn(1, 1_000_000).default(DEFAULT_TARBALL_LIMITS.maxEntries),
  AEROSTACK_GATEWAY_RATE_LIMIT: intIn(1, 1_000_000).default(120),
  AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT: intIn(1, 10_000_000).default(600),
  AEROSTACK_GATEWAY_AUTH_FAILURES: intIn(1, 1_000_000).default(30),
  AEROSTACK_SESSION_DAYS: intIn(1, 3650).default(30),
  AEROSTACK_LOGIN_ATTEMPTS: intIn(1, 10_000).default(10),
  AEROSTACK_LOGIN_ADDRESS_ATTEMPTS: intIn(1, 1_000_000).default(100),
  AEROSTACK_LOGIN_LOCKOUT_SECONDS: intIn(1, 86_400).default(60),
  AEROSTACK_SKILL_TIMEOUT_MS: intIn(100, 600_000).default(10_000),
  AEROSTACK_SKILL_MEMORY_MB: intIn(16, 16_384).default(128),
  AEROSTACK_SKILL_CONCURRENCY: intIn(1, 1000).default(8),
  AEROSTACK_SKILL_MAX_OUTPUT_BYTES: intIn(1024, 256 * 1024 * 1024).default(1024 * 1024),
  AEROSTACK_SKILL_IDLE_MS: intIn(1000, 86_400_000).default(300_000),
  AEROSTACK_SANDBOX: z.enum(['bwrap', 'none'], { error: 'must be "bwrap" (the default) or "none"' }).default('bwrap'),
  AEROSTACK_SANDBOX_UID_BASE: intIn(1000, 4_000_000_000).default(2_000_000_000),
  AEROSTACK_SKILL_MAX_PROCESSES: intIn(16, 4096).default(64),
  AEROSTACK_SKILL_CPUS: decimalIn(0.01, 1024).default(1),
  AEROSTACK_SKILL_CPU_SECONDS: intIn(1, 10_000_000).default(3600),
  AEROSTACK_SKILL_TMP_MB: intIn(1, 4096).default(16),
  AEROSTACK_TARBALL_CACHE_MB: intIn(0, 65_536).default(64),
  AEROSTACK_SECRET_KEY: z
    .string()
    .regex(
      /^([0-9a-fA-F]{64}|[A-Za-z0-9+/_-]{43}=?)$/,
      'must be 32 random bytes: 64 hex digits or 44 base64 characters (openssl rand -hex 32)',
    )
    .optional(),
  AEROSTACK_EGRESS_ALLOW_LOOPBACK: bool.default(false),
  AEROSTACK_BODY_LIMIT_BYTES: intIn(1024, 1024 ** 3).default(1024 * 1024),
  AEROSTACK_GATEWAY_BODY_LIMIT_BYTES: intIn(1024, 1024 ** 3).default(1024 * 1024),
  AEROSTACK_MAX_CONNECTIONS: intIn(1, 1_000_000).default(1024),
  AEROSTACK_WORKERS: z
    .union([z.literal('auto'), intIn(1, 256)], {
      error: 'must be a whole number from 1 to 256, or "auto" (one per CPU)',
    })
    .default(1),
  AEROSTACK_REQUEST_TIMEOUT_MS: intIn(1000, 3_600_000).default(300_000),
  AEROSTACK_METRICS: bool.default(false),
  AEROSTACK_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,}$/, 'must be at least 16 printable characters without spaces (openssl rand -hex 32)')
    .optional(),
  AEROSTACK_ALLOWED_HOSTS: list((h) => {
    const host = parseHost(h);
    return host && (host.port === null ? host.hostname : `${host.hostname}:${host.port}`);
  }, 'host names, each with an optional :port').optional(),
  AEROSTACK_ALLOWED_ORIGINS: list(parseOrigin, 'origins such as https://registry.acme.dev').optional(),
});

/** Variables whose value is never echoed in an error, even a wrong one. */
const SECRET_VARIABLES = new Set([
  'AEROSTACK_METRICS_TOKEN',
  'AEROSTACK_SECRET_KEY',
  'S3_SECRET_ACCESS_KEY',
  'DATABASE_URL',
  'SMTP_URL',
]);

/**
 * Reads the configuration from `env`. Throws ConfigError naming the first bad variable, so start-up
 * can print one clear line instead of a stack trace.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0]);
    const got = SECRET_VARIABLES.has(name) ? '' : ` (got ${JSON.stringify(cleaned[name] ?? '')})`;
    throw new ConfigError(`Invalid configuration: ${name} ${issue.message}${got}`);
  }
  const e = parsed.data;
  if (e.S3_BUCKET === undefined && (e.S3_ENDPOINT || e.S3_ACCESS_KEY_ID || e.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid configuration: S3_BUCKET is required when S3_ENDPOINT or S3 credentials are set');
  }
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('Invalid configuration: S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together');
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    dataDir: path.resolve(e.AEROSTACK_DATA_DIR),
    databaseUrl: e.DATABASE_URL ?? null,
    s3: e.S3_BUCKET
      ? {
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          forcePathStyle: e.S3_FORCE_PATH_STYLE,
          ...(e.S3_ENDPOINT ? { endpoint: e.S3_ENDPOINT } : {}),
          ...(e.S3_ACCESS_KEY_ID ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY } : {}),
        }
      : null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT ?? null,
    limits: {
      maxTarballBytes: e.AEROSTACK_MAX_TARBALL_BYTES,
      maxUnpackedBytes: e.AEROSTACK_MAX_UNPACKED_BYTES,
      maxEntries: e.AEROSTACK_MAX_ENTRIES,
      unpublishWindowMs: UNPUBLISH_WINDOW_MS,
    },
    gateway: {
      rateLimitPerMinute: e.AEROSTACK_GATEWAY_RATE_LIMIT,
      workspaceRateLimitPerMinute: e.AEROSTACK_GATEWAY_WORKSPACE_RATE_LIMIT,
      authFailuresPerMinute: e.AEROSTACK_GATEWAY_AUTH_FAILURES,
      sandbox: e.AEROSTACK_SANDBOX,
      sandboxUidBase: e.AEROSTACK_SANDBOX_UID_BASE,
      egressAllowLoopback: e.AEROSTACK_EGRESS_ALLOW_LOOPBACK,
      bodyLimitBytes: e.AEROSTACK_GATEWAY_BODY_LIMIT_BYTES,
      allowedHosts: e.AEROSTACK_ALLOWED_HOSTS ?? null,
      allowedOrigins: e.AEROSTACK_ALLOWED_ORIGINS ?? null,
      skill: {
        callTimeoutMs: e.AEROSTACK_SKILL_TIMEOUT_MS,
        memoryMb: e.AEROSTACK_SKILL_MEMORY_MB,
        maxConcurrentCalls: e.AEROSTACK_SKILL_CONCURRENCY,
        maxOutputBytes: e.AEROSTACK_SKILL_MAX_OUTPUT_BYTES,
        idleMs: e.AEROSTACK_SKILL_IDLE_MS,
        maxProcesses: e.AEROSTACK_SKILL_MAX_PROCESSES,
        cpus: e.AEROSTACK_SKILL_CPUS,
        cpuSeconds: e.AEROSTACK_SKILL_CPU_SECONDS,
        tmpMb: e.AEROSTACK_SKILL_TMP_MB,
      },
    },
    tarballCacheMb: e.AEROSTACK_TARBALL_CACHE_MB,
    secretKey: e.AEROSTACK_SECRET_KEY ?? null,
    http: {
      bodyLimitBytes: e.AEROSTACK_BODY_LIMIT_BYTES,
      maxConnections: e.AEROSTACK_MAX_CONNECTIONS,
      requestTimeoutMs: e.AEROSTACK_REQUEST_TIMEOUT_MS,
    },
    workers: e.AEROSTACK_WORKERS === 'auto' ? os.availableParallelism() : e.AEROSTACK_WORKERS,
    metrics: { enabled: e.AEROSTACK_METRICS, token: e.AEROSTACK_METRICS_TOKEN ?? null },
    accounts: {
      sessionDays: e.AEROSTACK_SESSION_DAYS,
      loginAttempts: e.AEROSTACK_LOGIN_ATTEMPTS,
      loginAddressAttempts: e.AEROSTACK_LOGIN_ADDRESS_ATTEMPTS,
      loginLockoutSeconds: e.AEROSTACK_LOGIN_LOCKOUT_SECONDS,
    },
  };
}
