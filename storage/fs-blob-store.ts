import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, open, opendir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssri from 'ssri';
import { BlobIntegrityError, BlobStoreUnavailableError, type BlobInfo, type BlobStore } from './blob-store.js';
import { assertValidBlobKey, assertValidBlobPrefix } from './blob-key.js';

/** Name of the in-flight upload folder under the root; never a valid key (see assertValidBlobKey). */
const TMP = '.tmp';

/** Errors meaning "there is no blob here" rather than "the disk is broken". */
const MISSING = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

const codeOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

/**
 * Blobs as plain files under `rootDir`, one sub-folder per key segment.
 * Uploads go to `<root>/.tmp/<uuid>` on the same filesystem and are renamed into place once verified
 * and fsynced, so a reader sees either nothing or the whole blob, even across a crash.
 */
export class FsBlobStore implements BlobStore {
  readonly rootDir: string;

  constructor(rootDir: string) {
    this.rootDir = path.resolve(rootDir);
  }

  private pathFor(key: string): string {
    assertValidBlobKey(key);
    return path.join(this.rootDir, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable, opts: { integrity: string }): Promise<void> {
    const final = this.pathFor(key);
    const tmpDir = path.join(this.rootDir, TMP);
    const tmp = path.join(tmpDir, randomUUID());
    const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    // A failing caller stream (client hung up) is the caller's problem, not a disk failure.
    let sourceError: unknown;
    source.once('error', (e) => (sourceError = e));
    try {
      await mkdir(tmpDir, { recursive: true });
      await pipeline(
        source,
        ssri.integrityStream({ integrity: opts.integrity }),
        createWriteStream(tmp, { flags: 'wx' }),
      );
      // Without fsync a crash after rename can leave a renamed but empty/short file. fsync on a fresh
      // descriptor flushes the same inode (a FileHandle-backed stream would keep the handle from closing).
      const fh = await open(tmp, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      await mkdir(path.dirname(final), { recursive: true });
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      if (codeOf(err) === 'EINTEGRITY') {
        throw new BlobIntegrityError(`Blob ${key} does not match integrity ${opts.integrity.slice(0, 24)}…`);
      }
      throw err === sourceError ? err : fsFailure(err, this.rootDir);
    }
  }

  async get(key: string): Promise<{ stream: Readable; size: number } | null> {
    const file = this.pathFor(key);
    let fh;
    try {
      fh = await open(file, 'r');
      const st = await fh.stat();
      // open() succeeds on directories (a key prefix); those are not blobs.
      if (!st.isFile()) {
        await fh.close();
        return null;
      }
      // The stream owns the handle from here (autoClose), so the size and bytes come from one inode
      // even if a concurrent put renames a new file over the path.
      return { stream: fh.createReadStream(), size: st.size };
    } catch (err) {
      await fh?.close().catch(() => {});
      if (MISSING.has(codeOf(err) ?? '')) return null;
      throw fsFailure(err, this.rootDir);
    }
  }

  async head(key: string): Promise<{ size: number } | null> {
    try {
      const st = await stat(this.pathFor(key));
      return st.isFile() ? { size: st.size } : null;
    } catch (err) {
      if (MISSING.has(codeOf(err) ?? '')) return null;
      throw fsFailure(err, this.rootDir);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await unlink(this.pathFor(key));
    } catch (err) {
      if (MISSING.has(codeOf(err) ?? '')) return;
      throw fsFailure(err, this.rootDir);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    assertValidBlobPrefix(prefix);
    // Start at the deepest folder the prefix fully names instead of walking the whole tree.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    for await (const key of this.walk(base)) {
      if (key.startsWith(prefix)) yield key;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const st = await stat(this.pathFor(key));
      return st.isFile() ? { key, size: st.size, modified: st.mtime } : null;
    } catch (err) {
      if (MISSING.has(codeOf(err) ?? '')) return null;
      throw fsFailure(err, this.rootDir);
    }
  }

  async *listDetailed(prefix: string): AsyncIterable<BlobInfo> {
    for await (const key of this.list(prefix)) {
      // A blob deleted between the directory walk and the stat is simply not there any more.
      const info = await this.stat(key);
      if (info) yield info;
    }
  }

  /**
   * In-flight uploads live in `.tmp/` until renamed into place; a crash mid-put leaves them behind.
   * Removes those last written before `olderThan` (an upload still being written is newer).
   */
  async sweepUploads(olderThan: Date, opts: { dryRun?: boolean } = {}): Promise<{ removed: number; bytes: number }> {
    const dir = path.join(this.rootDir, TMP);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (MISSING.has(codeOf(err) ?? '')) return { removed: 0, bytes: 0 };
      throw fsFailure(err, this.rootDir);
    }
    let removed = 0;
    let bytes = 0;
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        const st = await lstat(file);
        if (st.mtime >= olderThan) continue;
        if (!opts.dryRun) await rm(file, { recursive: true, force: true });
        removed += 1;
        bytes += st.isFile() ? st.size : 0;
      } catch (err) {
        // Renamed into place (or removed) by its upload meanwhile: nothing to sweep.
        if (MISSING.has(codeOf(err) ?? '')) continue;
        throw fsFailure(err, this.rootDir);
      }
    }
    return { removed, bytes };
  }

  private async *walk(rel: string): AsyncGenerator<string> {
    let dir;
    try {
      dir = await opendir(path.join(this.rootDir, ...(rel ? rel.split('/') : [])));
    } catch (err) {
      if (MISSING.has(codeOf(err) ?? '')) return;
      throw fsFailure(err, this.rootDir);
    }
    for await (const entry of dir) {
      if (rel === '' && entry.name === TMP) continue;
      const key = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) yield* this.walk(key);
      else if (entry.isFile()) yield key;
    }
  }

  /** Proves the root is writable by creating and removing a probe file (access(2) lies for root and RO mounts). */
  async check(): Promise<void> {
    const probe = path.join(this.rootDir, TMP, `probe-${randomUUID()}`);
    try {
      await mkdir(path.dirname(probe), { recursive: true });
      await writeFile(probe, '');
      await unlink(probe);
    } catch (err) {
      throw fsFailure(err, this.rootDir);
    }
  }

  /** Nothing to release (streams own their descriptors); present so callers can close any store alike. */
  async close(): Promise<void> {}
}

/** Disk-level failures (EACCES, ENOSPC, EROFS…) mean the store is unusable, not that the caller erred. */
function fsFailure(err: unknown, root: string): Error {
  if (err instanceof BlobIntegrityError || err instanceof BlobStoreUnavailableError) return err;
  // Only syscall failures are the disk's fault; anything else (bugs, stream misuse) passes through.
  const code = codeOf(err);
  if (!code || !(err as NodeJS.ErrnoException).syscall) return err instanceof Error ? err : new Error(String(err));
  return new BlobStoreUnavailableError(`Blob storage at ${root} is unavailable (${code})`, { cause: err });
}
