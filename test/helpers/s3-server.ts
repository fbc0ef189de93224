import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

export interface S3TestServer {
  endpoint: string;
  port: number;
  bucket: string;
  /** s3rver's data directory (stays the same path across restarts). */
  dir: string;
  /** Simulates an outage that loses the data: closes the listener and every open connection, then deletes `dir`. */
  stop(): Promise<void>;
  /** Listens again on the same port (so configured clients recover), recreating `dir` and the bucket if needed. */
  restart(): Promise<void>;
  /** An outage that keeps the data, as a real S3 outage does. */
  down(): Promise<void>;
  /** Back after `down()`, on the same port. */
  up(): Promise<void>;
  /** Shuts it down for good and deletes `dir`. */
  close(): Promise<void>;
}

/** Credentials s3rver accepts out of the box. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A real S3-over-HTTP server (s3rver) on 127.0.0.1 with one bucket, for tests. */
export async function startS3Server(opts: { port?: number; bucket?: string } = {}): Promise<S3TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const bucket = opts.bucket ?? 'test-bucket';
  let server: S3rver | undefined;
  let port = opts.port ?? 0;

  const listen = async () => {
    if (server) return;
    await mkdir(dir, { recursive: true });
    // s3rver closes its logger when its HTTP server closes, so each (re)start needs a fresh instance.
    const s = new S3rver({
      address: '127.0.0.1',
      port,
      silent: true,
      directory: dir,
      configureBuckets: [{ name: bucket }],
    });
    port = (await s.run()).port;
    server = s;
  };

  const close = async () => {
    const s = server;
    server = undefined;
    if (!s?.httpServer) return;
    const closed = s.close();
    // close() alone waits for keep-alive sockets held by SDK clients; an outage should cut them.
    s.httpServer.closeAllConnections();
    await closed;
  };

  await listen();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    bucket,
    dir,
    async stop() {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await close();
      await listen();
    },
    down: close,
    up: listen,
    async close() {
      await close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
