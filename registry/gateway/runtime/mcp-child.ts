import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { CallToolResult, JSONRPCMessage, Tool } from '@modelcontextprotocol/sdk/types.js';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import { sandboxEnv, sandboxExecArgv } from './sandbox.js';

/**
 * The SDK's stdio framing (ReadBuffer/serializeMessage) over a child we spawned ourselves, so the
 * child runs sandboxed and a flood on its stdout (no newline, 50 MB…) kills it instead of the gateway.
 */
class CappedStdioTransport implements Transport {
  private readonly buffer = new ReadBuffer();
  /** Bytes after the last newline: the size of the message still being received. */
  private partialBytes = 0;
  private garbageLines = 0;
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (e: Error) => void;
  onclose?: () => void;

  constructor(
    private readonly child: ChildProcess,
    private readonly maxBufferedBytes: number,
  ) {}

  async start(): Promise<void> {
    // Writing to a server that just died fails with EPIPE; its exit fails the pending calls, and an
    // unhandled 'error' event would take the whole gateway down.
    this.child.stdin!.on('error', () => {});
    this.child.on('error', () => {});
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const nl = chunk.lastIndexOf(10);
      this.partialBytes = nl === -1 ? this.partialBytes + chunk.length : chunk.length - nl - 1;
      if (this.partialBytes > this.maxBufferedBytes) return this.abort(`wrote more than ${this.maxBufferedBytes} bytes without a complete message`);
      this.buffer.append(chunk);
      for (;;) {
        let msg: JSONRPCMessage | null;
        try {
          msg = this.buffer.readMessage();
        } catch {
          // Not JSON-RPC: a stray print. A few are tolerated; a flood means the server is broken.
          if (++this.garbageLines > 1000) return this.abort('printed too much that is not MCP');
          continue;
        }
        if (!msg) break;
        this.onmessage?.(msg);
      }
    });
    this.child.on('exit', () => this.onclose?.());
  }

  private abort(why: string): void {
    this.buffer.clear();
    this.onerror?.(new SkillCallError(`The MCP server ${why}`, 'too_large'));
    this.child.kill('SIGKILL');
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.child.stdin?.writable) this.child.stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.child.kill('SIGKILL');
  }
}

/** One sandboxed child running a `type: "mcp"` stdio server, reached through the SDK's own Client. */
export class McpChild {
  private exited = false;
  private inFlight = 0;
  private toolsCache: Tool[] | null = null;
  /** Why the transport gave up on the server (e.g. a stdout flood): the reason a pending call reports. */
  private failure: SkillCallError | null = null;
  lastUsed = Date.now();

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: Client,
    private readonly limits: RuntimeLimits,
  ) {
    child.on('exit', () => (this.exited = true));
    client.onerror = (err) => {
      // The transport gave up on the server and is killing it: remember why, for the call in flight.
      if (err instanceof SkillCallError) {
        this.failure ??= err;
        this.exited = true;
      }
    };
  }

  static async start(dir: string, command: string, args: string[], limits: RuntimeLimits): Promise<McpChild> {
    // Only Node servers can be held by Node's permission model; anything else would run unconfined.
    if (!['node', 'nodejs'].includes(path.basename(command))) {
      throw new SkillCallError(`Only "node" MCP servers run in the gateway sandbox (this skill's command is "${command}")`, 'unsupported');
    }
    const child = spawn(process.execPath, [...sandboxExecArgv(dir, limits), ...args], {
      cwd: dir,
      env: sandboxEnv(),
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const transport = new CappedStdioTransport(child, limits.maxOutputBytes * 4);
    const client = new Client({ name: 'aerostack-gateway', version: '1.0.0' });
    const mcp = new McpChild(child, client, limits);
    try {
      await client.connect(transport, { timeout: limits.startTimeoutMs });
    } catch (err) {
      child.kill('SIGKILL');
      throw new SkillCallError(`The MCP server did not start: ${(err as Error).message}`, 'crashed');
    }
    return mcp;
  }

  get alive(): boolean {
    return !this.exited;
  }

  get busy(): number {
    return this.inFlight;
  }

  async tools(): Promise<Tool[]> {
    this.toolsCache ??= (await this.client.listTools(undefined, { timeout: this.limits.callTimeoutMs })).tools;
    return this.toolsCache;
  }

  async call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    if (this.exited) throw new SkillCallError('The MCP server is not running', 'crashed');
    if (this.inFlight >= this.limits.maxConcurrentCalls) throw new SkillCallError(`The skill is busy (${this.inFlight} calls in progress); try again`, 'busy');
    this.inFlight++;
    this.lastUsed = Date.now();
    try {
      const result = (await this.client.callTool({ name, arguments: args }, undefined, { timeout: this.limits.callTimeoutMs })) as CallToolResult;
      const size = Buffer.byteLength(JSON.stringify(result));
      if (size > this.limits.maxOutputBytes) throw new SkillCallError(`output of ${size} bytes exceeds the limit of ${this.limits.maxOutputBytes} bytes`, 'too_large');
      return result;
    } catch (err) {
      if (err instanceof SkillCallError) throw err;
      if (this.failure) throw this.failure;
      if (this.exited) throw new SkillCallError('The MCP server exited during the call', 'crashed');
      const timedOut = /timed out|timeout/i.test((err as Error).message);
      if (timedOut) this.stop();
      throw new SkillCallError(timedOut ? `The skill did not answer within ${this.limits.callTimeoutMs} ms` : (err as Error).message, timedOut ? 'timeout' : 'error');
    } finally {
      this.inFlight--;
    }
  }

  stop(): void {
    if (this.exited) return;
    // Dead from now on, not when 'exit' arrives: the pool must not hand the next call to a process
    // that is being killed (it would fail with "exited during the call" for nothing it did).
    this.exited = true;
    this.child.kill('SIGKILL');
  }
}
