/**
 * Summarises a V8 .cpuprofile (from `BENCH_PROFILE=1`, or `node --cpu-prof`): self time by function
 * and by "owner" (a node_modules package, the registry's own folders, node internals, GC, idle).
 *
 *   node dist/scripts/bench/profile-summary.js <file.cpuprofile> [top]
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function owner(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  const own = /\/dist\/((?:registry|storage|scripts)\/[^/]+)/.exec(url);
  if (own) return own[1]!;
  return url.replace(/^file:\/\//, '');
}

export function summarize(file: string, top = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0) || 1;
  const idle = [...self]
    .filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)')
    .reduce((a, [, t]) => a + t, 0);

  const fnTime = new Map<string, number>();
  const ownerTime = new Map<string, number>();
  for (const [id, t] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = cf.url ? `${cf.url.replace(/^file:\/\/.*?\/(node_modules|dist)\//, '$1/')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'} ${where}`.trim();
    fnTime.set(key, (fnTime.get(key) ?? 0) + t);
    const o = owner(cf.url, cf.functionName);
    ownerTime.set(o, (ownerTime.get(o) ?? 0) + t);
  }
  // Inclusive time of the registry's own functions (and the packages they call into first), which says
  // where a request's time goes: samples are attributed to every distinct such frame on their stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      const m = /\/dist\/((?:registry|storage)\/.*)$/.exec(cf.url);
      if (!m || !cf.functionName) continue;
      const key = `${cf.functionName} ${m[1]}:${cf.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + t);
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const lines = [
    `${file}: ${(total / 1e6).toFixed(2)} s sampled, ${pct(idle).trim()} idle (busy ${pct(total - idle).trim()})`,
    '  self time by owner:',
    ...[...ownerTime]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([o, t]) => `    ${pct(t)}  ${o}`),
    '  self time by function:',
    ...[...fnTime]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, t]) => `    ${pct(t)}  ${f}`),
    '  inclusive time of registry functions:',
    ...[...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([f, t]) => `    ${pct(t)}  ${f}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/scripts/bench/profile-summary.js <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(summarize(file, top ? Number(top) : 15) + '\n');
}
