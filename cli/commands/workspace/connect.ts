import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Flags } from '@oclif/core';
import { AerostackCommand, type Context } from '../../base-command.js';
import {
  CONNECT_CLIENTS,
  configTarget,
  detectClients,
  EDITOR_LABEL,
  entryCredentials,
  existingEntry,
  mergeEntry,
  readConfig,
  serverEntry,
  tilde,
  writeConfig,
  type ConnectClient,
  type FileClient,
} from '../../lib/editor-configs.js';
import { ApiError } from '../../lib/errors.js';
import { pingGateway } from '../../lib/gateway-ping.js';
import type { WorkspaceTokenSummary } from '../../lib/registry-client.js';
import { prettyJson } from '../../lib/workspace-editor-config.js';
import { resolveWorkspace, workspaceArg } from '../../lib/workspace-target.js';

/** What connect did for one editor. */
interface Outcome {
  client: ConnectClient;
  /** kept: the config's token works; created: a token was minted (and written); unverified: the gateway did not answer. */
  action: 'kept' | 'created' | 'unverified' | 'active' | 'would-create';
  token: string;
  file?: string;
  backup?: string | null;
  secret?: string;
}

export default class WorkspaceConnect extends AerostackCommand<typeof WorkspaceConnect> {
  static override summary =
    "Connect your editor to the workspace's MCP gateway: mint your own mwt_ token and write it into the editor's config.";
  static override description =
    'Safe to re-run: an editor whose config already holds a token the gateway accepts (checked with an MCP ping) is left as it is, and no second token is minted. ' +
    'Config files are merged (other servers kept), backed up to <file>.bak and written readable by you only. ' +
    'The token is bound to you and named after this device and the editor. Without --client, every editor found is configured; with none found, the config is printed.';
  static override examples = [
    '<%= config.bin %> workspace connect acme-team --client cursor',
    '<%= config.bin %> workspace connect acme-team --client vscode --client claude-code',
    '<%= config.bin %> workspace connect acme-team --client print',
    '<%= config.bin %> workspace connect acme-team --dry-run',
  ];
  static override args = { workspace: workspaceArg(false) };
  static override flags = {
    client: Flags.string({
      description: 'the editor to configure (repeatable; default: those found on this machine, else print)',
      options: [...CONNECT_CLIENTS],
      multiple: true,
    }),
    name: Flags.string({ description: 'token name (default: "<device> <Editor>", e.g. "alice-laptop Cursor")' }),
    'dry-run': Flags.boolean({ description: 'say what would be done, change nothing (no token, no file)' }),
  };

  private dry = false;

  async run() {
    const ctx = await this.authed();
    const slug = resolveWorkspace(this.args.workspace, ctx.config);
    this.dry = this.flags['dry-run'];
    const claude = onPath('claude');
    const clients: ConnectClient[] = this.flags.client?.length
      ? [...new Set(this.flags.client as ConnectClient[])]
      : (() => {
          const found = detectClients(claude !== null);
          return found.length ? found : ['print'];
        })();
    const [ws, me] = await Promise.all([ctx.client.workspaceSkills(slug), ctx.client.whoami()]);
    const outcomes: Outcome[] = [];
    for (const client of clients) {
      const name = this.flags.name ?? `${deviceName()} ${EDITOR_LABEL[client]}`;
      outcomes.push(
        client === 'print'
          ? await this.print(ctx, slug, ws.url, me.username, name)
          : await this.configure(ctx, client, slug, ws.url, me.username, name, claude),
      );
    }
    return { workspace: slug, url: ws.url, dryRun: this.dry, clients: outcomes };
  }

  /** Writes (or, for Claude Code with its CLI, adds) the workspace's entry, unless its token already works. */
  private async configure(
    ctx: Context,
    client: FileClient,
    slug: string,
    url: string,
    username: string,
    name: string,
    claude: string | null,
  ): Promise<Outcome> {
    const label = EDITOR_LABEL[client];
    const target = configTarget(client);
    const config = await readConfig(target.file);
    const current = entryCredentials(existingEntry(config, target.key, slug));
    const where = tilde(target.file);
    if (current.token && current.url === url) {
      const ping = await pingGateway(url, current.token);
      if (ping === 'ok') {
        this.success(`${label} already reaches ${slug} (${where}): its token works`);
        return { client, action: 'kept', token: name, file: target.file };
      }
      if (ping === 'unreachable') {
        process.stderr.write(
          `! Could not reach the gateway at ${url} to check the token in ${where}; left it as it is\n`,
        );
        return { client, action: 'unverified', token: name, file: target.file };
      }
    }
    const tokenName = await this.freeName(ctx, slug, username, name, true);
    const useCli = client === 'claude-code' && claude !== null;
    if (this.dry) {
      this.log(`Would create your token "${tokenName}" for ${slug}`);
      this.log(
        useCli
          ? `Would run: claude mcp add --transport http --scope user ${slug} ${url} --header "Authorization: Bearer mwt_…"`
          : `Would write ${slug} to ${where}${config.exists ? ` (backup: ${where}.bak)` : ''}`,
      );
      return { client, action: 'would-create', token: tokenName, file: target.file };
    }
    const { secret, name: minted } = await this.mint(ctx, slug, username, tokenName);
    if (useCli) {
      // Arguments as an array, never through a shell: the token stays out of any shell parsing.
      if (existingEntry(config, target.key, slug) !== undefined)
        await run(claude, ['mcp', 'remove', '--scope', 'user', slug]).catch(() => {});
      await run(claude, [
        'mcp',
        'add',
        '--transport',
        'http',
        '--scope',
        'user',
        slug,
        url,
        '--header',
        `Authorization: Bearer ${secret}`,
      ]);
      this.success(`Added ${slug} to Claude Code (claude mcp add --scope user)`);
      return { client, action: 'created', token: minted };
    }
    const backup = await writeConfig(
      config,
      mergeEntry(config.doc, target.key, slug, serverEntry(client, url, secret), target.file),
    );
    this.success(`Wrote ${slug} to ${where}${backup ? ` (backup: ${tilde(backup)})` : ''}`);
    return { client, action: 'created', token: minted, file: target.file, backup };
  }

  /** Prints the config block with a new token; an active token of that name is left alone (its secret was shown once). */
  private async print(ctx: Context, slug: string, url: string, username: string, name: string): Promise<Outcome> {
    const tokenName = await this.freeName(ctx, slug, username, name, false);
    const existing = await this.activeToken(ctx, slug, tokenName);
    if (existing) {
      this.success(`Your token "${tokenName}" is active; its secret was shown once, when it was created`);
      this.log(`For a new one: aerostack workspace token revoke ${slug} --name "${tokenName}", then run this again`);
      return { client: 'print', action: 'active', token: tokenName };
    }
    if (this.dry) {
      this.log(`Would create your token "${tokenName}" for ${slug} and print the editor config`);
      return { client: 'print', action: 'would-create', token: tokenName };
    }
    const { secret, name: minted } = await this.mint(ctx, slug, username, tokenName);
    this.log('Add this to your editor MCP config:');
    this.log(prettyJson({ mcpServers: { [slug]: serverEntry('print', url, secret) } }));
    return { client: 'print', action: 'created', token: minted, secret };
  }

  /**
   * The token name to use: `name`, unless someone else's active token has it (token names are
   * unique in a workspace), then `name (username)`. With `replace`, one's own active token of that
   * name is revoked first (its secret is not in the config, or the gateway refuses it): one token
   * per device and editor, never two.
   */
  private async freeName(ctx: Context, slug: string, username: string, name: string, replace: boolean) {
    let chosen = name;
    let existing = await this.activeToken(ctx, slug, chosen);
    if (existing && existing.user !== username) {
      chosen = `${name} (${username})`;
      existing = await this.activeToken(ctx, slug, chosen);
    }
    if (existing && replace) {
      if (this.dry) this.log(`Would revoke your token "${chosen}": the config does not hold a working copy of it`);
      else {
        await ctx.client.revokeWorkspaceToken(slug, chosen);
        process.stderr.write(`! Revoked your token "${chosen}": the config did not hold a working copy of it\n`);
      }
    }
    return chosen;
  }

  private async activeToken(ctx: Context, slug: string, name: string): Promise<WorkspaceTokenSummary | undefined> {
    return (await ctx.client.workspaceTokens(slug)).find((t) => t.name === name && t.status === 'active');
  }

  /** A token bound to the signed-in user (members may mint only those; owners and admins too, here). */
  private async mint(ctx: Context, slug: string, username: string, name: string) {
    let t;
    try {
      t = await ctx.client.createWorkspaceToken(slug, { name, user: username });
    } catch (err) {
      // Someone else's token has the name (a member cannot see other people's): take "name (username)".
      if (!(err instanceof ApiError) || err.status !== 409 || name.endsWith(`(${username})`)) throw err;
      t = await ctx.client.createWorkspaceToken(slug, { name: `${name} (${username})`, user: username });
    }
    this.success(`Token created: ${t.name}`);
    return { secret: t.token, name: t.name };
  }
}

/** This machine's short host name ("alice-laptop"), as token names use it. */
function deviceName(): string {
  return hostname().split('.')[0] || 'this-device';
}

/** The full path of an executable on the PATH, or null. */
function onPath(command: string): string | null {
  const exts = process.platform === 'win32' ? ['.cmd', '.exe', ''] : [''];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, command + ext);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

const execFileP = promisify(execFile);

async function run(file: string, args: string[]): Promise<void> {
  try {
    await execFileP(file, args, { timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `${path.basename(file)} ${args.slice(0, 2).join(' ')} failed: ${(e.stderr || e.message).trim().split('\n')[0]}`,
      {
        cause: err,
      },
    );
  }
}
