/**
 * Who used the CPU during a measured phase (Linux /proc; silently empty elsewhere): the server under
 * test, its helpers (Postgres backends, s3rver), the load generator (this process) and everything
 * else on the machine. With 2 cores this says what bounds a figure: a server at ~100% of one core is
 * CPU-bound; a load generator at ~100% means the figure is the generator's ceiling, not the server's.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function statFields(pid: number | string): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces and parentheses: split after the last ')'.
    return [s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')), ...s.slice(s.lastIndexOf(')') + 2).split(' ')];
  } catch {
    return null;
  }
}

/** utime + stime of one process, in ms. */
function procMs(pid: number): number {
  const f = statFields(pid);
  // f[0] = comm, f[1] = state (field 3), so utime (field 14) is f[12] and stime (15) is f[13].
  return f ? (Number(f[12]) + Number(f[13])) * TICK_MS : 0;
}

/** utime + stime of every process named `comm` (e.g. all Postgres backends), in ms. */
function commMs(comm: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(e);
    if (f && f[0] === comm) total += (Number(f[12]) + Number(f[13])) * TICK_MS;
  }
  return total;
}

/** Busy time of the whole machine (all CPUs), in ms. */
function machineBusyMs(): number {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu;
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return 0;
  }
}

export interface CpuShares {
  /** % of one core, per participant, plus `other` (the rest of the machine). */
  shares: Record<string, number>;
  wallMs: number;
}

/**
 * Runs `fn` and reports each participant's CPU over it as % of one core. `pids` are our children;
 * `postgres` adds every process named postgres (the server's backends: ours, and anyone else's).
 */
export async function cpuDuring<T>(
  pids: Record<string, number>,
  opts: {
    postgres?: boolean;
    /** CPU (ms) of a load generator that ran in its own, already exited, process (wrk). */
    generatorCpuMs?: (result: T) => number;
  },
  fn: () => Promise<T>,
): Promise<{ result: T; cpu: CpuShares }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, procMs(pid)]));
  const pgBefore = opts.postgres ? commMs('postgres') : 0;
  const selfBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const shares: Record<string, number> = {};
  let ours = 0;
  for (const [k, pid] of Object.entries(pids)) {
    const used = procMs(pid) - before[k]!;
    ours += used;
    shares[k] = (100 * used) / wallMs;
  }
  if (opts.postgres) {
    const used = commMs('postgres') - pgBefore;
    ours += used;
    shares.postgres = (100 * used) / wallMs;
  }
  const self = process.cpuUsage(selfBefore);
  const selfMs = (self.user + self.system) / 1000 + (opts.generatorCpuMs?.(result) ?? 0);
  ours += selfMs;
  shares['load generator'] = (100 * selfMs) / wallMs;
  const machine = machineBusyMs() - machineBefore;
  if (machine > 0) shares.other = Math.max(0, (100 * (machine - ours)) / wallMs);
  return { result, cpu: { shares, wallMs } };
}

export const formatShares = (c: CpuShares): string =>
  Object.entries(c.shares)
    .map(([k, v]) => `${k} ${Math.round(v)}%`)
    .join(', ');
