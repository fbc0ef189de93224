/**
 * Memory, process and CPU limits for a skill's whole process tree, with Linux cgroups: v1 (the
 * `memory`, `pids` and `cpu` controllers, each in its own hierarchy) or v2 (one unified hierarchy).
 * Each registry instance makes one folder `aerostack-<pid>-<random>` under its own cgroup in each
 * hierarchy, and one group per skill process inside it.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
  cpus: number;
}

/** One skill process's group, in every hierarchy used. */
export interface ChildCgroup {
  /** The `cgroup.procs` files a process writes its pid into to join the group (before it runs skill code). */
  procsFiles: string[];
  /** Whether the kernel's OOM killer ended a process of the group (the memory limit). */
  oomKilled(): Promise<boolean>;
  /** SIGKILL to every process still in the group. */
  killAll(): Promise<void>;
  /** Removes the group (its processes must be gone). */
  remove(): Promise<void>;
}

type Controller = 'memory' | 'pids' | 'cpu';
const CONTROLLERS: Controller[] = ['memory', 'pids', 'cpu'];
const CPU_PERIOD_US = 100_000;

interface Hierarchy {
  version: 1 | 2;
  controllers: Controller[];
  /** This instance's folder in the hierarchy. */
  parent: string;
}

/** The cgroups of one registry instance; `setUp` either gives one or says why none can be used. */
export class Cgroups {
  /** What enforces each limit, as the sandbox report prints it. */
  readonly enforcedBy: Partial<Record<Controller, string>>;
  private nextId = 0;

  private constructor(
    private readonly hierarchies: Hierarchy[],
    private readonly limits: CgroupLimits,
  ) {
    this.enforcedBy = Object.fromEntries(
      hierarchies.flatMap((h) => h.controllers.map((c) => [c, `cgroup v${h.version} ${c}`])),
    );
  }

  static async setUp(limits: CgroupLimits, proc = '/proc/self'): Promise<Cgroups | { unavailable: string }> {
    let mountinfo: string, membership: string;
    try {
      [mountinfo, membership] = await Promise.all([
        readFile(`${proc}/mountinfo`, 'utf8'),
        readFile(`${proc}/cgroup`, 'utf8'),
      ]);
    } catch (err) {
      return { unavailable: `cannot read this process's cgroups (${(err as Error).message})` };
    }
    const found = locateHierarchies(mountinfo, membership);
    if (!found.length) return { unavailable: 'no cgroup hierarchy with the memory controller is mounted' };
    const name = `aerostack-${process.pid}-${randomBytes(4).toString('hex')}`;
    const hierarchies: Hierarchy[] = [];
    try {
      for (const f of found) {
        if (f.version === 2) {
          // Only what the parent delegated to this group can be enabled below it.
          const offered = (await readFile(path.join(f.dir, 'cgroup.controllers'), 'utf8')).split(/\s+/);
          f.controllers = f.controllers.filter((c) => offered.includes(c));
          if (!f.controllers.includes('memory'))
            return { unavailable: `the memory controller is not delegated to ${f.dir}` };
        }
        await removeStale(f.dir);
        const parent = path.join(f.dir, name);
        await mkdir(parent);
        hierarchies.push({ version: f.version, controllers: f.controllers, parent });
        if (f.version === 2) {
          // v2 gives a group's children a controller only when the group delegates it.
          const enable = f.controllers.map((c) => `+${c}`).join(' ');
          await writeFile(path.join(f.dir, 'cgroup.subtree_control'), enable);
          await writeFile(path.join(parent, 'cgroup.subtree_control'), enable);
        }
      }
    } catch (err) {
      await Promise.allSettled(hierarchies.map((h) => rmdir(h.parent)));
      return { unavailable: `cannot create a cgroup (${(err as Error).message})` };
    }
    return new Cgroups(hierarchies, limits);
  }

  /** A new group with the limits applied, ready for a process to join. */
  async create(): Promise<ChildCgroup> {
    const name = `skill-${++this.nextId}`;
    const dirs = this.hierarchies.map((h) => ({ h, dir: path.join(h.parent, name) }));
    const group = childGroup(dirs);
    try {
      for (const { h, dir } of dirs) {
        await mkdir(dir);
        await applyLimits(h, dir, this.limits);
      }
    } catch (err) {
      await group.remove();
      throw err;
    }
    return group;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.hierarchies.map((h) => removeTree(h.parent)));
  }
}

async function applyLimits(h: Hierarchy, dir: string, limits: CgroupLimits): Promise<void> {
  const set = (file: string, value: string | number) => writeFile(path.join(dir, file), String(value));
  const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
  for (const c of h.controllers) {
    if (h.version === 1) {
      if (c === 'memory') {
        await set('memory.limit_in_bytes', limits.memoryBytes);
        // With swap accounting on, memory + swap is limited too; without it the file is absent.
        await set('memory.memsw.limit_in_bytes', limits.memoryBytes).catch(ignoreMissing);
      } else if (c === 'pids') {
        await set('pids.max', limits.maxProcesses);
      } else {
        await set('cpu.cfs_period_us', CPU_PERIOD_US);
        await set('cpu.cfs_quota_us', quota);
        await set('cpu.cfs_burst_us', quota).catch(ignoreMissing);
      }
    } else if (c === 'memory') {
      await set('memory.max', limits.memoryBytes);
      await set('memory.swap.max', 0).catch(ignoreMissing);
    } else if (c === 'pids') {
      await set('pids.max', limits.maxProcesses);
    } else {
      await set('cpu.max', `${quota} ${CPU_PERIOD_US}`);
    }
  }
}

function childGroup(dirs: Array<{ h: Hierarchy; dir: string }>): ChildCgroup {
  const pids = async () => {
    const all = new Set<number>();
    for (const { dir } of dirs) {
      const text = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of text.split('\n')) if (p) all.add(Number(p));
    }
    return all;
  };
  return {
    procsFiles: dirs.map(({ dir }) => path.join(dir, 'cgroup.procs')),
    async oomKilled() {
      const memory = dirs.find(({ h }) => h.controllers.includes('memory'));
      if (!memory) return false;
      const file = memory.h.version === 1 ? 'memory.oom_control' : 'memory.events';
      const text = await readFile(path.join(memory.dir, file), 'utf8').catch(() => '');
      return Number(/^oom_kill (\d+)/m.exec(text)?.[1] ?? 0) > 0;
    },
    async killAll() {
      // A process may fork while others are killed; a few rounds empty even a fork bomb (pids.max bounds it).
      for (let round = 0; round < 20; round++) {
        const left = await pids();
        if (!left.size) return;
        for (const pid of left) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await sleep(5);
      }
    },
    async remove() {
      await Promise.allSettled(dirs.map(({ dir }) => removeDir(dir)));
    },
  };
}

/** Each hierarchy to use (from /proc/self/mountinfo and /proc/self/cgroup): where this process's cgroup is, and which of our controllers it has. */
export function locateHierarchies(
  mountinfo: string,
  membership: string,
): Array<{ version: 1 | 2; controllers: Controller[]; dir: string }> {
  const mounts = mountinfo.split('\n').flatMap((line) => {
    const [left, right] = line.split(' - ');
    if (!left || !right) return [];
    const f = left.split(' ');
    const [fstype, , superOptions = ''] = right.split(' ');
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') return [];
    return [
      {
        version: fstype === 'cgroup' ? (1 as const) : (2 as const),
        root: unescape(f[3] ?? '/'),
        mountpoint: unescape(f[4] ?? ''),
        options: superOptions.split(','),
      },
    ];
  });
  const paths = new Map<string, string>(); // v1: controller → path; v2: '' → path
  for (const line of membership.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '') paths.set('', m[2]!);
    else for (const c of m[1]!.split(',')) paths.set(c, m[2]!);
  }
  const within = (root: string, p: string) => (root !== '/' && p.startsWith(root) ? p.slice(root.length) || '/' : p);

  // cgroup v1 where it holds the memory controller (a "hybrid" host may mount v2 beside it, empty).
  const v1 = new Map<string, { controllers: Controller[]; dir: string }>();
  for (const c of CONTROLLERS) {
    const mount = mounts.find((mt) => mt.version === 1 && mt.options.includes(c));
    const own = paths.get(c);
    if (!mount || own === undefined) continue;
    const dir = path.resolve(mount.mountpoint, `.${within(mount.root, own)}`);
    const entry = v1.get(dir) ?? { controllers: [], dir };
    entry.controllers.push(c);
    v1.set(dir, entry);
  }
  if ([...v1.values()].some((e) => e.controllers.includes('memory')))
    return [...v1.values()].map((e) => ({ version: 1 as const, ...e }));

  const unified = mounts.find((mt) => mt.version === 2);
  const own = paths.get('');
  if (!unified || own === undefined) return [];
  const dir = path.resolve(unified.mountpoint, `.${within(unified.root, own)}`);
  return [{ version: 2, dir, controllers: CONTROLLERS }];
}

/** Leftovers of registry processes that died without cleaning up (their pid is gone). */
async function removeStale(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  for (const e of entries) {
    const m = /^aerostack-(\d+)-[0-9a-f]{8}$/.exec(e);
    if (m && !alive(Number(m[1]))) await removeTree(path.join(dir, e));
  }
}

/** Removes a group and its subgroups, killing what is left in them. */
async function removeTree(dir: string): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await removeTree(path.join(dir, e.name));
  const procs = await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const p of procs.split('\n')) {
    try {
      if (p) process.kill(Number(p), 'SIGKILL');
    } catch {
      // gone
    }
  }
  await removeDir(dir);
}

/** rmdir of a cgroup fails with EBUSY for a few ms after its last process exits. */
async function removeDir(dir: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await rmdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw err;
      await sleep(10);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const ignoreMissing = (err: NodeJS.ErrnoException) => {
  if (err.code !== 'ENOENT') throw err;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
