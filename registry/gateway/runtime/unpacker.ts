import { stat } from 'node:fs/promises';
import path from 'node:path';
import ssri from 'ssri';
import { extractVerified, IntegrityMismatchError } from '@aerostack/contract/tarball/extract.js';
import type { BlobStore } from '@aerostack/storage';

/**
 * Unpacks each skill version once, from the blob store, into `<root>/<sha512 hex>/` (content
 * addressed, so versions with the same bytes share a folder). Bytes are verified before extraction;
 * the folder appears atomically with a `.complete` marker, so a crash mid-way is simply redone
 * (contract/tarball/extract.ts; files end up readable, not writable, by the sandbox's uid).
 */
export class SkillUnpacker {
  private readonly inFlight = new Map<string, Promise<string>>();
  constructor(
    private readonly root: string,
    private readonly blobs: BlobStore,
  ) {}

  folderFor(integrity: string): string {
    return path.join(this.root, ssri.parse(integrity, { single: true }).hexDigest());
  }

  unpack(v: { blobKey: string; integrity: string; name: string; version: string }): Promise<string> {
    const dir = this.folderFor(v.integrity);
    let p = this.inFlight.get(dir);
    if (!p) {
      p = this.doUnpack(dir, v).finally(() => this.inFlight.delete(dir));
      this.inFlight.set(dir, p);
    }
    return p;
  }

  private async doUnpack(
    dir: string,
    v: { blobKey: string; integrity: string; name: string; version: string },
  ): Promise<string> {
    if (
      await stat(path.join(dir, '.complete')).then(
        () => true,
        () => false,
      )
    )
      return dir;
    const blob = await this.blobs.get(v.blobKey);
    if (!blob) throw new Error(`The tarball of ${v.name}@${v.version} is missing from storage`);
    const chunks: Buffer[] = [];
    for await (const c of blob.stream) chunks.push(Buffer.from(c as Buffer));
    try {
      await extractVerified(Buffer.concat(chunks), v.integrity, dir, {
        label: `the stored tarball of ${v.name}@${v.version}`,
        marker: '.complete',
      });
    } catch (err) {
      if (err instanceof IntegrityMismatchError)
        throw new Error(`The stored tarball of ${v.name}@${v.version} does not match its integrity`, { cause: err });
      throw err;
    }
    return dir;
  }
}
