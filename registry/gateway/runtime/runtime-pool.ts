import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from 'pino';
import { parseManifest, type AerostackManifest } from '../../domain/packages/manifest.js';
import type { McpChild } from './mcp-child.js';
import { SkillChild } from './skill-child.js';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import type { SkillUnpacker } from './unpacker.js';

/** A skill version as the runtime needs it. */
export interface RunnableVersion {
  versionId: number;
  name: string;
  version: string;
  integrity: string;
  blobKey: string;
  manifest: AerostackManifest;
}

type Child = SkillChild | McpChild;

/**
 * Out-of-process skill execution: one sandboxed child per (workspace, skill version), started on
 * first use, reused, stopped when idle, and started afresh after a crash or a hang.
 */
export class RuntimePool {
  private readonly children = new Map<string, Child>();
  private readonly starting = new Map<string, Promise<Child>>();
  /** Parsed aerostack.json by version id: published versions never change, so parsing once is enough. */
  private readonly manifests = new Map<number, AerostackManifest>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly unpacker: SkillUnpacker,
    private readonly limits: RuntimeLimits,
    private readonly logger: Logger,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(limits.idleMs, 30_000));
    this.reaper.unref();
  }

  manifestOf(versionId: number, raw: unknown): AerostackManifest {
    let m = this.manifests.get(versionId);
    if (!m) {
      m = parseManifest(raw);
      if (this.manifests.size >= 10_000) this.manifests.clear();
      this.manifests.set(versionId, m);
    }
    return m;
  }

  /** The tools a version exposes: from aerostack.json for `skill`, from the server itself for `mcp`. */
  async tools(workspaceId: number, v: RunnableVersion): Promise<Tool[]> {
    const m = v.manifest;
    if (m.type === 'skill') {
      return [{ name: m.tool.name, description: m.tool.description, inputSchema: m.tool.input_schema as Tool['inputSchema'] }];
    }
    const child = (await this.child(workspaceId, v)) as McpChild;
    return child.tools();
  }

  async call(workspaceId: number, v: RunnableVersion, tool: string, args: Record<string, unknown>, context: Record<string, unknown>): Promise<CallToolResult> {
    const child = await this.child(workspaceId, v);
    return child instanceof SkillChild ? child.call(args, context) : child.call(tool, args);
  }

  private async child(workspaceId: number, v: RunnableVersion): Promise<Child> {
    const key = `${workspaceId}:${v.versionId}`;
    const existing = this.children.get(key);
    if (existing?.alive) return existing;
    let starting = this.starting.get(key);
    if (!starting) {
      starting = this.start(v)
        .then((c) => {
          this.children.set(key, c);
          return c;
        })
        .finally(() => this.starting.delete(key));
      this.starting.set(key, starting);
    }
    return starting;
  }

  private async start(v: RunnableVersion): Promise<Child> {
    let dir: string;
    try {
      dir = await this.unpacker.unpack(v);
    } catch (err) {
      throw new SkillCallError(`Could not prepare ${v.name}@${v.version}: ${(err as Error).message}`, 'error');
    }
    this.logger.debug({ skill: v.name, version: v.version }, 'starting skill process');
    const m = v.manifest;
    if (m.type === 'skill') return SkillChild.start(dir, m.main, this.limits);
    // The MCP client SDK loads with the first `mcp` skill, not with the registry.
    const { McpChild } = await import('./mcp-child.js');
    return McpChild.start(dir, m.command, m.args ?? [], this.limits);
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const [key, c] of this.children) {
      if (!c.alive || (c.busy === 0 && now - c.lastUsed > this.limits.idleMs)) {
        c.stop();
        this.children.delete(key);
      }
    }
  }

  /** Number of running children (for health and tests). */
  get size(): number {
    return [...this.children.values()].filter((c) => c.alive).length;
  }

  close(): void {
    clearInterval(this.reaper);
    for (const c of this.children.values()) c.stop();
    this.children.clear();
  }
}
