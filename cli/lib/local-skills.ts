import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import ssri from 'ssri';
import { extract } from 'tar';
import lockfile from 'proper-lockfile';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** One installed skill, as recorded in the lockfile. */
export interface LockedSkill {
  version: string;
  integrity: string;
  resolved: string;
  visibility: string;
  path: string;
  installedAt: string;
}

export interface Lockfile {
  lockfileVersion: 1;
  skills: Record<string, LockedSkill>;
}

/**
 * The local skill cache: `<config dir>/skills/@ns/skill/<version>/` plus `aerostack-lock.json`
 * recording what is installed, from where, with which integrity.
 */
export class LocalSkills {
  readonly root: string;
  readonly lockPath: string;
  constructor(configDir: string) {
    this.root = path.join(configDir, 'skills');
    this.lockPath = path.join(this.root, 'aerostack-lock.json');
  }

  folderFor(name: string, version: string): string {
    const [scope, slug] = name.split('/') as [string, string];
    return path.join(this.root, scope, slug, version);
  }

  async readLock(): Promise<Lockfile> {
    try {
      const lock = JSON.parse(await readFile(this.lockPath, 'utf8')) as Lockfile;
      return { lockfileVersion: 1, skills: lock.skills ?? {} };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { lockfileVersion: 1, skills: {} };
      throw new Error(`Cannot read ${this.lockPath}: ${(err as Error).message}`);
    }
  }

  /**
   * Read-modify-write of the lockfile under an exclusive lock, so two installs running at once in
   * the same config folder (an onboarding script in two terminals) cannot lose each other's entries.
   */
  private async updateLock<T>(change: (lock: Lockfile) => T): Promise<T> {
    await mkdir(this.root, { recursive: true });
    const release = await lockfile.lock(this.root, { lockfilePath: `${this.lockPath}.lock`, retries: { retries: 50, minTimeout: 20, maxTimeout: 200 }, stale: 30_000 });
    try {
      const lock = await this.readLock();
      const result = change(lock);
      await this.writeLock(lock);
      return result;
    } finally {
      await release();
    }
  }

  private async writeLock(lock: Lockfile): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const tmp = `${this.lockPath}.${process.pid}.tmp`;
    const sorted = Object.fromEntries(Object.entries(lock.skills).sort(([a], [b]) => a.localeCompare(b)));
    await writeFile(tmp, JSON.stringify({ lockfileVersion: 1, skills: sorted }, null, 2) + '\n');
    await rename(tmp, this.lockPath);
  }

  /** Is exactly this version (and these bytes) installed and still on disk? */
  async isInstalled(name: string, version: string, integrity: string): Promise<boolean> {
    const entry = (await this.readLock()).skills[name];
    if (!entry || entry.version !== version || entry.integrity !== integrity) return false;
    return stat(entry.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /**
   * Verifies the bytes against `integrity` before anything touches the disk, then extracts into a
   * temporary folder and renames it into place: a refused or interrupted install leaves nothing.
   */
  async install(name: string, version: string, tarball: Buffer, meta: { integrity: string; resolved: string; visibility: string }): Promise<LockedSkill> {
    if (!ssri.checkData(tarball, meta.integrity)) {
      const actual = ssri.fromData(tarball, { algorithms: ['sha512'] }).toString();
      throw new Error(`Integrity check failed for ${name}@${version}: expected ${meta.integrity.slice(0, 30)}…, got ${actual.slice(0, 30)}…; nothing was installed`);
    }
    const final = this.folderFor(name, version);
    const staging = path.join(this.root, `.staging-${randomBytes(6).toString('hex')}`);
    await mkdir(staging, { recursive: true });
    try {
      await pipeline(
        Readable.from([tarball]),
        extract({
          cwd: staging,
          strip: 1,
          // Registry tarballs are checked on publish; refuse links and devices here too, in case of a hostile mirror.
          filter: (_p, entry) => 'type' in entry && (entry.type === 'File' || entry.type === 'Directory' || entry.type === 'OldFile'),
          preservePaths: false,
          noChmod: true,
          preserveOwner: false,
        }),
      );
      await mkdir(path.dirname(final), { recursive: true });
      await rm(final, { recursive: true, force: true });
      await rename(staging, final);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    const entry: LockedSkill = { version, integrity: meta.integrity, resolved: meta.resolved, visibility: meta.visibility, path: final, installedAt: new Date().toISOString() };
    const previous = await this.updateLock((lock) => {
      const before = lock.skills[name];
      lock.skills[name] = entry;
      return before;
    });
    if (previous && previous.path !== final) await rm(previous.path, { recursive: true, force: true });
    return entry;
  }

  /** Removes a skill's files and lock entry; false when it was not installed. */
  async uninstall(name: string): Promise<LockedSkill | null> {
    const entry = await this.updateLock((lock) => {
      const found = lock.skills[name] ?? null;
      delete lock.skills[name];
      return found;
    });
    if (entry) await rm(path.dirname(entry.path), { recursive: true, force: true });
    return entry;
  }

}
