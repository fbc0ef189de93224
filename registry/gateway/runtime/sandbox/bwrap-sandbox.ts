/**
 * Skill processes inside Linux namespaces, with bubblewrap. The launch chain, run by /bin/sh:
 *
 *   sh: write its own pid into the child's cgroups (so everything after runs limited), then exec
 *   prlimit                     CPU seconds, open files, no core dumps; processes (per host uid)
 *   [unshare --mount, sh]       when root: host folders the sandbox's uid cannot reach (a data dir
 *                               of mode 0700, say) are bind-mounted into a staging tmpfs, in a mount
 *                               namespace of this launch only
 *   env -i                      nothing of the registry's environment reaches even bwrap's own pid 1
 *   setpriv --reuid=U           when the registry is root: a host uid of the process's own
 *   bwrap                       new user, PID, network, mount, IPC, UTS and cgroup namespaces; uid
 *                               65534 inside; no capabilities; a root holding only the Node runtime,
 *                               the skill's folder (and the runner), read-only, and a small /tmp
 *   /usr/bin/node <permission model flags> -- <entry> <args…>
 *
 * No descriptor but stdin, stdout and stderr reaches Node: the secrets' pipe (fd 3) is read and
 * closed by bwrap itself.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { constants } from 'node:fs';
import { access, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { constants as os } from 'node:os';
import path from 'node:path';
import { SkillCallError, type RuntimeLimits } from '../limits.js';
import { Cgroups, type ChildCgroup } from './cgroups.js';
import {
  NODE_IN_SANDBOX,
  RUNNER_DIR,
  RUNNER_ENTRY,
  nodeFlags,
  nodeRuntimeFiles,
  type RuntimeFile,
} from './node-runtime.js';
import { EGRESS_DIR_IN_SANDBOX, PRELOAD_IN_SANDBOX, SECRETS_FILE_IN_SANDBOX } from '../runner/protocol.mjs';
import {
  SKILL_ENV,
  fileInFolder,
  type LaunchRequest,
  type Sandbox,
  type SandboxReport,
  type SandboxedProcess,
} from './sandbox.js';

export interface BwrapSandboxOptions {
  limits: RuntimeLimits;
  /** First host uid for skill processes when the registry runs as root (one uid per running process). */
  uidBase: number;
  /** Limit memory, processes and CPU with cgroups where writable; false uses the rlimit fallback. */
  cgroups?: boolean;
  /** Where to look for bwrap, prlimit, setpriv and env (default: this process's PATH). */
  searchPath?: string;
  /**
   * Node's permission model inside the sandbox, the second wall (default on). The sandbox tests turn
   * it off to show that the OS walls hold on their own.
   */
  permissionModel?: boolean;
}

/** Writes `$$` into each cgroup.procs named before `--`, then execs the rest. */
const LAUNCHER = 'for f; do shift; [ "$f" = -- ] && break; echo $$ > "$f" || exit 125; done; exec "$@"';
/**
 * $1 mount and mkdir, $2 the staging folder; then sources up to `--`, each bind-mounted at
 * <staging>/<index> on a private tmpfs; then execs the rest. Runs as root in a new mount namespace.
 */
const STAGER =
  'm=$1; k=$2; d=$3; shift 3; "$m" -t tmpfs -o size=64k,mode=0755 aerostack-stage "$d" || exit 125; i=0; ' +
  'for s; do shift; [ "$s" = -- ] && break; if [ -d "$s" ]; then "$k" "$d/$i"; else : > "$d/$i"; fi; "$m" --bind "$s" "$d/$i" || exit 125; i=$((i+1)); done; exec "$@"';
const SANDBOX_UID = '65534';
/** The descriptor bwrap reads the secrets file from (`--ro-bind-data`); it closes it before Node starts. */
const SECRETS_FD = 3;
const NAMESPACE_FLAGS = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--die-with-parent',
  '--new-session',
  '--cap-drop',
  'ALL',
];
/** Host uids handed out at once; more processes than this wait for none: the launch is refused. */
const UID_SLOTS = 4096;

interface Ready {
  tools: {
    sh: string;
    env: string;
    prlimit: string;
    bwrap: string;
    setpriv: string | null;
    unshare: string | null;
    mount: string | null;
    mkdir: string | null;
  };
  /** When root: an empty folder (mode 0755) the stager mounts its tmpfs on, in each launch's own namespace. */
  stageDir: string | null;
  runtime: RuntimeFile[];
  runner: RuntimeFile[];
  cgroups: Cgroups | null;
  report: SandboxReport;
}

export class BwrapSandbox implements Sandbox {
  private readonly ready: Promise<Ready | { unavailable: string; report: SandboxReport }>;
  private readonly freeSlots = Array.from({ length: UID_SLOTS }, (_, i) => UID_SLOTS - 1 - i);
  private readonly running = new Set<SandboxedProcess>();
  /** Folders known to be open (or closed) to other uids: the ancestors of every bind are checked once. */
  private readonly reachability = new Map<string, boolean>();

  constructor(private readonly opts: BwrapSandboxOptions) {
    this.ready = this.prepare().catch((err: Error) => this.unavailable(err.message));
  }

  async report(): Promise<SandboxReport> {
    return (await this.ready).report;
  }

  async launch(req: LaunchRequest): Promise<SandboxedProcess> {
    const ready = await this.ready;
    if ('unavailable' in ready)
      throw new SkillCallError(
        `Skills cannot run on this registry: the sandbox is unavailable (${ready.unavailable})`,
        'unavailable',
      );
    const runner = !('file' in req.entry);
    const entry =
      'file' in req.entry ? fileInFolder('/skill', req.entry.file, path.posix) : `/aerostack/${RUNNER_ENTRY}`;
    const secrets = Object.keys(req.secrets).length > 0 ? JSON.stringify(req.secrets) : null;
    // The preload sets the secrets and points fetch and http(s) at the egress proxy (sandbox-preload.mts).
    const preload = secrets !== null || req.egressDir !== null;
    const readable = [
      '/skill/',
      ...(runner || preload ? ['/aerostack/'] : []),
      ...(secrets !== null ? [path.posix.dirname(SECRETS_FILE_IN_SANDBOX) + '/'] : []),
      ...(req.egressDir !== null ? [`${EGRESS_DIR_IN_SANDBOX}/`] : []),
    ];
    const imports = preload ? [PRELOAD_IN_SANDBOX] : [];
    const flags =
      this.opts.permissionModel === false
        ? [...imports.map((f) => `--import=${f}`), '--']
        : nodeFlags(this.opts.limits, readable, imports);
    const program = [NODE_IN_SANDBOX, ...flags, entry, ...req.args];
    const binds = [
      ...ready.runtime,
      { source: req.skillDir, target: '/skill' },
      ...(runner || preload ? ready.runner : []),
      ...(req.egressDir !== null ? [{ source: req.egressDir, target: EGRESS_DIR_IN_SANDBOX }] : []),
    ];
    return this.start(ready, binds, program, secrets);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.running].map((p) => p.dispose()));
    const ready = await this.ready;
    if ('unavailable' in ready) return;
    await ready.cgroups?.close();
    if (ready.stageDir) await rm(ready.stageDir, { recursive: true, force: true });
  }

  /**
   * `secrets` (JSON), when given, is written into a pipe at fd 3 that bwrap reads to EOF into a
   * read-only file (`--ro-bind-data`) and closes before it starts Node: the values never appear on a
   * command line or in an environment that the host's `ps` can show.
   */
  private async start(
    ready: Ready,
    binds: RuntimeFile[],
    program: string[],
    secrets: string | null = null,
  ): Promise<SandboxedProcess> {
    const slot = this.freeSlots.pop();
    if (slot === undefined)
      throw new SkillCallError(`${UID_SLOTS} skill processes are running already; try again`, 'busy');
    let cgroup: ChildCgroup | null = null;
    let staged: string[];
    try {
      cgroup = ready.cgroups ? await ready.cgroups.create() : null;
      staged = ready.stageDir ? await this.unreachable(binds) : [];
    } catch (err) {
      await cgroup?.remove();
      this.freeSlots.push(slot);
      throw new SkillCallError(`The sandbox could not be set up: ${(err as Error).message}`, 'unavailable');
    }
    const bindArgs = binds.flatMap((b) => {
      const i = staged.indexOf(b.source);
      return ['--ro-bind', i === -1 ? b.source : `${ready.stageDir}/${i}`, b.target];
    });
    if (secrets !== null) bindArgs.push('--ro-bind-data', String(SECRETS_FD), SECRETS_FILE_IN_SANDBOX);
    const child = spawn(
      ready.tools.sh,
      [
        '-c',
        LAUNCHER,
        'aerostack-sandbox',
        ...(cgroup?.procsFiles ?? []),
        '--',
        ...this.chain(ready, slot, staged, bindArgs, program),
      ],
      {
        env: {},
        stdio: secrets === null ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
      },
    ) as ChildProcessByStdio<Writable, Readable, Readable>;
    // Spawn failures surface as the exit that follows; unhandled, an 'error' event would be fatal.
    child.on('error', () => {});
    if (secrets !== null) {
      const pipe = child.stdio[SECRETS_FD] as Writable;
      pipe.on('error', () => {});
      pipe.end(secrets);
    }
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    let disposing: Promise<void> | undefined;
    const proc: SandboxedProcess = {
      child,
      limitHit: async () => {
        if (await cgroup?.oomKilled()) return `it exceeded its memory limit of ${this.opts.limits.memoryMb} MB`;
        // bwrap reports a child killed by signal N as exit code 128 + N.
        if (child.signalCode === 'SIGXCPU' || child.exitCode === 128 + os.signals.SIGXCPU)
          return `it used up its CPU time limit of ${this.opts.limits.cpuSeconds} s`;
        return null;
      },
      dispose: () =>
        (disposing ??= (async () => {
          child.kill('SIGKILL');
          await cgroup?.killAll();
          await exited;
          await cgroup?.remove();
          this.freeSlots.push(slot);
          this.running.delete(proc);
        })()),
    };
    this.running.add(proc);
    return proc;
  }

  /** The host paths among `binds` that the sandbox's uid could not open itself (an ancestor closed to others). */
  private async unreachable(binds: RuntimeFile[]): Promise<string[]> {
    const closed = await Promise.all(
      binds.map((b) => reachableByOthers(b.source, this.reachability).then((ok) => !ok)),
    );
    return binds.filter((_, i) => closed[i]).map((b) => b.source);
  }

  /** The command after the launcher: prlimit, [unshare + stager], env -i, setpriv, bwrap, then `program`. */
  private chain(ready: Ready, slot: number, staged: string[], bindArgs: string[], program: string[]): string[] {
    const { limits } = this.opts;
    const { tools } = ready;
    const memoryBytes = limits.memoryMb * 1024 * 1024;
    const uid = String(this.opts.uidBase + slot);
    const rlimits = [
      `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds}`,
      '--nofile=1024:1024',
      '--core=0:0',
      // RLIMIT_NPROC counts every process of a uid: meaningful only with a uid of the sandbox's own.
      ...(tools.setpriv ? [`--nproc=${limits.maxProcesses}:${limits.maxProcesses}`] : []),
      // Without a memory cgroup, each process's data segment is capped instead (RLIMIT_AS breaks Node).
      ...(ready.cgroups?.enforcedBy.memory ? [] : [`--data=${memoryBytes}:${memoryBytes}`]),
    ];
    const setenv = Object.entries(SKILL_ENV).flatMap(([k, v]) => ['--setenv', k, v]);
    return [
      tools.prlimit,
      ...rlimits,
      '--',
      ...(staged.length
        ? [
            tools.unshare!,
            '--mount',
            '--',
            tools.sh,
            '-c',
            STAGER,
            'aerostack-stage',
            tools.mount!,
            tools.mkdir!,
            ready.stageDir!,
            ...staged,
            '--',
          ]
        : []),
      // Last before bwrap: the shells above export PWD, and bwrap's own pid 1 keeps what it is given.
      tools.env,
      '-i',
      ...(tools.setpriv ? [tools.setpriv, `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', '--'] : []),
      tools.bwrap,
      ...NAMESPACE_FLAGS,
      '--uid',
      SANDBOX_UID,
      '--gid',
      SANDBOX_UID,
      '--hostname',
      'skill',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      '--size',
      String(limits.tmpMb * 1024 * 1024),
      '--tmpfs',
      '/tmp',
      ...bindArgs,
      '--clearenv',
      ...setenv,
      '--remount-ro',
      '/',
      '--chdir',
      '/skill',
      '--',
      ...program,
    ];
  }

  private async prepare(): Promise<Ready | { unavailable: string; report: SandboxReport }> {
    if (process.platform !== 'linux') return this.unavailable('the bubblewrap sandbox needs Linux');
    const find = (name: string) => findExecutable(name, this.opts.searchPath ?? process.env.PATH ?? '/usr/bin:/bin');
    const asRoot = process.getuid?.() === 0;
    const [sh, env, prlimit, bwrap, setpriv, unshare, mount, mkdir] = await Promise.all(
      ['sh', 'env', 'prlimit', 'bwrap', ...(asRoot ? ['setpriv', 'unshare', 'mount', 'mkdir'] : [])].map(find),
    );
    if (!bwrap) return this.unavailable('bubblewrap is not installed (Debian: apt-get install bubblewrap)');
    if (!sh || !env) return this.unavailable('sh and env are needed to start the sandbox');
    if (!prlimit || (asRoot && (!setpriv || !unshare || !mount || !mkdir))) {
      return this.unavailable(
        `prlimit${asRoot ? ', setpriv, unshare and mount' : ''} (util-linux) are needed to start the sandbox`,
      );
    }
    if (
      !(await access(path.join(RUNNER_DIR, RUNNER_ENTRY)).then(
        () => true,
        () => false,
      ))
    ) {
      return this.unavailable(
        `the skill runner ${path.join(RUNNER_DIR, RUNNER_ENTRY)} is missing (npm run build makes it)`,
      );
    }
    const runtime = await nodeRuntimeFiles();
    const runner: RuntimeFile[] = [{ source: RUNNER_DIR, target: '/aerostack' }];
    const { limits } = this.opts;
    const cgroups =
      this.opts.cgroups === false
        ? { unavailable: 'cgroups turned off' }
        : await Cgroups.setUp({
            memoryBytes: limits.memoryMb * 1024 * 1024,
            maxProcesses: limits.maxProcesses,
            cpus: limits.cpus,
          });
    const ready: Ready = {
      tools: {
        sh,
        env,
        prlimit,
        bwrap,
        setpriv: setpriv ?? null,
        unshare: unshare ?? null,
        mount: mount ?? null,
        mkdir: mkdir ?? null,
      },
      stageDir: asRoot ? await mkdtemp(path.join(tmpdir(), 'aerostack-sandbox-')) : null,
      runtime,
      runner,
      cgroups: cgroups instanceof Cgroups ? cgroups : null,
      report: { mode: 'bwrap', status: 'ok', limits: {} },
    };
    ready.report.limits = this.describeLimits(ready, cgroups instanceof Cgroups ? null : cgroups.unavailable);
    const failure = await this.probe(ready);
    if (failure) {
      await ready.cgroups?.close();
      if (ready.stageDir) await rm(ready.stageDir, { recursive: true, force: true });
      return this.unavailable(`bubblewrap cannot start a sandbox here: ${failure}`);
    }
    return ready;
  }

  /** Runs `node -e` through the whole chain (with some folder as /skill); null when it worked, else what went wrong. */
  private async probe(ready: Ready): Promise<string | null> {
    let proc: SandboxedProcess;
    try {
      proc = await this.start(
        ready,
        [...ready.runtime, { source: RUNNER_DIR, target: '/skill' }],
        [NODE_IN_SANDBOX, '-e', 'process.stdout.write("ok")'],
      );
    } catch (err) {
      return (err as Error).message;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.child.stdout.on('data', (c: Buffer) => out.push(c));
    proc.child.stderr.on('data', (c: Buffer) => err.push(c));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 15_000);
      proc.child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    await proc.dispose();
    if (code === 0 && Buffer.concat(out).toString() === 'ok') return null;
    const said = Buffer.concat(err).toString().trim().split('\n')[0]?.slice(0, 300) ?? '';
    const hint = /namespace|Operation not permitted|setting up uid map/i.test(said)
      ? ' (are unprivileged user namespaces turned off? see user.max_user_namespaces)'
      : '';
    return `${said || (code === null ? 'it did not finish within 15 s' : `it exited with code ${code}`)}${hint}`;
  }

  private describeLimits(ready: Ready, noCgroup: string | null): Record<string, string> {
    const l = this.opts.limits;
    const by = ready.cgroups?.enforcedBy ?? {};
    const without = `no cgroup: ${noCgroup ?? 'controller not available'}`;
    return {
      isolation: `bubblewrap: new user, PID, network, mount, IPC, UTS and cgroup namespaces; uid 65534 inside${ready.tools.setpriv ? `, a host uid of its own from ${this.opts.uidBase}` : ''}; no capabilities`,
      filesystem: `read-only: the Node runtime and the skill's folder (and the runner); a private /tmp of ${l.tmpMb} MB`,
      network:
        "none: a network namespace with loopback only; a skill that declares `network` reaches the hosts its workspace approved through the registry's egress proxy",
      memory: by.memory
        ? `${l.memoryMb} MB for each skill's processes together (${by.memory})`
        : `${l.memoryMb} MB of data per process (RLIMIT_DATA; ${without})`,
      processes:
        by.pids || ready.tools.setpriv
          ? `${l.maxProcesses} processes and threads per skill (${[by.pids, ready.tools.setpriv ? 'RLIMIT_NPROC of its own uid' : null].filter(Boolean).join(', ')})`
          : `no limit (${without}; not root, so no uid of its own for RLIMIT_NPROC)`,
      cpu: by.cpu ? `${l.cpus} CPU per skill (${by.cpu})` : `no cap on CPU share (${without})`,
      cpuTime: `${l.cpuSeconds} s per process (RLIMIT_CPU)`,
      heap: `${l.memoryMb} MB V8 heap (--max-old-space-size)`,
      node: "Node's permission model: read the skill's folder only; no writes, child processes, workers or addons",
      call: `${l.callTimeoutMs} ms per call, ${l.maxConcurrentCalls} calls at once, ${l.maxOutputBytes} bytes per result`,
    };
  }

  private unavailable(reason: string): { unavailable: string; report: SandboxReport } {
    return { unavailable: reason, report: { mode: 'bwrap', status: 'unavailable', reason, limits: {} } };
  }
}

/** The first executable called `name` in `searchPath`, or null. */
async function findExecutable(name: string, searchPath: string): Promise<string | null> {
  for (const dir of searchPath.split(':').filter((d) => path.isAbsolute(d))) {
    const file = path.join(dir, name);
    if (
      await access(file, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return file;
  }
  return null;
}

/**
 * Whether a uid that is neither the owner nor in the group can reach `target` through its path
 * (bwrap resolves bind sources as the sandbox's uid): false when a folder above it is closed to
 * others. `target` itself must be readable by others (the unpacker makes skill folders 0755);
 * staging could not change that. Answers for folders above are kept in `known`.
 */
async function reachableByOthers(target: string, known: Map<string, boolean>): Promise<boolean> {
  const st = await stat(target);
  const open = st.isDirectory() ? (st.mode & 0o005) === 0o005 : (st.mode & 0o004) !== 0;
  if (!open)
    throw new Error(
      `${target} is not readable by other users (mode ${(st.mode & 0o777).toString(8)}), so the sandbox cannot read it`,
    );
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    let searchable = known.get(dir);
    if (searchable === undefined) {
      searchable = ((await stat(dir)).mode & 0o001) !== 0;
      known.set(dir, searchable);
    }
    if (!searchable) return false;
    if (dir === path.dirname(dir)) return true;
  }
}
