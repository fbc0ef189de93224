import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SkillCallError } from './limits.js';

export interface StdioLimits {
  /** Largest message (one line) the child may send. */
  maxFrameBytes: number;
  /**
   * Messages the child may send in one second on its own: notifications, requests, stray prints and
   * answers to nothing it was asked. Answers to the gateway's own requests are not counted.
   */
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
 * messages it was not asked for kills it, and the reason reaches `onerror` as a SkillCallError
 * before the close.
 */
export class CappedStdioTransport implements Transport {
  private readonly buffer: ReadBuffer;
  /** Bytes of the message still being received (after the last newline). */
  private partial = 0;
  /** Ids of the requests sent and not answered yet: their answers are expected, not a flood. */
  private readonly awaiting = new Set<string | number>();
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
    // It holds at most the message being received plus one chunk, both bounded above.
    this.buffer = new ReadBuffer({ maxBufferSize: 2 * limits.maxFrameBytes + 1024 * 1024 });
  }

  start(): Promise<void> {
    // Writing to a child that just died fails with EPIPE; its exit fails the pending calls, and an
    // unhandled 'error' event would take the whole gateway down.
    this.child.stdin.on('error', () => {});
    this.child.stdout.on('error', () => {});
    this.child.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.onExit(() => this.onclose?.());
    return Promise.resolve();
  }

  private receive(chunk: Buffer): void {
    if (this.aborted) return;
    // Every line is measured before it is buffered, so an oversized one is never held in memory.
    const max = this.limits.maxFrameBytes;
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      if (this.partial + nl - start > max) return this.abort(`sent a message larger than ${max} bytes`);
      this.partial = 0;
      start = nl + 1;
    }
    this.partial += chunk.length - start;
    if (this.partial > max) return this.abort(`sent a message larger than ${max} bytes`);
    try {
      this.buffer.append(chunk);
    } catch {
      return this.abort(`sent more than the gateway can buffer`);
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
      const answer =
        'id' in msg && msg.id !== undefined && ('result' in msg || 'error' in msg) && this.awaiting.delete(msg.id);
      if (!answer && !this.countFrame()) return;
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

  send(message: JSONRPCMessage): Promise<void> {
    if ('method' in message && 'id' in message) this.awaiting.add(message.id);
    if (this.child.stdin.writable) this.child.stdin.write(serializeMessage(message));
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.child.kill();
    return Promise.resolve();
  }
}
