import { chmod, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssri from 'ssri';
import { extract } from 'tar';
import type { BlobStore } from '@aerostack/storage/blob-store.js';

/**
 * Unpacks each skill version once, from the blob store, into `<root>/<sha512 hex>/` (content
 * addressed, so versions with the same bytes share a folder). Bytes are verified before extraction;
 * the folder appears atomically with a `.complete` marker, so a crash mid-way is simply redone.
 * Whatever modes the tarball gave, the files end up readable (not writable) by the sandbox's uid.
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

  private async doUnpack(dir: string, v: { blobKey: string; integrity: string; name: string; version: string }): Promise<string> {
    if (await stat(path.join(dir, '.complete')).then(() => true, () => false)) return dir;
    const blob = await this.blobs.get(v.blobKey);
    if (!blob) throw new Error(`The tarball of ${v.name}@${v.version} is missing from storage`);
    const chunks: Buffer[] = [];
    for await (const c of blob.stream) chunks.push(Buffer.from(c as Buffer));
    const bytes = Buffer.concat(chunks);
    if (!ssri.checkData(bytes, v.integrity)) throw new Error(`The stored tarball of ${v.name}@${v.version} does not match its integrity`);
    const staging = `${dir}.tmp-${randomBytes(4).toString('hex')}`;
    await mkdir(staging, { recursive: true });
    try {
      await pipeline(
        Readable.from([bytes]),
        extract({ cwd: staging, strip: 1, preservePaths: false, noChmod: true, filter: (_p, e) => 'type' in e && (e.type === 'File' || e.type === 'Directory' || e.type === 'OldFile') }),
      );
      await makeReadable(staging);
      await writeFile(path.join(staging, '.complete'), '');
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    return dir;
  }
}

/** Folders 0755 and files 0644, whatever the tarball said: the sandboxed process reads them as another uid. */
async function makeReadable(root: string): Promise<void> {
  await chmod(root, 0o755);
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    await chmod(path.join(e.parentPath ?? e.path, e.name), e.isDirectory() ? 0o755 : 0o644);
  }
}
