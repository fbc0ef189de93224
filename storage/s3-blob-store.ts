import type { BucketLocationConstraint, S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { PassThrough, Readable } from 'node:stream';
import ssri from 'ssri';
import { BlobIntegrityError, BlobStoreUnavailableError, type BlobInfo, type BlobStore } from './blob-store.js';
import { assertValidBlobKey, assertValidBlobPrefix } from './blob-key.js';

export interface S3Options {
  bucket: string;
  region?: string;
  /** For S3-compatible stores (MinIO, R2, s3rver…). */
  endpoint?: string;
  /** Both or neither; when absent the SDK's default credential chain is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Needed by most non-AWS stores, which do not do virtual-host bucket addressing. */
  forcePathStyle?: boolean;
  /** Key prefix inside the bucket, so several deployments can share one bucket. */
  prefix?: string;
  /** Budget for one request until response headers (default 10 s); connecting gets at most 3 s of it. */
  requestTimeoutMs?: number;
}

type SdkError = Error & { code?: string; errors?: unknown[]; $metadata?: { httpStatusCode?: number } };
type Sdk = typeof import('@aws-sdk/client-s3');

// The SDK costs several MB of memory once loaded: a registry on the filesystem store never loads it,
// and one on S3 loads it with its first request (start-up checks the bucket, so in practice at start).
let sdkModule: Promise<Sdk> | undefined;
const loadSdk = (): Promise<Sdk> => (sdkModule ??= import('@aws-sdk/client-s3'));

/**
 * Blobs as objects in one S3 bucket. Every SDK failure is translated into `BlobStoreUnavailableError`
 * (cause kept for logs) so callers can answer 503 without knowing about the SDK.
 */
export class S3BlobStore implements BlobStore {
  private readonly clientConfig: S3ClientConfig;
  private connection: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly region: string;

  constructor(opts: S3Options) {
    const timeout = opts.requestTimeoutMs ?? 10_000;
    this.bucket = opts.bucket;
    this.prefix = !opts.prefix || opts.prefix.endsWith('/') ? (opts.prefix ?? '') : `${opts.prefix}/`;
    this.region = opts.region ?? process.env.AWS_REGION ?? 'us-east-1';
    this.clientConfig = {
      region: this.region,
      endpoint: opts.endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
      // One retry hides a blip; more would turn an outage into a minute-long hang per request.
      maxAttempts: 2,
      // Without these the SDK waits forever on a black-holed endpoint. requestTimeout only runs until
      // response headers arrive, so it never cuts off a long tarball download.
      requestHandler: {
        connectionTimeout: Math.min(3_000, timeout),
        requestTimeout: timeout,
        throwOnRequestTimeout: true,
      },
      // Bytes are already verified with sha512 before upload; the SDK's default CRC32 trailers break
      // several S3-compatible servers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    };
  }

  /** The SDK and the client, both made on first use. */
  private sdk(): Promise<{ sdk: Sdk; client: S3Client }> {
    return (this.connection ??= loadSdk().then((sdk) => ({ sdk, client: new sdk.S3Client(this.clientConfig) })));
  }

  private keyFor(key: string): string {
    assertValidBlobKey(key);
    return this.prefix + key;
  }

  async put(key: string, body: Buffer | Readable, opts: { integrity: string }): Promise<void> {
    const Key = this.keyFor(key);
    // Buffer first: verify before anything is sent, so a bad upload leaves no object behind.
    const data = Buffer.isBuffer(body) ? body : await collect(body);
    if (!ssri.checkData(data, opts.integrity)) {
      throw new BlobIntegrityError(`Blob ${key} does not match integrity ${opts.integrity.slice(0, 24)}…`);
    }
    const { sdk, client } = await this.sdk();
    await guard(
      client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: data,
          ContentLength: data.length,
          ContentType: 'application/octet-stream',
        }),
      ),
    );
  }

  async get(key: string): Promise<{ stream: Readable; size: number } | null> {
    const Key = this.keyFor(key);
    const { sdk, client } = await this.sdk();
    try {
      const res = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key }));
      if (!(res.Body instanceof Readable)) throw new Error('GetObject returned no Node stream');
      return { stream: guardStream(res.Body), size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw unavailable(err);
    }
  }

  /** Note: HEAD responses carry no error body, so a missing bucket also reads as `null` here (check() tells). */
  async head(key: string): Promise<{ size: number } | null> {
    const Key = this.keyFor(key);
    const { sdk, client } = await this.sdk();
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw unavailable(err);
    }
  }

  /** Like `head`, plus S3's LastModified (whole seconds, set by the server's clock). */
  async stat(key: string): Promise<BlobInfo | null> {
    const Key = this.keyFor(key);
    const { sdk, client } = await this.sdk();
    try {
      const res = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key }));
      return { key, size: res.ContentLength ?? 0, modified: res.LastModified ?? new Date() };
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw unavailable(err);
    }
  }

  async *listDetailed(prefix: string): AsyncIterable<BlobInfo> {
    assertValidBlobPrefix(prefix);
    const { sdk, client } = await this.sdk();
    let ContinuationToken: string | undefined;
    do {
      const page = await guard(
        client.send(
          new sdk.ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix + prefix, ContinuationToken }),
        ),
      );
      for (const obj of page.Contents ?? []) {
        if (!obj.Key) continue;
        // Without a LastModified the age is unknown: report it as brand new so nothing collects it early.
        yield { key: obj.Key.slice(this.prefix.length), size: obj.Size ?? 0, modified: obj.LastModified ?? new Date() };
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  }

  async delete(key: string): Promise<void> {
    const Key = this.keyFor(key);
    const { sdk, client } = await this.sdk();
    await guard(client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  async *list(prefix: string): AsyncIterable<string> {
    // ListObjectsV2 returns keys and dates in one call: the same pages serve both listings.
    for await (const blob of this.listDetailed(prefix)) yield blob.key;
  }

  async check(): Promise<void> {
    const { sdk, client } = await this.sdk();
    await guard(client.send(new sdk.HeadBucketCommand({ Bucket: this.bucket })));
  }

  /** Creates the bucket unless it exists (start-up convenience for self-hosted stores and tests). */
  async ensureBucket(): Promise<void> {
    const { sdk, client } = await this.sdk();
    try {
      await client.send(new sdk.HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if ((err as SdkError).$metadata?.httpStatusCode !== 404) throw unavailable(err);
    }
    try {
      await client.send(
        new sdk.CreateBucketCommand({
          Bucket: this.bucket,
          // AWS rejects an explicit us-east-1 constraint but requires one everywhere else.
          ...(this.region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: this.region as BucketLocationConstraint },
          }),
        }),
      );
    } catch (err) {
      // Another replica may have won the race.
      if ((err as SdkError).name !== 'BucketAlreadyOwnedByYou') throw unavailable(err);
    }
  }

  async close(): Promise<void> {
    // Never used: there is no client (and no SDK) to release.
    if (this.connection) (await this.connection).client.destroy();
  }
}

/** Awaits an SDK call with its errors translated. */
async function guard<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw unavailable(err);
  }
}

/** Standalone form of `S3BlobStore#ensureBucket` for start-up scripts. */
export async function ensureBucket(opts: S3Options): Promise<void> {
  const store = new S3BlobStore(opts);
  try {
    await store.ensureBucket();
  } finally {
    await store.close();
  }
}

function isMissingObject(err: unknown): boolean {
  const e = err as SdkError;
  return (
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    (e?.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket')
  );
}

/** Wraps any SDK failure; the message is one short line, e.g. `… (connect ECONNREFUSED 127.0.0.1:1234)`. */
function unavailable(err: unknown): Error {
  if (err instanceof BlobStoreUnavailableError || err instanceof BlobIntegrityError) return err;
  let reason = describeFailure(err as SdkError).split('\n')[0]!;
  if (reason.length > 160) reason = `${reason.slice(0, 157)}...`;
  return new BlobStoreUnavailableError(`Object storage is unavailable (${reason})`, { cause: err });
}

/** Bodiless error responses (HEAD requests) only give a status; say what it usually means. */
const STATUS_HINTS: Record<number, string> = {
  400: 'bad request',
  401: 'access denied',
  403: 'access denied',
  404: 'bucket not found',
};

function describeFailure(e: SdkError): string {
  const status = e?.$metadata?.httpStatusCode;
  const message = e?.message && e.message !== 'UnknownError' ? e.message : '';
  if (status) {
    const name = e.name && !/^Unknown/.test(e.name) ? e.name : (STATUS_HINTS[status] ?? '');
    return `HTTP ${status}${name ? ` ${name}` : ''}${message && message !== e.name ? `: ${message}` : ''}`;
  }
  // Node reports a refused dual-stack connect as an AggregateError with an empty message.
  const inner = e?.errors?.[0] as SdkError | undefined;
  return (message || inner?.message || e?.code || String(e)).replace(/^@smithy\/\S+ - \[\w+\] /, '');
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | Uint8Array | string>)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** A connection dropped mid-download is also an outage: re-emit it as BlobStoreUnavailableError. */
function guardStream(body: Readable): Readable {
  const out = new PassThrough();
  body.once('error', (err) => out.destroy(unavailable(err)));
  // If our reader gives up early, release the socket (a fully read body is left alone for keep-alive).
  out.once('close', () => {
    if (!body.readableEnded) body.destroy();
  });
  body.pipe(out);
  return out;
}
