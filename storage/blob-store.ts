import type { Readable } from 'node:stream';

/**
 * Where tarball bytes live. Keys are content-addressed by the caller (see `blobKeyFor`), so a put of
 * the same bytes twice is harmless and a key never changes meaning.
 */
export interface BlobStore {
  /**
   * Stores `body` under `key` only if its bytes match `integrity` (an SRI string, e.g. `sha512-…`).
   * On mismatch it rejects with `BlobIntegrityError` and nothing is left under `key`.
   * Readers never observe a partially written blob.
   */
  put(key: string, body: Buffer | Readable, opts: { integrity: string }): Promise<void>;
  /** A stream of the blob's bytes, or `null` when there is no such blob. */
  get(key: string): Promise<{ stream: Readable; size: number } | null>;
  /** Size of the blob, or `null` when there is no such blob. */
  head(key: string): Promise<{ size: number } | null>;
  /** Removes the blob; removing a missing blob is not an error. */
  delete(key: string): Promise<void>;
  /** Every key under `prefix` (for garbage collection). */
  list(prefix: string): AsyncIterable<string>;
  /** Resolves when the store answers; rejects with `BlobStoreUnavailableError` otherwise (readiness). */
  check(): Promise<void>;
  close?(): Promise<void>;
  /**
   * Size and last-modified time of one blob, or `null` when there is no such blob. Optional:
   * garbage collection uses the age to leave blobs of in-flight publishes alone.
   */
  stat?(key: string): Promise<BlobInfo | null>;
  /** Every blob under `prefix` with its size and last-modified time (optional, see `stat`). */
  listDetailed?(prefix: string): AsyncIterable<BlobInfo>;
  /**
   * Removes leftovers of uploads that never finished (a crash mid-put) last written before
   * `olderThan`; with `dryRun` only reports them. Only stores that stage uploads have it (filesystem).
   */
  sweepUploads?(olderThan: Date, opts?: { dryRun?: boolean }): Promise<{ removed: number; bytes: number }>;
}

/** What `stat` and `listDetailed` report about a blob. */
export interface BlobInfo {
  key: string;
  size: number;
  /** When the blob was last written (a put of the same key again refreshes it). */
  modified: Date;
}

/** The bytes did not match the integrity the caller promised. */
export class BlobIntegrityError extends Error {
  override name = 'BlobIntegrityError';
}

/** The backing store could not be reached or refused to work (network down, bucket missing…). */
export class BlobStoreUnavailableError extends Error {
  override name = 'BlobStoreUnavailableError';
}
