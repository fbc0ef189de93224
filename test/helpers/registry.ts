import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig, type RegistryConfig, type RegistryLimits } from '@aerostack/registry/config.js';
import { PGlite } from '@electric-sql/pglite';
import { kyselyOnPglite, openDatabase, pgliteOptions } from '@aerostack/registry/db/connect.js';
import { migrateToLatest } from '@aerostack/registry/db/migrate.js';
import type { Db } from '@aerostack/registry/db/schema.js';
import type { Clock } from '@aerostack/registry/domain/clock.js';
import { startRegistry, type RunningRegistry } from '@aerostack/registry/server.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { FsBlobStore } from '@aerostack/storage/fs-blob-store.js';
import { S3BlobStore } from '@aerostack/storage/s3-blob-store.js';
import { S3RVER_CREDENTIALS, type S3TestServer } from './s3-server.js';

/** Set TEST_DATABASE_URL (as .ci/run does) to run the database-facing tests against a real Postgres. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || null;
export const databaseKind = TEST_DATABASE_URL ? 'postgres' : 'pglite';

let template: Promise<Blob> | undefined;

/**
 * PGlite's initdb takes seconds; migrating one database per test process and loading a copy of its
 * files for every registry takes well under one.
 */
function migratedTemplate(): Promise<Blob> {
  return (template ??= (async () => {
    const pglite = await PGlite.create(await pgliteOptions());
    const db = kyselyOnPglite(pglite);
    await migrateToLatest(db);
    const dump = await pglite.dumpDataDir('none');
    await db.destroy();
    return dump;
  })());
}

/** A fresh, isolated database: in-memory PGlite, or its own schema on the real server. */
export async function openTestDatabase(): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (!TEST_DATABASE_URL) {
    const db = kyselyOnPglite(
      await PGlite.create({ ...(await pgliteOptions()), loadDataDir: await migratedTemplate() }),
    );
    // Still run the migrator: it must find nothing to do on a migrated copy.
    await migrateToLatest(db);
    return { db, drop: () => db.destroy() };
  }
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = await openDatabase({ url: TEST_DATABASE_URL, pgliteDir: null, schema, poolSize: 20 });
  await migrateToLatest(db);
  return {
    db,
    drop: async () => {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(db);
      await db.destroy();
    },
  };
}

export interface TestRegistry extends RunningRegistry {
  config: RegistryConfig;
  clock: MutableClock;
}

export interface MutableClock extends Clock {
  /** Moves time forward for the registry (token expiry, unpublish window…). */
  advance(ms: number): void;
}

export function mutableClock(): MutableClock {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

/** Starts an isolated registry on a free loopback port, with an in-process database and blob store. */
export async function startTestRegistry(
  opts: {
    s3?: S3TestServer;
    limits?: Partial<RegistryLimits>;
    blobs?: BlobStore;
    env?: Record<string, string>;
    /** Every log line the registry writes (at debug level) is pushed here, as written. */
    logs?: string[];
  } = {},
): Promise<TestRegistry> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'aerostack-test-'));
  // The port is chosen before start-up because tarball URLs in packuments are built from PUBLIC_URL.
  const port = await freePort();
  const base = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    AEROSTACK_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const { db, drop } = await openTestDatabase();
  const blobs: BlobStore =
    opts.blobs ??
    (opts.s3
      ? new S3BlobStore({
          endpoint: opts.s3.endpoint,
          bucket: opts.s3.bucket,
          region: 'us-east-1',
          forcePathStyle: true,
          ...S3RVER_CREDENTIALS,
        })
      : new FsBlobStore(path.join(dataDir, 'tarballs')));
  const clock = mutableClock();
  const config: RegistryConfig = { ...base, limits: { ...base.limits, ...opts.limits } };
  const running = await startRegistry(config, {
    logger: opts.logs
      ? pino({ level: 'debug' }, { write: (line: string) => void opts.logs!.push(line) })
      : pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    clock,
    db,
    blobs,
  });
  const close = async () => {
    await new Promise<void>((resolve) => {
      running.server.close(() => resolve());
      running.server.closeAllConnections();
    });
    await running.stopRuntime();
    await blobs.close?.();
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  return { ...running, close, config, clock };
}

/**
 * Another instance of `r`'s registry — same database, blob store and clock, its own port and its own
 * caches — as a second replica behind a load balancer would be. Closing it leaves `r` running.
 */
export async function startSecondInstance(
  r: TestRegistry,
  overrides: Partial<RegistryConfig> = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const other = await startRegistry(
    { ...r.config, port: 0, ...overrides },
    { db: r.db, blobs: r.blobs, clock: r.clock, logger: pino({ level: 'silent' }) },
  );
  return {
    url: other.url,
    close: async () => {
      await other.stopRuntime();
      await new Promise<void>((resolve) => {
        other.server.close(() => resolve());
        other.server.closeAllConnections();
      });
    },
  };
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}
