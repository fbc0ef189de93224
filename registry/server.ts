import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { RegistryConfig } from './config.js';
import { createApp } from './app.js';
import { ConfigError } from './config.js';
import { openDatabase } from './db/connect.js';
import { migrateToLatest } from './db/migrate.js';
import type { Db } from './db/schema.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { createBlobStore } from '@aerostack/storage';
import { S3BlobStore } from '@aerostack/storage/s3-blob-store.js';
import { createMailer } from './mail/index.js';
import type { Mailer } from './mail/mailer.js';

export interface RunningRegistry {
  url: string;
  server: http.Server;
  db: Db;
  blobs: BlobStore;
  /** Stops the skill processes and flushes queued audit rows (part of close(); tests that own the database call it alone). */
  stopRuntime(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the configured database (migrated) and blob store. */
export async function openBackends(config: RegistryConfig, logger: Logger): Promise<{ db: Db; blobs: BlobStore }> {
  const db = await openDatabase({
    url: config.databaseUrl,
    pgliteDir: config.databaseUrl ? null : path.join(config.dataDir, 'pglite'),
    onPoolError: (err) => logger.warn({ err }, 'database connection lost; it will be replaced'),
  });
  const applied = await migrateToLatest(db);
  if (applied.length) logger.info({ migrations: applied }, 'database migrated');
  const blobs = config.s3
    ? createBlobStore({ kind: 's3', ...config.s3 })
    : createBlobStore({ kind: 'fs', dir: path.join(config.dataDir, 'tarballs') });
  if (blobs instanceof S3BlobStore) {
    await blobs
      .ensureBucket()
      .catch((err: Error) => logger.warn({ err: err.message }, 'could not check the S3 bucket at start-up'));
  }
  return { db, blobs };
}

/** Starts a registry: backends from `config` unless given, listening on `config.host:config.port`. */
export async function startRegistry(
  config: RegistryConfig,
  opts: { logger?: Logger; clock?: Clock; db?: Db; blobs?: BlobStore; mailer?: Mailer } = {},
): Promise<RunningRegistry> {
  const logger = opts.logger ?? pino({ level: config.logLevel });
  const backends = opts.db && opts.blobs ? { db: opts.db, blobs: opts.blobs } : await openBackends(config, logger);
  const mailer = opts.mailer ?? createMailer(config);
  const {
    handler,
    services,
    close: closeApp,
  } = createApp({
    config,
    ...backends,
    mailer,
    clock: opts.clock ?? systemClock,
    logger,
  });
  // The secret key is read (or made, for an embedded install) now: a key file others can read stops
  // the start with one line, rather than failing the first secret set later.
  await services.secrets.ready().catch(async (err: Error) => {
    await closeApp();
    throw new ConfigError(err.message);
  });
  const { requestTimeoutMs, maxConnections } = config.http;
  // Slow clients: headers within 60 s, the whole request (a 16 MB publish on a slow link) within
  // AEROSTACK_REQUEST_TIMEOUT_MS, else a 408 (clientError below). Node checks these on a timer;
  // every 5 s rather than its 30, so a slow-loris connection is gone soon after its deadline.
  const headersTimeout = Math.min(60_000, requestTimeoutMs);
  const server = http.createServer(
    { requestTimeout: requestTimeoutMs, headersTimeout, connectionsCheckingInterval: Math.min(5_000, headersTimeout) },
    handler,
  );
  server.keepAliveTimeout = 65_000;
  // Past this many open connections Node closes new ones as they arrive: memory and descriptors
  // stay bounded however many sockets a client opens. Said in the log, at most once a minute.
  server.maxConnections = maxConnections;
  let lastDropLog = 0;
  server.on('drop', () => {
    if (Date.now() - lastDropLog < 60_000) return;
    lastDropLog = Date.now();
    logger.warn({ maxConnections }, 'connection refused: AEROSTACK_MAX_CONNECTIONS connections are open');
  });
  // Requests Node's HTTP parser refuses (headers over the limit, bad framing, control characters)
  // never reach express; answer them with the same JSON `{error}` instead of Node's empty body.
  server.on('clientError', (err: NodeJS.ErrnoException & { reason?: string }, socket) => {
    const inFlight = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
    const [status, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, `Request headers are too large (limit ${http.maxHeaderSize} bytes)`]
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'Chunk extensions are too large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'The request took too long to arrive']
            : [400, `Malformed HTTP request${err.reason ? `: ${String(err.reason).slice(0, 100)}` : ''}`];
    const body = JSON.stringify({ error: message });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // Requests still running after 10 s are cut so shutdown always finishes.
        setTimeout(() => server.closeAllConnections(), 10_000).unref();
      });
      await closeApp();
      await backends.db.destroy();
      await backends.blobs.close?.();
      mailer.close?.();
    })());
  return { url, server, ...backends, stopRuntime: closeApp, close };
}
