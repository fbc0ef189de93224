import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { jsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import type { Logger } from 'pino';
import { parseManifest, type AerostackManifest } from '@aerostack/contract/manifest.js';
import { parseNetworkTarget } from '@aerostack/contract/network.js';
import { createHash } from 'node:crypto';
import { SkillCallError, type RuntimeLimits } from './limits.js';
import { CONTEXT_META_KEY } from './runner/protocol.mjs';
import type { LaunchRequest, Sandbox } from './sandbox/sandbox.js';
import type { SkillProcess } from './skill-process.js';
import type { SkillUnpacker } from './unpacker.js';
import type { EgressProxy } from './egress/egress-proxy.js';
import { noMetrics, type Metrics } from '../../metrics/metrics.js';

/** A skill version as the runtime needs it. */
export interface RunnableVersion {
  versionId: number;
  name: string;
  version: string;
  integrity: string;
  blobKey: string;
  manifest: AerostackManifest;
}

/** What a workspace gives one installed skill: its declared secrets that are set, and its approved hosts. */
export interface SkillGrant {
  /** The workspace's slug, for the egress proxy's log of refusals. */
  workspace: string;
  secrets: Readonly<Record<string, string>>;
  /** `host:port` entries (aerostack.json `network`, as approved); empty: no network at all. */
  network: readonly string[];
}

/**
 * Where the tools an MCP server lists are kept for the skill page (a domain service: the gateway
 * never touches the database itself). The first capture of a version is the one kept.
 */
export interface ServerToolsRecorder {
  recordServerTools(versionId: number, tools: readonly Tool[]): Promise<void>;
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
  /** Processes started under a grant since changed (a secret set, say): stopped once they are idle. */
  private readonly retired = new Set<SkillProcess>();
  /** Parsed aerostack.json by version id: published versions never change, so parsing once is enough. */
  private readonly manifests = new Map<number, AerostackManifest>();
  /** Versions whose server's tools this process has recorded (or is recording): once per version is enough. */
  private readonly recorded = new Set<number>();
  private readonly reaper: NodeJS.Timeout;
  /** Keys whose last process was killed or crashed and then reaped: the next start is a restart (/metrics). */
  private readonly died = new Set<string>();

  constructor(
    private readonly unpacker: SkillUnpacker,
    private readonly sandbox: Sandbox,
    private readonly limits: RuntimeLimits,
    /** Checks MCP servers' structured results against their output schemas (hostile schemas included). */
    private readonly outputValidator: jsonSchemaValidator,
    private readonly logger: Logger,
    /** The egress proxy for skills that declare `network`; null where the sandbox leaves the network open. */
    private readonly egress: EgressProxy | null,
    /** Told what each `type: "mcp"` version's server lists, the first time this process asks it. */
    private readonly recorder: ServerToolsRecorder | null = null,
    /** Counts starts, restarts, kills and the live processes. */
    private readonly metrics: Metrics = noMetrics,
  ) {
    this.reaper = setInterval(() => this.reapIdle(), Math.min(limits.idleMs, 30_000));
    this.reaper.unref();
    metrics.watchSkillProcesses(() => this.live);
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
  async tools(workspaceId: number, v: RunnableVersion, grant: SkillGrant): Promise<Tool[]> {
    const m = v.manifest;
    if (m.type === 'skill') {
      return [
        { name: m.tool.name, description: m.tool.description, inputSchema: m.tool.input_schema as Tool['inputSchema'] },
      ];
    }
    // An Agent Skill runs in the member's own agent: the gateway serves it in the skills index, not as tools.
    if (m.type === 'agent-skill') return [];
    const tools = await (await this.process(workspaceId, v, grant)).tools();
    await this.record(v, tools);
    return tools;
  }

  /** Keeps what a version's server listed, once; a failure is logged and tried again on a later listing. */
  private async record(v: RunnableVersion, tools: Tool[]): Promise<void> {
    if (!this.recorder || this.recorded.has(v.versionId)) return;
    if (this.recorded.size >= 10_000) this.recorded.clear();
    this.recorded.add(v.versionId);
    try {
      await this.recorder.recordServerTools(v.versionId, tools);
    } catch (err) {
      this.recorded.delete(v.versionId);
      this.logger.warn({ err, skill: v.name, version: v.version }, "could not record the server's tools");
    }
  }

  /** Calls `tool`; `context` reaches a `type: "skill"` function as its second argument. */
  async call(
    workspaceId: number,
    v: RunnableVersion,
    grant: SkillGrant,
    tool: string,
    args: Record<string, unknown>,
    context: Record<string, unknown>,
  ): Promise<CallToolResult> {
    const child = await this.process(workspaceId, v, grant);
    return child.call(tool, args, v.manifest.type === 'skill' ? { [CONTEXT_META_KEY]: context } : undefined);
  }

  /**
   * The process of (workspace, version) started under exactly this grant: one started under another
   * (before a secret changed, say) is retired, and finishes its calls in flight.
   */
  private async process(workspaceId: number, v: RunnableVersion, grant: SkillGrant): Promise<SkillProcess> {
    const key = `${workspaceId}:${v.versionId}:${grantFingerprint(grant)}`;
    const existing = this.children.get(key);
    if (existing?.alive) return existing;
    let starting = this.starting.get(key);
    if (!starting) {
      const base = `${workspaceId}:${v.versionId}:`;
      // A dead process still in the map was killed or crashed (the idle ones are taken out when stopped).
      const replacesDead = existing !== undefined;
      starting = this.start(v, grant)
        .then((c) => {
          this.countLife(c, key, replacesDead);
          for (const [k, old] of this.children)
            if (k.startsWith(base) && k !== key) {
              this.children.delete(k);
              if (old.busy === 0) old.stop('retired');
              else this.retired.add(old);
            }
          this.children.set(key, c);
          return c;
        })
        .finally(() => this.starting.delete(key));
      this.starting.set(key, starting);
    }
    return starting;
  }

  private async start(v: RunnableVersion, grant: SkillGrant): Promise<SkillProcess> {
    let dir: string;
    try {
      dir = await this.unpacker.unpack(v);
    } catch (err) {
      throw new SkillCallError(`Could not prepare ${v.name}@${v.version}: ${(err as Error).message}`, 'error');
    }
    this.logger.debug({ skill: v.name, version: v.version }, 'starting skill process');
    const m = v.manifest;
    if (m.type === 'agent-skill')
      throw new SkillCallError(`${v.name} is an Agent Skill: it has no server to run`, 'error');
    const egress =
      this.egress && grant.network.length > 0
        ? await this.egress.open({
            allow: grant.network.map(parseNetworkTarget),
            workspace: grant.workspace,
            skill: v.name,
          })
        : null;
    const given = { secrets: grant.secrets, egressDir: egress?.dir ?? null };
    const launch: LaunchRequest =
      m.type === 'skill'
        ? {
            skillDir: dir,
            entry: { runner: true },
            args: [m.main, m.tool.name, String(this.limits.maxOutputBytes)],
            ...given,
          }
        : { skillDir: dir, entry: { file: m.args[0] }, args: m.args.slice(1), ...given };
    let child: SkillProcess;
    try {
      // The MCP SDK's client comes with it: loaded by the first skill started, not by every registry.
      const { SkillProcess } = await import('./skill-process.js');
      child = await SkillProcess.start(this.sandbox, launch, this.limits, this.outputValidator);
    } catch (err) {
      this.metrics.skillProcessStarted('failed');
      await egress?.close();
      throw err;
    }
    if (egress) void child.ended.then(() => egress.close());
    return child;
  }

  private reapIdle(): void {
    const now = Date.now();
    for (const c of this.retired) {
      if (!c.alive || c.busy === 0) {
        c.stop('retired');
        this.retired.delete(c);
      }
    }
    for (const [key, c] of this.children) {
      if (!c.alive || (c.busy === 0 && now - c.lastUsed > this.limits.idleMs)) {
        c.stop('idle');
        this.children.delete(key);
      }
    }
  }

  /**
   * A started process, on /metrics: a first start or a restart (it replaces one that was killed or
   * crashed, whether or not the reaper had taken that one out yet), and how it ends.
   */
  private countLife(c: SkillProcess, key: string, replacesDead: boolean): void {
    const again = this.died.delete(key) || replacesDead;
    this.metrics.skillProcessStarted(again ? 'restart' : 'first');
    void c.ended.then(() => {
      const why = c.endedBy ?? 'exited';
      this.metrics.skillProcessEnded(why);
      // Not replaced yet (still in the map, or reaped): the next start of its key is the restart.
      const killed = why === 'timeout' || why === 'limit' || why === 'protocol' || why === 'exited';
      if (killed && (this.children.get(key) ?? c) === c) {
        if (this.died.size >= 10_000) this.died.clear();
        this.died.add(key);
      }
    });
  }

  /** Processes alive, retired ones finishing their calls included (/metrics). */
  private get live(): number {
    let n = 0;
    for (const c of this.children.values()) if (c.alive) n++;
    for (const c of this.retired) if (c.alive) n++;
    return n;
  }

  /** Number of running children (for health and tests). */
  get size(): number {
    return [...this.children.values()].filter((c) => c.alive).length;
  }

  async close(): Promise<void> {
    clearInterval(this.reaper);
    for (const c of [...this.children.values(), ...this.retired]) c.stop('shutdown');
    this.children.clear();
    this.retired.clear();
    await this.sandbox.close();
  }
}

/** Tells grants apart without keeping a copy of the secrets in a key. */
function grantFingerprint(g: SkillGrant): string {
  const secrets = Object.entries(g.secrets).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(JSON.stringify([secrets, [...g.network].sort()]))
    .digest('base64url')
    .slice(0, 22);
}
