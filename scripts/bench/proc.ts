/** Child processes of the bench: the registry, s3rver and the ceiling server, each forked with an IPC channel. */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Child<Ready> {
  proc: ChildProcess;
  pid: number;
  ready: Ready;
  /** Forked → ready, in milliseconds. */
  startMs: number;
  /** Sends a command and waits for its `{ id, ok, result }` answer. */
  call<T = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Asks politely (`stop` command or disconnect), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** The child's stdout/stderr so far (for error messages). */
  logTail(): string;
}

/** A compiled sibling script of this folder (`registry-process` → dist/scripts/bench/registry-process.js). */
export const benchScript = (name: string): string => fileURLToPath(new URL(`./${name}.js`, import.meta.url));

export async function forkChild<Ready extends { pid: number }>(
  script: string,
  opts: {
    env?: NodeJS.ProcessEnv;
    logFile: string;
    execArgv?: string[];
    startTimeoutMs?: number;
    stopCommand?: boolean;
  },
): Promise<Child<Ready>> {
  const fd = openSync(opts.logFile, 'a');
  const t0 = performance.now();
  const proc = fork(benchScript(script), [], {
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd, 'ipc'],
    execArgv: opts.execArgv ?? [],
  });
  closeSync(fd);
  const logTail = () => {
    try {
      return readFileSync(opts.logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  let exited = false;
  const exit = new Promise<void>((resolve) => proc.once('exit', () => ((exited = true), resolve())));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start within ${opts.startTimeoutMs ?? 120_000} ms\n${logTail()}`)),
      opts.startTimeoutMs ?? 120_000,
    );
    proc.on('message', function onReady(msg: { ready?: boolean }) {
      if (!msg.ready) return;
      clearTimeout(timer);
      proc.off('message', onReady);
      resolve(msg as unknown as Ready);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready\n${logTail()}`));
    });
  });
  const startMs = performance.now() - t0;

  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  proc.on('message', (msg: { id?: number; ok?: boolean; result?: unknown; error?: string }) => {
    if (msg.id === undefined) return;
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(`${script}: ${msg.error}`));
  });
  proc.once('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${script} exited (code ${code})\n${logTail()}`));
    pending.clear();
  });

  const call = <T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 600_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${script}: ${cmd} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      proc.send({ id, cmd, ...args });
    });

  const stop = async (graceMs = 15_000) => {
    if (exited) return;
    const killer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    try {
      if (opts.stopCommand) await call('stop', {}, graceMs).catch(() => undefined);
      if (proc.connected) proc.disconnect();
      await exit;
    } finally {
      clearTimeout(killer);
    }
  };

  return { proc, pid: ready.pid, ready, startMs, call, stop, logTail };
}

/** The resident set size of a process, from /proc (Linux), in bytes; null elsewhere. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
