/** What one skill process may use. Every figure is per (workspace, skill version) child. */
export interface RuntimeLimits {
  /** A call that has not answered by then fails, and the child is killed (it may be hung). */
  callTimeoutMs: number;
  /** V8 heap cap for the child (--max-old-space-size). */
  memoryMb: number;
  /** Calls in flight per child; more are refused at once rather than queued without bound. */
  maxConcurrentCalls: number;
  /** Largest result (as JSON) a call may return. */
  maxOutputBytes: number;
  /** A child with no calls for this long is stopped; the next call starts a fresh one. */
  idleMs: number;
  /** Starting a child (import of the skill, MCP initialize) must finish within this. */
  startTimeoutMs: number;
}

export const DEFAULT_RUNTIME_LIMITS: RuntimeLimits = {
  callTimeoutMs: 10_000,
  memoryMb: 128,
  maxConcurrentCalls: 8,
  maxOutputBytes: 1024 * 1024,
  idleMs: 5 * 60_000,
  startTimeoutMs: 10_000,
};

/** A call failed for a reason the caller should see (timeout, crash, too much output…). */
export class SkillCallError extends Error {
  override name = 'SkillCallError';
  constructor(
    message: string,
    readonly status: 'error' | 'timeout' | 'crashed' | 'too_large' | 'busy' | 'unsupported',
  ) {
    super(message);
  }
}
