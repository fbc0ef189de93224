import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SkillCallError } from './limits.js';

export interface StdioLimits {
  /** Largest message (one line) the child may send. */
  maxFrameBytes: number;
  /** Messages (valid or not) the child may send in one second. */
  maxFramesPerSecond: number;
}

/** The pipes of a sandboxed child, and how to end it. */
export interface ChildPipes {
  stdin: Writable;
  stdout: Readable;
  /** Kills the child; the transport closes when `exited` fires. */
  kill(): void;
  onExit(listener: () => void): void;
}

/**
 * The SDK's stdio framing (ReadBuffer, serializeMessage) over a child the Sandbox started. The
 * child is hostile: a message over `maxFrameBytes` (with or without a newline) or a flood of
 * messages kills it, and the reason reaches `onerror` as a SkillCallError before the close.
 */
export class CappedStdioTransport implements Transport {
  private readonly buffer: ReadBuffer;
  private windowStart = 0;
  private framesInWindow = 0;
  private aborted = false;
  onmessage?: (m: JSONRPCMessage) => void;
  onerror?: (e: Error) => void;
  onclose?: () => void;

  constructor(
    private readonly child: ChildPipes,
    private readonly limits: StdioLimits,
    private readonly now: () => number = Date.now,
  ) {
    this.buffer = new ReadBuffer({ maxBufferSize: limits.maxFrameBytes });
  }

  async start(): Promise<void> {
    // Writing to a child that just died fails with EPIPE; its exit fails the pending calls, and an
    // unhandled 'error' event would take the whole gateway down.
    this.child.stdin.on('error', () => {});
    this.child.stdout.on('error', () => {});
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.onExit(() => this.onclose?.());
  }

  private receive(chunk: Buffer): void {
    if (this.aborted) return;
    try {
      this.buffer.append(chunk);
    } catch {
      return this.abort(`sent a message larger than ${this.limits.maxFrameBytes} bytes`);
    }
    for (;;) {
      let msg: JSONRPCMessage | null;
      try {
        msg = this.buffer.readMessage();
      } catch {
        // Not JSON-RPC: a stray print. It counts against the flood limit like any message.
        if (!this.countFrame()) return;
        continue;
      }
      if (!msg) return;
      if (!this.countFrame()) return;
      this.onmessage?.(msg);
    }
  }

  /** False (and the child is being killed) once it sent more messages in a second than allowed. */
  private countFrame(): boolean {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    if (++this.framesInWindow <= this.limits.maxFramesPerSecond) return true;
    this.abort(`sent more than ${this.limits.maxFramesPerSecond} messages in a second`);
    return false;
  }

  private abort(why: string): void {
    this.aborted = true;
    this.buffer.clear();
    this.onerror?.(new SkillCallError(`The skill ${why}`, 'too_large'));
    this.child.kill();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.child.stdin.writable) this.child.stdin.write(serializeMessage(message));
  }

  async close(): Promise<void> {
    this.child.kill();
  }
}
