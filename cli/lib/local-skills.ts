import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { extractVerified } from '@aerostack/contract/tarball/extract.js';
import path from 'node:path';
import lockfile from 'proper-lockfile';

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
      throw new Error(`Cannot read ${this.lockPath}: ${(err as Error).message}`, { cause: err });
    }
  }

  /**
   * Read-modify-write of the lockfile under an exclusive lock, so two installs running at once in
   * the same config folder (an onboarding script in two terminals) cannot lose each other's entries.
   */
  private async updateLock<T>(change: (lock: Lockfile) => T): Promise<T> {
    await mkdir(this.root, { recursive: true });
    const release = await lockfile.lock(this.root, {
      lockfilePath: `${this.lockPath}.lock`,
      retries: { retries: 50, minTimeout: 20, maxTimeout: 200 },
      stale: 30_000,
    });
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

  /** Verified, then extracted in place atomically (contract/tarball/extract.ts): a refused or interrupted install leaves nothing. */
  async install(
    name: string,
    version: string,
    tarball: Buffer,
    meta: { integrity: string; resolved: string; visibility: string },
  ): Promise<LockedSkill> {
    const final = this.folderFor(name, version);
    await extractVerified(tarball, meta.integrity, final, { label: `${name}@${version}` });
    const entry: LockedSkill = {
      version,
      integrity: meta.integrity,
      resolved: meta.resolved,
      visibility: meta.visibility,
      path: final,
      installedAt: new Date().toISOString(),
    };
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
