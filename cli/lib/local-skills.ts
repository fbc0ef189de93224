import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { AGENT_SKILL_NAME_RE } from '@aerostack/contract/agent-skill.js';
import { extractVerified } from '@aerostack/contract/tarball/extract.js';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { tildify } from './agent-target.js';
import { UsageError } from './errors.js';

/**
 * The empty file in each Agent Skill folder Aerostack unpacked: only a folder carrying it is ever
 * replaced or removed, so a skill the user wrote by hand under the same name is never touched.
 */
export const AGENT_SKILL_MARKER = '.aerostack-installed';

/** One installed skill, as recorded in the lockfile. */
export interface LockedSkill {
  version: string;
  integrity: string;
  resolved: string;
  visibility: string;
  path: string;
  installedAt: string;
  /** An Agent Skill, unpacked into an agent's skills folder (`path`) rather than the cache. */
  agentSkill?: true;
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

  /** Is exactly this version (and these bytes) installed and still on disk (at `at`, when given)? */
  async isInstalled(name: string, version: string, integrity: string, at?: string): Promise<boolean> {
    const entry = (await this.readLock()).skills[name];
    if (!entry || entry.version !== version || entry.integrity !== integrity) return false;
    if (at !== undefined && entry.path !== at) return false;
    if (entry.agentSkill) return exists(path.join(entry.path, AGENT_SKILL_MARKER));
    return stat(entry.path).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** `<skills folder>/<name>/` for an Agent Skill; the name is checked, so it is one folder inside. */
  agentSkillFolder(name: string, skillsFolder: string): string {
    const slug = name.split('/')[1] ?? '';
    // The registry only accepts such names for Agent Skills; a hostile mirror gets the same answer.
    if (slug.length > 64 || !AGENT_SKILL_NAME_RE.test(slug))
      throw new UsageError(`${name} cannot be an Agent Skill folder name (a-z 0-9 -)`);
    return path.join(skillsFolder, slug);
  }

  /**
   * An Agent Skill, verified and unpacked (contract/tarball/extract.ts) into `<skills folder>/<name>/`
   * with the package's files as published, plus the marker. A folder there that Aerostack did not
   * unpack, or that holds another skill of the same name, is refused before anything is written.
   */
  async installAgentSkill(
    name: string,
    version: string,
    tarball: Buffer,
    meta: { integrity: string; resolved: string; visibility: string },
    skillsFolder: string,
  ): Promise<LockedSkill> {
    const dest = this.agentSkillFolder(name, skillsFolder);
    await this.checkReplaceable(name, dest);
    await extractVerified(tarball, meta.integrity, dest, { label: `${name}@${version}`, marker: AGENT_SKILL_MARKER });
    const entry: LockedSkill = {
      version,
      integrity: meta.integrity,
      resolved: meta.resolved,
      visibility: meta.visibility,
      path: dest,
      installedAt: new Date().toISOString(),
      agentSkill: true,
    };
    const previous = await this.updateLock((lock) => {
      const before = lock.skills[name];
      lock.skills[name] = entry;
      return before;
    });
    // Installed elsewhere before (another agent): one place per skill, the newest.
    if (previous && previous.path !== dest) await removeFiles(previous);
    return entry;
  }

  private async checkReplaceable(name: string, dest: string): Promise<void> {
    const found = await lstat(dest).catch(() => null);
    if (!found) return;
    if (!found.isDirectory() || !(await exists(path.join(dest, AGENT_SKILL_MARKER))))
      throw new UsageError(
        `${tildify(dest)} already exists and was not installed by aerostack: move it away, or install elsewhere with --dir PATH`,
      );
    const holder = Object.entries((await this.readLock()).skills).find(([n, e]) => e.path === dest && n !== name);
    if (holder)
      throw new UsageError(
        `${tildify(dest)} holds ${holder[0]}: uninstall it first (aerostack skill uninstall ${holder[0]}), or install elsewhere with --dir PATH`,
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
    if (previous && previous.path !== final) await removeFiles(previous, true);
    return entry;
  }

  /** Removes a skill's files and lock entry; false when it was not installed. */
  async uninstall(name: string): Promise<LockedSkill | null> {
    const entry = await this.updateLock((lock) => {
      const found = lock.skills[name] ?? null;
      delete lock.skills[name];
      return found;
    });
    if (entry) await removeFiles(entry);
    return entry;
  }
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

/**
 * An installed skill's files: an Agent Skill's folder only while it still carries the marker (the
 * user may have replaced it with their own); a cached skill's `@ns/skill/` folder, or with
 * `versionOnly` just the version folder (an upgrade keeps the skill's folder).
 */
async function removeFiles(entry: LockedSkill, versionOnly = false): Promise<void> {
  if (entry.agentSkill) {
    if (await exists(path.join(entry.path, AGENT_SKILL_MARKER))) await rm(entry.path, { recursive: true, force: true });
  } else {
    await rm(versionOnly ? entry.path : path.dirname(entry.path), { recursive: true, force: true });
  }
}
