import { createHash } from 'node:crypto';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { BlobStoreUnavailableError } from '@aerostack/storage/blob-store.js';
import { unavailable } from '@aerostack/contract/errors.js';

/**
 * SHA-256 of stored tarballs, which server.json's `fileSha256` and the Agent Skills index's `digest`
 * ask for. Publish stores it with the version (skill_versions.sha256); versions published before
 * that have none, and theirs is hashed from the store the first time and kept, up to `max` of them
 * (a blob key names immutable bytes, so a digest, once read, stays true).
 */
export class TarballDigests {
  private readonly known = new Map<string, string>();
  private readonly pending = new Map<string, Promise<string>>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly max = 50_000,
  ) {}

  /** The lowercase hex SHA-256 of the blob's bytes; 503 when the store is down or lost it. */
  async sha256(blobKey: string): Promise<string> {
    const hit = this.known.get(blobKey);
    if (hit) return hit;
    let p = this.pending.get(blobKey);
    if (!p) {
      p = this.hash(blobKey).finally(() => this.pending.delete(blobKey));
      this.pending.set(blobKey, p);
    }
    return p;
  }

  /**
   * The digests of these versions by blob key: the one stored at publish where there is one, else
   * hashed from the store (versions published before it was stored), a few blobs read at a time.
   */
  async of(versions: { blob_key: string; sha256: string | null }[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const v of versions) if (v.sha256) out.set(v.blob_key, v.sha256);
    const todo = [...new Set(versions.filter((v) => !v.sha256).map((v) => v.blob_key))];
    for (let i = 0; i < todo.length; i += 8)
      await Promise.all(todo.slice(i, i + 8).map(async (k) => out.set(k, await this.sha256(k))));
    return out;
  }

  private async hash(blobKey: string): Promise<string> {
    let blob;
    try {
      blob = await this.blobs.get(blobKey);
    } catch (err) {
      if (err instanceof BlobStoreUnavailableError)
        throw unavailable('Object storage is unavailable; try again shortly');
      throw err;
    }
    if (!blob) throw unavailable('A tarball is missing from storage');
    const h = createHash('sha256');
    for await (const chunk of blob.stream) h.update(chunk as Buffer);
    const hex = h.digest('hex');
    // Oldest first out: a Map iterates in insertion order.
    if (this.known.size >= this.max) this.known.delete(this.known.keys().next().value!);
    this.known.set(blobKey, hex);
    return hex;
  }
}
