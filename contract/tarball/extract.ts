import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import ssri from 'ssri';
import { extract } from 'tar';

/** The bytes did not match the integrity the registry recorded; nothing was written. */
export class IntegrityMismatchError extends Error {
  override name = 'IntegrityMismatchError';
}

/**
 * Verifies a tarball against its sha512 `integrity` before anything touches the disk, then unpacks
 * `package/…` into a staging folder next to `dest` and renames it into place, so a refused or
 * interrupted extraction leaves nothing behind. Only files and folders are written (links and devices
 * were refused at publish; a hostile mirror gets the same answer here), with modes 0644 and 0755
 * whatever the tarball says. `marker`, when given, is an empty file written before the rename.
 * Used by the gateway's unpacker and the CLI's local skill cache.
 */
export async function extractVerified(
  bytes: Buffer,
  integrity: string,
  dest: string,
  opts: { label: string; marker?: string },
): Promise<void> {
  if (!ssri.checkData(bytes, integrity)) {
    const actual = ssri.fromData(bytes, { algorithms: ['sha512'] }).toString();
    throw new IntegrityMismatchError(
      `Integrity check failed for ${opts.label}: expected ${integrity.slice(0, 30)}…, got ${actual.slice(0, 30)}…; nothing was installed`,
    );
  }
  const staging = path.join(path.dirname(dest), `.staging-${path.basename(dest)}-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { recursive: true });
  try {
    await pipeline(
      Readable.from([bytes]),
      extract({
        cwd: staging,
        strip: 1,
        filter: (_p, entry) =>
          'type' in entry && (entry.type === 'File' || entry.type === 'Directory' || entry.type === 'OldFile'),
        preservePaths: false,
        preserveOwner: false,
        noChmod: true,
      }),
    );
    await makeReadable(staging);
    if (opts.marker) await writeFile(path.join(staging, opts.marker), '');
    await rm(dest, { recursive: true, force: true });
    await rename(staging, dest);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/** Folders 0755 and files 0644: the gateway's sandbox reads them as another uid. */
async function makeReadable(root: string): Promise<void> {
  await chmod(root, 0o755);
  for (const e of await readdir(root, { recursive: true, withFileTypes: true })) {
    await chmod(path.join(e.parentPath ?? e.path, e.name), e.isDirectory() ? 0o755 : 0o644);
  }
}
