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
}

/** The bytes did not match the integrity the caller promised. */
export class BlobIntegrityError extends Error {
  override name = 'BlobIntegrityError';
}

/** The backing store could not be reached or refused to work (network down, bucket missing…). */
export class BlobStoreUnavailableError extends Error {
  override name = 'BlobStoreUnavailableError';
}
