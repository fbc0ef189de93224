import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { createMailer } from './mail/index.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import { clusterPlan, runPrimary, workerId } from './cluster.js';
import { openBackends, startRegistry } from './server.js';
import { collectWhenIdle } from './idle-gc.js';
import { collectGarbage, formatGcReport, parseGcArgs } from './maintenance/gc.js';
import path from 'node:path';

/** `aerostack-registry [serve|migrate|gc]`: the registry server's entry point. */
async function main(argv: string[]): Promise<number> {
  const command = argv[0] ?? 'serve';
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig();
  // gc prints its report on stdout; its logs go to stderr so the two never mix.
  const logger = createLogger(config, command === 'gc' ? 2 : 1);
  switch (command) {
    case 'serve': {
      const plan = clusterPlan(config);
      if (plan.warning) logger.warn(plan.warning);
      if (plan.primary) {
        await runPrimary(config, logger);
        return -1;
      }
      // With no SMTP, each link a mail carries (join, verification, reset) is printed as a plain line
      // of its own, whatever the log format, for whoever runs the registry to pass on.
      const mailer = createMailer(config, { announce: (line) => process.stderr.write(`${line}\n`) });
      const registry = await startRegistry(config, { logger, mailer });
      // A serving process (the tests' in-process registries are not): memory back once it goes quiet.
      collectWhenIdle(registry.server);
      // Under AEROSTACK_WORKERS the primary says it once, for all of them.
      if (workerId() === null)
        logger.info(
          {
            url: registry.url,
            publicUrl: config.publicUrl,
            database: config.databaseUrl ? 'postgres' : 'pglite',
            storage: config.s3 ? 's3' : 'filesystem',
          },
          `Aerostack registry listening on ${registry.url}`,
        );
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        registry.close().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
      return -1;
    }
    case 'migrate': {
      const db = await openDatabase({
        url: config.databaseUrl,
        pgliteDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite'),
      });
      const applied = await migrateToLatest(db);
      await db.destroy();
      process.stdout.write(applied.length ? `✓ Applied ${applied.join(', ')}\n` : '✓ Database is up to date\n');
      return 0;
    }
    case 'gc': {
      let opts;
      try {
        opts = parseGcArgs(argv.slice(1));
      } catch (err) {
        process.stderr.write(`✗ ${(err as Error).message}\n${USAGE}`);
        return 2;
      }
      const { db, blobs } = await openBackends(config, logger);
      try {
        const report = await collectGarbage(db, blobs, opts);
        process.stdout.write(formatGcReport(report));
        return 0;
      } catch (err) {
        process.stderr.write(`✗ Garbage collection failed: ${(err as Error).message}\n`);
        return 1;
      } finally {
        await db.destroy();
        await blobs.close?.();
      }
    }
    default:
      process.stderr.write(`✗ Unknown command "${command}"\n${USAGE}`);
      return 2;
  }
}

const USAGE = `Usage: aerostack-registry [serve|migrate|gc]
  serve     run the registry (default); configuration from the environment, see README
  migrate   apply database migrations and exit
  gc        remove tarball blobs no published version references, and stale upload leftovers
              --grace-seconds N   keep blobs written in the last N seconds (default 3600), so
                                  publishes in flight are never collected
              --dry-run           print what would be removed, remove nothing
            With the embedded PGlite database, stop the server first (PGlite is single-process).
`;

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`✗ ${err.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`✗ Start-up failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
