import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import { sandboxEnv, sandboxExecArgv } from './sandbox.js';

const RUNNER = fileURLToPath(new URL('./skill-runner.js', import.meta.url));

interface Pending {
  resolve(r: CallToolResult): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
}

/** One sandboxed child running a `type: "skill"` module; calls go over IPC. */
export class SkillChild {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private exited = false;
  lastUsed = Date.now();

  private constructor(
    private readonly child: ChildProcess,
    private readonly limits: RuntimeLimits,
  ) {
    child.on('message', (msg: { id?: number; result?: CallToolResult; error?: string; status?: string }) => {
      if (msg.id === undefined) return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error !== undefined) p.reject(new SkillCallError(msg.error, msg.status === 'too_large' ? 'too_large' : 'error'));
      else p.resolve(msg.result!);
    });
    // Spawn and signal failures: the start or call timeout reports them; unhandled, they would be fatal.
    child.on('error', () => {});
    child.on('exit', (code, signal) => {
      this.exited = true;
      const why = signal ? `was killed (${signal})` : `exited with code ${code}`;
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new SkillCallError(`The skill process ${why} during the call`, 'crashed'));
        this.pending.delete(id);
      }
    });
  }

  static start(dir: string, main: string, limits: RuntimeLimits): Promise<SkillChild> {
    const child = fork(RUNNER, [dir, main, String(limits.maxOutputBytes)], {
      cwd: dir,
      env: sandboxEnv(),
      execArgv: sandboxExecArgv(dir, limits, [RUNNER]),
      // The skill's own stdout/stderr go nowhere: a skill printing 50 MB costs it, not the gateway.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'json',
    });
    const sc = new SkillChild(child, limits);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new SkillCallError(`The skill did not start within ${limits.startTimeoutMs} ms`, 'timeout'));
      }, limits.startTimeoutMs);
      const onMessage = (msg: { ready?: boolean; startError?: string }) => {
        if (msg.ready) {
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(sc);
        } else if (msg.startError) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          reject(new SkillCallError(`The skill failed to load: ${msg.startError}`, 'error'));
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new SkillCallError(`The skill process exited while starting (code ${code})`, 'crashed'));
      });
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get busy(): number {
    return this.pending.size;
  }

  call(input: unknown, context: Record<string, unknown>): Promise<CallToolResult> {
    if (this.exited) return Promise.reject(new SkillCallError('The skill process is not running', 'crashed'));
    if (this.pending.size >= this.limits.maxConcurrentCalls) {
      return Promise.reject(new SkillCallError(`The skill is busy (${this.pending.size} calls in progress); try again`, 'busy'));
    }
    this.lastUsed = Date.now();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SkillCallError(`The skill did not answer within ${this.limits.callTimeoutMs} ms`, 'timeout'));
        // A call that never answers may be an endless loop that blocks every other call: restart.
        this.stop();
      }, this.limits.callTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      // A child that is exiting on its own (process.exit) may have closed the channel already: that
      // fails this call, instead of an unhandled 'error' event that would take the gateway down.
      this.child.send({ id, input, context }, (err) => {
        const p = err ? this.pending.get(id) : undefined;
        if (!p) return;
        this.pending.delete(id);
        clearTimeout(p.timer);
        p.reject(new SkillCallError('The skill process exited before it received the call', 'crashed'));
      });
    });
  }

  stop(): void {
    if (this.exited) return;
    // Dead from now on, not when 'exit' arrives: the pool must not hand the next call to a process
    // that is being killed (it would fail with "killed during the call" for nothing it did).
    this.exited = true;
    this.child.kill('SIGKILL');
  }
}
