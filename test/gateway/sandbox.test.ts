/**
 * The bubblewrap sandbox on its own, with Node's permission model turned off: each OS wall must hold
 * by itself (the gateway's hostile-skill tests run with both walls). Scripts run as a skill's
 * server file would, from a folder inside a parent closed to other users (mode 0700), so the
 * staging of unreachable folders is exercised too. Figures are measured from outside, in /proc.
 */
import assert from 'node:assert/strict';
import type { Dirent } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_RUNTIME_LIMITS, type RuntimeLimits } from '@aerostack/registry/gateway/runtime/limits.js';
import { BwrapSandbox } from '@aerostack/registry/gateway/runtime/sandbox/bwrap-sandbox.js';
import type { SandboxedProcess } from '@aerostack/registry/gateway/runtime/sandbox/sandbox.js';

const UID_BASE = 2_100_000_000;
const LIMITS: RuntimeLimits = { ...DEFAULT_RUNTIME_LIMITS, memoryMb: 128, maxProcesses: 64, tmpMb: 8, cpuSeconds: 60 };
const asRoot = process.getuid?.() === 0;

interface HostProcess {
  pid: number;
  uid: number;
  /** Anonymous resident memory: what the skill allocated (shared pages of the Node binary are not its own). */
  rssKb: number;
  threads: number;
  cmdline: string;
}

/** Processes on this host running as a sandbox uid (one of ours when the registry is root). */
async function sandboxProcesses(): Promise<HostProcess[]> {
  const out: HostProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid < UID_BASE || uid >= UID_BASE + 4096) continue;
      // A zombie holds nothing but its pid entry until its new parent (the host's init) reaps it.
      if (/^State:\s+Z/m.test(status)) continue;
      out.push({
        pid: Number(entry),
        uid,
        rssKb: Number(/^RssAnon:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? 0),
        cmdline: (await readFile(`/proc/${entry}/cmdline`, 'utf8')).replace(/\0/g, ' '),
      });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Samples sandbox processes every 10 ms until stopped: the largest total RSS and task count seen. */
function sampler() {
  let maxRssKb = 0;
  let maxTasks = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const ps = await sandboxProcesses();
      maxRssKb = Math.max(
        maxRssKb,
        ps.reduce((n, p) => n + p.rssKb, 0),
      );
      maxTasks = Math.max(
        maxTasks,
        ps.reduce((n, p) => n + p.threads, 0),
      );
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { maxRssMb: maxRssKb / 1024, maxTasks };
    },
  };
}

/** Inside a skill: the kinds of its open descriptors (pipe, anon_inode:[eventpoll]…), sorted. */
const FD_KINDS = `const fdKinds = () => fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd).replace(/:\\[\\d+\\]$/, ''); } catch { return 'gone'; } }).sort();`;

describe('bubblewrap sandbox: the OS walls alone (Node’s permission model off)', function () {
  this.timeout(120_000);
  let sandbox: BwrapSandbox;
  let closedParent: string;
  let n = 0;

  /** Runs `source` as a skill's server file; `during` runs while it is alive (after its first line). */
  async function run(
    sb: BwrapSandbox,
    source: string,
    opts: {
      args?: string[];
      timeoutMs?: number;
      during?: (proc: SandboxedProcess, first: string) => Promise<void>;
      secrets?: Record<string, string>;
      egressDir?: string;
    } = {},
  ) {
    const dir = path.join(closedParent, `skill-${++n}`);
    await mkdir(dir);
    await writeFile(path.join(dir, 'attack.mjs'), source);
    await chmod(dir, 0o755);
    const proc = await sb.launch({
      skillDir: dir,
      entry: { file: 'attack.mjs' },
      args: opts.args ?? [],
      secrets: opts.secrets ?? {},
      egressDir: opts.egressDir ?? null,
    });
    let stdout = '';
    let stderr = '';
    let firstLine: (line: string) => void;
    const first = new Promise<string>((resolve) => (firstLine = resolve));
    proc.child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (stdout.includes('\n')) firstLine(stdout.slice(0, stdout.indexOf('\n')));
    });
    proc.child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      proc.child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    if (opts.during) {
      await Promise.race([first.then((line) => opts.during!(proc, line)), exit]);
      proc.child.stdin.end();
    }
    const timer = setTimeout(() => void proc.dispose(), opts.timeoutMs ?? 30_000);
    const ended = await exit;
    clearTimeout(timer);
    const limit = await proc.limitHit();
    await proc.dispose();
    const lastLine = stdout.trim().split('\n').at(-1) ?? '';
    let report: any = null;
    try {
      report = JSON.parse(lastLine);
    } catch {
      // not JSON
    }
    return { report, stdout, stderr, limit, ...ended };
  }

  before(async function () {
    sandbox = new BwrapSandbox({ limits: LIMITS, uidBase: UID_BASE, permissionModel: false });
    const report = await sandbox.report();
    assert.equal(
      report.status,
      'ok',
      `the sandbox must start on this machine (apt-get install bubblewrap): ${report.reason}`,
    );
    closedParent = await mkdtemp(path.join(tmpdir(), 'aerostack-sandbox-test-'));
    await chmod(closedParent, 0o700);
  });
  after(async () => {
    await sandbox?.close();
    if (closedParent) await rm(closedParent, { recursive: true, force: true });
  });

  it('reports the limits in force and what enforces each', async () => {
    const { limits } = await sandbox.report();
    assert.match(limits.isolation!, /bubblewrap: new user, PID, network, mount/);
    assert.match(limits.network!, /^none/);
    assert.match(limits.memory!, /^128 MB for each skill's processes together \(cgroup v[12] memory\)$/);
    assert.match(
      limits.processes!,
      /^64 processes and threads per skill \(cgroup v[12] pids(, RLIMIT_NPROC of its own uid)?\)$/,
    );
    assert.match(limits.cpuTime!, /^60 s per process \(RLIMIT_CPU\)$/);
  });

  it('shows only the Node runtime, its own folder and a small /tmp, read-only; an unprivileged uid; no secrets, no host descriptors', async () => {
    const { report, stderr } = await run(
      sandbox,
      `import fs from 'node:fs'; import os from 'node:os';
const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code ?? e.message; } };
const status = fs.readFileSync('/proc/self/status', 'utf8');
const field = (k) => new RegExp('^' + k + ':\\\\s+(\\\\S+)', 'm').exec(status)[1];
console.log(JSON.stringify({
  root: fs.readdirSync('/').sort(),
  usrBin: fs.readdirSync('/usr/bin'),
  passwd: attempt(() => fs.readFileSync('/etc/passwd')),
  writeSkill: attempt(() => fs.writeFileSync('/skill/x', 'x')),
  writeRoot: attempt(() => fs.writeFileSync('/x', 'x')),
  writeUsr: attempt(() => fs.writeFileSync('/usr/bin/node', 'x')),
  tmpSmall: attempt(() => fs.writeFileSync('/tmp/big', Buffer.alloc(20 * 1024 * 1024))),
  uid: process.getuid(), gid: process.getgid(),
  capEff: field('CapEff'), noNewPrivs: field('NoNewPrivs'),
  env: process.env,
  pid1Environ: fs.readFileSync('/proc/1/environ', 'utf8'),
  fds: fs.readdirSync('/proc/self/fd').map((fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd); } catch { return 'gone'; } }),
  interfaces: Object.keys(os.networkInterfaces()),
  nestedUserns: attempt(() => fs.writeFileSync('/proc/self/uid_map', '0 0 1')),
}));
process.stdin.resume().on('end', () => process.exit(0));`,
      {
        during: async () => {
          // From outside (while it waits for stdin to close): Node runs as a host uid of its own, not as
          // root, like the two bubblewrap processes that hold its namespaces.
          const ours = (await sandboxProcesses()).filter((p) =>
            p.cmdline.startsWith('/usr/bin/node -- /skill/attack.mjs'),
          );
          if (asRoot) {
            assert.equal(ours.length, 1, JSON.stringify(ours));
            assert.ok(ours[0]!.uid >= UID_BASE);
          }
        },
      },
    );
    assert.ok(report, stderr);
    assert.deepEqual(report.root, ['dev', 'lib', 'lib64', 'proc', 'skill', 'tmp', 'usr']);
    assert.deepEqual(report.usrBin, ['node']);
    assert.equal(report.passwd, 'ENOENT');
    assert.equal(report.writeSkill, 'EROFS');
    assert.equal(report.writeRoot, 'EROFS');
    assert.equal(report.writeUsr, 'EROFS');
    assert.equal(report.tmpSmall, 'ENOSPC');
    assert.equal(report.uid, 65534);
    assert.equal(report.gid, 65534);
    assert.equal(report.capEff, '0000000000000000');
    assert.equal(report.noNewPrivs, '1');
    assert.deepEqual(Object.keys(report.env).sort(), ['HOME', 'LANG', 'NODE_ENV', 'PATH', 'PWD', 'TZ']);
    assert.equal(report.pid1Environ, '', 'bwrap’s own pid 1 carries no environment');
    for (const fd of report.fds)
      assert.match(fd, /^(socket:|pipe:|anon_inode:|\/dev\/null$|gone$)/, `no host file or folder is open: ${fd}`);
    assert.deepEqual(report.interfaces, ['lo']);
    assert.notEqual(report.nestedUserns, 'ok');
  });

  it('reaches no network: not a listener on the host’s loopback, not Postgres, not the host’s own addresses', async () => {
    let connections = 0;
    const listener = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    const port = (listener.address() as net.AddressInfo).port;
    const hostAddresses = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && a.family === 'IPv4' && !a.internal)
      .map((a) => a!.address);
    try {
      const { report, stderr } = await run(
        sandbox,
        `import net from 'node:net'; import dns from 'node:dns/promises';
const tryConnect = (host, port) => new Promise((resolve) => {
  const s = net.connect({ host, port, timeout: 2000 });
  s.on('connect', () => { s.destroy(); resolve('CONNECTED'); });
  s.on('error', (e) => resolve(e.code));
  s.on('timeout', () => { s.destroy(); resolve('TIMEOUT'); });
});
const targets = JSON.parse(process.argv[2]);
const results = {};
for (const [host, port] of targets) results[host + ':' + port] = await tryConnect(host, port);
results.dns = await dns.lookup('registry.npmjs.org').then(() => 'RESOLVED', (e) => e.code);
console.log(JSON.stringify(results));`,
        { args: [JSON.stringify([['127.0.0.1', port], ['127.0.0.1', 5432], ...hostAddresses.map((a) => [a, port])])] },
      );
      assert.ok(report, stderr);
      for (const [target, outcome] of Object.entries(report))
        assert.notEqual(outcome, 'CONNECTED', `${target} must be unreachable`);
      assert.equal(report[`127.0.0.1:${port}`], 'ECONNREFUSED', 'loopback is the sandbox’s own');
      assert.notEqual(report.dns, 'RESOLVED');
      assert.equal(connections, 0, 'the test’s listener saw no connection');
    } finally {
      listener.close();
    }
  });

  it('cannot signal the registry or anything outside its own PID namespace', async () => {
    const { report, stderr } = await run(
      sandbox,
      `const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code; } };
const host = Number(process.argv[2]);
console.log(JSON.stringify({ pid: process.pid, ppid: process.ppid, killHost: attempt(() => process.kill(host, 'SIGKILL')), killParent: attempt(() => process.kill(process.ppid, 'SIGKILL')), visible: (await import('node:fs')).readdirSync('/proc').filter((e) => /^\\d+$/.test(e)) }));`,
      { args: [String(process.pid)] },
    );
    assert.ok(report, stderr);
    assert.equal(report.killHost, 'ESRCH', 'the registry’s pid does not exist in the sandbox');
    assert.equal(report.ppid, 1, 'its parent is the sandbox’s own init');
    assert.deepEqual(
      report.visible.map(Number).sort((a: number, b: number) => a - b),
      [1, report.pid],
      'it sees only itself and the sandbox’s init',
    );
  });

  it('holds a fork bomb at the process limit (measured from outside), and the bomb’s own process survives', async () => {
    const watch = sampler();
    const { report, stderr } = await run(
      sandbox,
      `import { spawn } from 'node:child_process';
let started = 0; const errors = {};
for (let i = 0; i < 60; i++) {
  await new Promise((resolve) => {
    const c = spawn('/usr/bin/node', ['-e', 'setInterval(() => {}, 1e6)'], { stdio: 'ignore' });
    c.on('spawn', () => { started++; resolve(); });
    c.on('error', (e) => { errors[e.code] = (errors[e.code] ?? 0) + 1; resolve(); });
  });
}
await new Promise((r) => setTimeout(r, 500));
console.log(JSON.stringify({ started, errors }));
process.exit(0);`,
    );
    const { maxTasks } = await watch.stop();
    assert.ok(report, stderr);
    assert.ok(report.started < 60, `only some of the 60 processes started: ${JSON.stringify(report)}`);
    assert.ok(report.errors.EAGAIN > 0, JSON.stringify(report));
    assert.ok(maxTasks <= LIMITS.maxProcesses, `at most ${LIMITS.maxProcesses} tasks at once, saw ${maxTasks}`);
  });

  it('kills a Buffer bomb at the memory limit of its whole tree (measured from outside)', async () => {
    const watch = sampler();
    const { report, limit, code } = await run(
      sandbox,
      `const held = [];
for (let mb = 8; mb <= 1024; mb += 8) { held.push(Buffer.alloc(8 * 1024 * 1024, 1)); await new Promise((r) => setTimeout(r, 2)); }
console.log(JSON.stringify({ survived: true }));`,
    );
    const { maxRssMb } = await watch.stop();
    assert.equal(report, null, 'it never got to report');
    assert.equal(limit, 'it exceeded its memory limit of 128 MB');
    assert.equal(code, 137, 'killed (SIGKILL) by the OOM killer');
    assert.ok(maxRssMb < 140, `resident memory stayed under the 128 MB limit: saw ${maxRssMb.toFixed(1)} MB`);
  });

  it('without cgroups, the rlimit fallback still caps each process’s memory', async () => {
    const fallback = new BwrapSandbox({ limits: LIMITS, uidBase: UID_BASE, permissionModel: false, cgroups: false });
    try {
      const rep = await fallback.report();
      assert.equal(rep.status, 'ok', rep.reason);
      assert.match(rep.limits.memory!, /^128 MB of data per process \(RLIMIT_DATA; no cgroup: cgroups turned off\)$/);
      const watch = sampler();
      const { report, stderr, code } = await run(
        fallback,
        `const held = []; let error = null;
try { for (let mb = 8; mb <= 1024; mb += 8) held.push(Buffer.alloc(8 * 1024 * 1024, 1)); } catch (e) { error = e.message; }
console.log(JSON.stringify({ heldMb: held.length * 8, error }));`,
      );
      const { maxRssMb } = await watch.stop();
      // Either the allocation fails inside, or V8 gives up and aborts: the process stays small or dies.
      if (report) {
        assert.match(report.error, /allocation failed/i);
        assert.ok(report.heldMb < 128, JSON.stringify(report));
      } else {
        // V8 cannot go on without memory: it aborts (134) or faults (139); either way the process is gone.
        assert.ok(code === 134 || code === 139, `killed by a signal, not an exit: ${code} ${stderr.slice(-300)}`);
      }
      assert.ok(maxRssMb < 140, `saw ${maxRssMb.toFixed(1)} MB`);
    } finally {
      await fallback.close();
    }
  });

  it('gives a skill its secrets as environment variables, read from a read-only file, never on a host command line or environment', async () => {
    const value = `sk-live-${'x'.repeat(20)}-${Date.now()}`;
    const seenOnHost: string[] = [];
    const { report, stderr } = await run(
      sandbox,
      `import fs from 'node:fs';
const attempt = (f) => { try { f(); return 'ok'; } catch (e) { return e.code ?? e.message; } };
${FD_KINDS}
console.log(JSON.stringify({ waiting: true }));
await new Promise((r) => process.stdin.on('end', r).resume());
console.log(JSON.stringify({
  key: process.env.CRM_API_KEY,
  multi: process.env.PEM,
  env: Object.keys(process.env).sort(),
  fds: fdKinds(),
  overwrite: attempt(() => fs.writeFileSync('/run/aerostack/secrets.json', '{}')),
}));`,
      {
        secrets: { CRM_API_KEY: value, PEM: '-----BEGIN-----\nline\n-----END-----' },
        during: async () => {
          // Every process on the host, the sandbox's own bwrap and node included: no value in sight.
          for (const pid of (await readdir('/proc')).filter((e) => /^\d+$/.test(e))) {
            for (const f of ['cmdline', 'environ']) {
              const text = await readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '');
              if (text.includes(value)) seenOnHost.push(`${pid}/${f}`);
            }
          }
        },
      },
    );
    assert.ok(report, stderr);
    assert.equal(report.key, value);
    assert.equal(report.multi, '-----BEGIN-----\nline\n-----END-----');
    assert.deepEqual(report.env, ['CRM_API_KEY', 'HOME', 'LANG', 'NODE_ENV', 'PATH', 'PEM', 'PWD', 'TZ']);
    // The same kinds of descriptor as a skill given nothing: the secrets' pipe was closed by bwrap.
    const plain = await run(
      sandbox,
      `import fs from 'node:fs';\n${FD_KINDS}\nconsole.log('{}');\nawait new Promise((r) => process.stdin.on('end', r).resume());\nconsole.log(JSON.stringify({ fds: fdKinds() }));`,
      { during: async () => {} },
    );
    assert.deepEqual(report.fds, plain.report.fds, 'no descriptor of the registry is left open');
    assert.equal(report.overwrite, 'EROFS');
    assert.deepEqual(seenOnHost, []);
  });

  it('leaves nothing behind: no process of a sandbox uid, no cgroup', async () => {
    // Still running when it is disposed of.
    await run(sandbox, `console.log('{}'); setInterval(() => {}, 1000);`, { during: async () => {}, timeoutMs: 500 });
    assert.deepEqual(await sandboxProcesses(), []);
    const groups = (await readFile('/proc/self/cgroup', 'utf8')).match(/:memory:(.*)$/m)?.[1];
    if (groups !== undefined) {
      const mine = (await readdir(path.join('/sys/fs/cgroup/memory', groups))).filter((e) =>
        e.startsWith(`aerostack-${process.pid}-`),
      );
      for (const d of mine) {
        const entries: Dirent[] = await readdir(path.join('/sys/fs/cgroup/memory', groups, d), { withFileTypes: true });
        assert.deepEqual(
          entries.filter((e) => e.isDirectory()).map((e) => e.name),
          [],
          'no skill group is left',
        );
      }
    }
  });
});
