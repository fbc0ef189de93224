import { constants } from 'node:os';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import { CappedStdioTransport } from './capped-stdio-transport.js';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import { OUTPUT_TOO_LARGE_CODE } from './runner/protocol.mjs';
import type { LaunchRequest, Sandbox, SandboxedProcess } from './sandbox/sandbox.js';
import type { SkillProcessEnd } from '../../metrics/metrics.js';

/** How much of a child's stderr is kept, for the error when it fails to start or crashes. */
const STDERR_TAIL_BYTES = 4096;
/** Messages a child may send per second before it counts as a flood. */
const MAX_FRAMES_PER_SECOND = 2000;
/** Tools one MCP server may list. */
export const MAX_TOOLS_PER_SERVER = 256;
/** A stdio message may carry a result of maxOutputBytes plus the JSON-RPC envelope. */
const FRAME_ENVELOPE_BYTES = 64 * 1024;

/**
 * One sandboxed skill process — the runner of a `type: "skill"` skill or a `type: "mcp"` server —
 * reached as an MCP server on stdio through the SDK's own Client. Every limit is enforced here, on
 * the gateway's side, because the process may lie: message size and rate (the transport), the call
 * timeout, concurrency and the result size.
 */
export class SkillProcess {
  private exited = false;
  private inFlight = 0;
  private toolsCache: Promise<Tool[]> | null = null;
  /** Why the transport gave up on the process (a flood): the reason a pending call reports. */
  private failure: SkillCallError | null = null;
  private stderrTail = Buffer.alloc(0);
  /** How the process ended ("exited with code 1"), once it has; the sandbox is released by then. */
  readonly ended: Promise<string>;
  /** Why it ended, for /metrics: set once `ended` has resolved. */
  endedBy: SkillProcessEnd | null = null;
  /** Who stopped it, and why, when the gateway did (see stop()). */
  private stoppedFor: 'idle' | 'retired' | 'shutdown' | 'timeout' | null = null;
  lastUsed = Date.now();

  private constructor(
    private readonly proc: SandboxedProcess,
    private readonly client: Client,
    private readonly limits: RuntimeLimits,
  ) {
    const { child } = proc;
    child.stderr.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([this.stderrTail, chunk]);
      this.stderrTail = joined.subarray(Math.max(0, joined.length - STDERR_TAIL_BYTES));
    });
    child.stderr.on('error', () => {});
    // Dead at once, so no new call is handed to it; the description waits for the streams to end.
    child.once('exit', () => (this.exited = true));
    // 'close', not 'exit': by then all of stderr has been read, so the error can quote its end.
    this.ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('close', (code, signal) => resolve({ code, signal }));
    }).then(async ({ code, signal }) => {
      const limit = await proc.limitHit().catch(() => null);
      await proc.dispose().catch(() => {});
      this.endedBy = limit ? 'limit' : (this.stoppedFor ?? (this.failure ? 'protocol' : 'exited'));
      return describeExit(code, signal, limit);
    });
    client.onerror = (err) => {
      // The transport gave up on the process and is killing it: remember why, for the calls in flight.
      if (err instanceof SkillCallError) {
        this.failure ??= err;
        this.exited = true;
      }
    };
  }

  static async start(
    sandbox: Sandbox,
    req: LaunchRequest,
    limits: RuntimeLimits,
    validator: jsonSchemaValidator,
  ): Promise<SkillProcess> {
    const proc = await sandbox.launch(req);
    const { child } = proc;
    const transport = new CappedStdioTransport(
      {
        stdin: child.stdin,
        stdout: child.stdout,
        kill: () => void proc.dispose(),
        onExit: (listener) =>
          child.exitCode !== null || child.signalCode !== null
            ? queueMicrotask(listener)
            : child.once('exit', listener),
      },
      { maxFrameBytes: limits.maxOutputBytes + FRAME_ENVELOPE_BYTES, maxFramesPerSecond: MAX_FRAMES_PER_SECOND },
    );
    const client = new Client({ name: 'aerostack-gateway', version: '1.0.0' }, { jsonSchemaValidator: validator });
    const sp = new SkillProcess(proc, client, limits);
    try {
      await client.connect(transport, { timeout: limits.startTimeoutMs });
    } catch (err) {
      const timedOut = err instanceof McpError && err.code === (ErrorCode.RequestTimeout as number);
      sp.stop();
      const how = await sp.ended;
      throw new SkillCallError(
        timedOut
          ? `The skill did not start within ${limits.startTimeoutMs} ms${sp.stderrNote()}`
          : `The skill did not start: the process ${how}${sp.stderrNote()}`,
        timedOut ? 'timeout' : 'crashed',
      );
    }
    return sp;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get busy(): number {
    return this.inFlight;
  }

  /** The tools an MCP server lists (asked once per process). */
  tools(): Promise<Tool[]> {
    this.toolsCache ??= this.client.listTools(undefined, { timeout: this.limits.callTimeoutMs }).then(({ tools }) => {
      if (tools.length > MAX_TOOLS_PER_SERVER)
        throw new SkillCallError(
          `The MCP server lists ${tools.length} tools; the gateway takes at most ${MAX_TOOLS_PER_SERVER}`,
          'error',
        );
      return tools;
    });
    this.toolsCache.catch(() => (this.toolsCache = null));
    return this.toolsCache;
  }

  async call(tool: string, args: Record<string, unknown>, meta?: Record<string, unknown>): Promise<CallToolResult> {
    if (this.exited) throw new SkillCallError('The skill process is not running', 'crashed');
    if (this.inFlight >= this.limits.maxConcurrentCalls)
      throw new SkillCallError(`The skill is busy (${this.inFlight} calls in progress); try again`, 'busy');
    this.inFlight++;
    this.lastUsed = Date.now();
    try {
      const result = (await this.client.callTool(
        { name: tool, arguments: args, ...(meta ? { _meta: meta } : {}) },
        undefined,
        { timeout: this.limits.callTimeoutMs },
      )) as CallToolResult;
      const size = Buffer.byteLength(JSON.stringify(result));
      if (size > this.limits.maxOutputBytes)
        throw new SkillCallError(
          `output of ${size} bytes exceeds the limit of ${this.limits.maxOutputBytes} bytes`,
          'too_large',
        );
      return result;
    } catch (err) {
      throw await this.callFailure(err);
    } finally {
      this.inFlight--;
    }
  }

  /** What a failed call tells its caller. */
  private async callFailure(err: unknown): Promise<SkillCallError> {
    if (err instanceof SkillCallError) return err;
    if (this.failure) return this.failure;
    const code = err instanceof McpError ? err.code : undefined;
    if (code === ErrorCode.RequestTimeout) {
      // A call that never answers may be an endless loop that blocks every other call: restart.
      this.stop('timeout');
      return new SkillCallError(`The skill did not answer within ${this.limits.callTimeoutMs} ms`, 'timeout');
    }
    if (this.exited || code === ErrorCode.ConnectionClosed) {
      const how = await this.ended;
      return (
        this.failure ?? new SkillCallError(`The skill process ${how} during the call${this.stderrNote()}`, 'crashed')
      );
    }
    // The SDK prefixes "MCP error <code>: " on each side of the pipe.
    const message = (err as Error).message.replace(/^(MCP error -?\d+: )+/, '');
    return new SkillCallError(message, code === OUTPUT_TOO_LARGE_CODE ? 'too_large' : 'error');
  }

  /** The last of the process's stderr, for an error message ('' when it wrote nothing). */
  private stderrNote(): string {
    const text = this.stderrTail
      .toString('utf8')
      .replace(/[^\S\n]+/g, ' ')
      .replace(/[^\P{Cc}\n]/gu, '')
      .trim();
    return text ? `. Its last output on stderr:\n${text}` : '';
  }

  /** Stops the process; `why` is what /metrics says of it (the pool's housekeeping, or a hung call). */
  stop(why: 'idle' | 'retired' | 'shutdown' | 'timeout' = 'shutdown'): void {
    if (this.exited) return;
    this.stoppedFor = why;
    // Dead from now on, not when 'exit' arrives: the pool must not hand the next call to a process
    // that is being killed (it would fail with "killed during the call" for nothing it did).
    this.exited = true;
    void this.proc.dispose();
  }
}

/** "exited with code 1", "was killed (SIGKILL)", "was stopped: it exceeded its memory limit of 128 MB". */
function describeExit(code: number | null, signal: NodeJS.Signals | null, limit: string | null): string {
  if (limit) return `was stopped: ${limit}`;
  if (signal) return `was killed (${signal})`;
  // bwrap reports a child killed by signal N as exit code 128 + N.
  const bySignal =
    code !== null && code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return bySignal ? `was killed (${bySignal})` : `exited with code ${code}`;
}
