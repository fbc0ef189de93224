import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Logger } from 'pino';
import { parseManifest, type AerostackManifest } from '@aerostack/contract/manifest.js';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import { CONTEXT_META_KEY } from './runner/protocol.mjs';
import type { LaunchRequest, Sandbox } from './sandbox/sandbox.js';
import { SkillProcess } from './skill-process.js';
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

/**
 * Out-of-process skill execution: one sandboxed process per (workspace, skill version), started on
 * first use, reused, stopped when idle, and started afresh after a crash or a hang. Both kinds of
 * skill are MCP servers on stdio: `type: "skill"` through the gateway's runner, `type: "mcp"` as
 * the author wrote it.
 */
export class RuntimePool {
  private readonly children = new Map<string, SkillProcess>();
  private readonly starting = new Map<string, Promise<SkillProcess>>();
  /** Parsed aerostack.json by version id: published versions never change, so parsing once is enough. */
  private readonly manifests = new Map<number, AerostackManifest>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly unpacker: SkillUnpacker,
    private readonly sandbox: Sandbox,
    private readonly limits: RuntimeLimits,
    /** Checks MCP servers' structured results against their output schemas (hostile schemas included). */
    private readonly outputValidator: jsonSchemaValidator,
    private readonly logger: Logger,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(limits.idleMs, 30_000));
    this.reaper.unref();
  }

  /** The version's aerostack.json; throws a 400 DomainError if a stored one no longer validates. */
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
      return [
        { name: m.tool.name, description: m.tool.description, inputSchema: m.tool.input_schema as Tool['inputSchema'] },
      ];
    }
    return (await this.process(workspaceId, v)).tools();
  }

  /** Calls `tool`; `context` reaches a `type: "skill"` function as its second argument. */
  async call(
    workspaceId: number,
    v: RunnableVersion,
    tool: string,
    args: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const child = await this.process(workspaceId, v);
    return child.call(tool, args, v.manifest.type === 'skill' ? { [CONTEXT_META_KEY]: context } : undefined);
  }

  private async process(workspaceId: number, v: RunnableVersion): Promise<SkillProcess> {
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

  private async start(v: RunnableVersion): Promise<SkillProcess> {
    let dir: string;
    try {
      dir = await this.unpacker.unpack(v);
    } catch (err) {
      throw new SkillCallError(`Could not prepare ${v.name}@${v.version}: ${(err as Error).message}`, 'error');
    }
    this.logger.debug({ skill: v.name, version: v.version }, 'starting skill process');
    const m = v.manifest;
    const launch: LaunchRequest =
      m.type === 'skill'
        ? { skillDir: dir, entry: { runner: true }, args: [m.main, m.tool.name, String(this.limits.maxOutputBytes)] }
        : { skillDir: dir, entry: { file: m.args[0] }, args: m.args.slice(1) };
    return SkillProcess.start(this.sandbox, launch, this.limits, this.outputValidator);
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

  async close(): Promise<void> {
    clearInterval(this.reaper);
    for (const c of this.children.values()) c.stop();
    this.children.clear();
    await this.sandbox.close();
  }
}
