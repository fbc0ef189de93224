/** What one skill process may use. Every figure is per (workspace, skill version) child. */
export interface RuntimeLimits {
  /** A call that has not answered by then fails, and the child is killed (it may be hung). */
  callTimeoutMs: number;
  /** Memory for the child's whole process tree (cgroup), and its V8 heap cap (--max-old-space-size). */
  memoryMb: number;
  /** Calls in flight per child; more are refused at once rather than queued without bound. */
  maxConcurrentCalls: number;
  /** Largest result (as JSON) a call may return; a stdio frame may be this plus the envelope. */
  maxOutputBytes: number;
  /** A child with no calls for this long is stopped; the next call starts a fresh one. */
  idleMs: number;
  /** Starting a child (import of the skill, MCP initialize) must finish within this. */
  startTimeoutMs: number;
  /** Processes and threads in the child's tree (Node alone runs about 11 threads). */
  maxProcesses: number;
  /** CPU share of the child's tree, in CPUs (0.5 = half of one core). */
  cpus: number;
  /** CPU seconds one child process may use in its life; past that it is killed and started afresh. */
  cpuSeconds: number;
  /** Size of the child's private /tmp (it counts against the memory limit too). */
  tmpMb: number;
}

export const DEFAULT_RUNTIME_LIMITS: RuntimeLimits = {
  callTimeoutMs: 10_000,
  memoryMb: 128,
  maxConcurrentCalls: 8,
  maxOutputBytes: 1024 * 1024,
  idleMs: 5 * 60_000,
  startTimeoutMs: 10_000,
  maxProcesses: 64,
  cpus: 1,
  cpuSeconds: 3600,
  tmpMb: 16,
};

/** How a tool call ended, as the audit log records it. */
export type CallStatus =
  'ok' | 'error' | 'timeout' | 'crashed' | 'too_large' | 'busy' | 'unsupported' | 'invalid_arguments' | 'unavailable';

/** A call failed for a reason the caller should see (timeout, crash, too much output…). */
export class SkillCallError extends Error {
  override name = 'SkillCallError';
  constructor(
    message: string,
    readonly status: Exclude<CallStatus, 'ok'>,
  ) {
    super(message);
  }
}
