import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RuntimeLimits } from '../limits.js';
import { RUNNER_DIR, RUNNER_ENTRY, nodeFlags } from './node-runtime.js';
import {
  SKILL_ENV,
  fileInFolder,
  type LaunchRequest,
  type Sandbox,
  type SandboxReport,
  type SandboxedProcess,
} from './sandbox.js';

export const UNCONFINED_WARNING =
  'AEROSTACK_SANDBOX=none: skills run without the OS sandbox, with Node’s permission model only. They can reach the network (the database, this registry), use memory without limit and signal other processes of this user. Use it only for a trusted single-team install.';

/**
 * `AEROSTACK_SANDBOX=none`, set by an operator for a trusted single-team install: skill processes
 * are plain children of the registry, held only by Node's permission model, the heap cap and the
 * gateway's own limits (time, output, concurrency).
 */
export class UnconfinedSandbox implements Sandbox {
  constructor(private readonly limits: RuntimeLimits) {}

  report(): Promise<SandboxReport> {
    return Promise.resolve({
      mode: 'none',
      status: 'unconfined',
      reason: UNCONFINED_WARNING,
      limits: {
        isolation: 'none (AEROSTACK_SANDBOX=none)',
        network: 'open',
        memory: `${this.limits.memoryMb} MB V8 heap only (--max-old-space-size)`,
        node: "Node's permission model: read the skill's folder only; no writes, child processes, workers or addons",
        call: `${this.limits.callTimeoutMs} ms per call, ${this.limits.maxConcurrentCalls} calls at once, ${this.limits.maxOutputBytes} bytes per result`,
      },
    });
  }

  launch(req: LaunchRequest): Promise<SandboxedProcess> {
    const folder = path.resolve(req.skillDir) + path.sep;
    const runner = !('file' in req.entry);
    const entry =
      'file' in req.entry ? fileInFolder(folder, req.entry.file, path) : path.join(RUNNER_DIR, RUNNER_ENTRY);
    const readable = runner ? [folder, RUNNER_DIR] : [folder];
    const child = spawn(process.execPath, [...nodeFlags(this.limits, readable), entry, ...req.args], {
      cwd: folder,
      // No egress proxy here: the network is open (the report says so), so only the secrets are given.
      env: { ...req.secrets, ...SKILL_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.on('error', () => {});
    const exited = new Promise<void>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
    );
    return Promise.resolve({
      child,
      limitHit: () => Promise.resolve(null),
      dispose: async () => {
        child.kill('SIGKILL');
        await exited;
      },
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
