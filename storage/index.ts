import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { S3BlobStore, type S3Options } from './s3-blob-store.js';

export { BlobIntegrityError, BlobStoreUnavailableError, type BlobInfo, type BlobStore } from './blob-store.js';
export { assertValidBlobKey, blobKeyFor } from './blob-key.js';
export { FsBlobStore } from './fs-blob-store.js';
export { S3BlobStore, ensureBucket, type S3Options } from './s3-blob-store.js';

export type BlobStoreConfig = { kind: 'fs'; dir: string } | ({ kind: 's3' } & S3Options);

/** Picks the backend from configuration; the rest of the registry only sees `BlobStore`. */
export function createBlobStore(cfg: BlobStoreConfig): BlobStore {
  switch (cfg.kind) {
    case 'fs':
      return new FsBlobStore(cfg.dir);
    case 's3': {
      const { kind: _kind, ...opts } = cfg;
      return new S3BlobStore(opts);
    }
  }
}
