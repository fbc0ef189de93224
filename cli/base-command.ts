import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { ConfigStore, configDir, DEFAULT_REGISTRY, registryKey, type CliConfig } from './lib/config-store.js';
import { ApiError, exitCodeFor, statusLabel, UsageError } from './lib/errors.js';
import { RegistryClient } from './lib/registry-client.js';

export type FlagsOf<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof AerostackCommand)['baseFlags'] & T['flags']
>;
export type ArgsOf<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

export interface Context {
  registry: string;
  client: RegistryClient;
  store: ConfigStore;
  config: CliConfig;
  /** Where the token came from, for messages. */
  tokenSource: 'AEROSTACK_TOKEN' | 'login' | null;
}

/**
 * Every command's base: `--json` and `--registry` on all of them, the registry client built from
 * flags, environment and saved login, and one failure format: `✗ <status>: <reason>` on stderr.
 */
export abstract class AerostackCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true;
  static override baseFlags = {
    registry: Flags.string({
      description: 'registry URL (default: saved one, else http://127.0.0.1:4870)',
      env: 'AEROSTACK_REGISTRY',
      helpGroup: 'GLOBAL',
    }),
  };

  protected flags!: FlagsOf<T>;
  protected args!: ArgsOf<T>;
  private ctx?: Context;

  public override async init(): Promise<void> {
    await super.init();
    const { args, flags } = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof AerostackCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    });
    this.flags = flags as FlagsOf<T>;
    this.args = args as ArgsOf<T>;
  }

  /** Registry, client and config; `AEROSTACK_TOKEN` wins over the saved login. */
  protected async context(): Promise<Context> {
    if (this.ctx) return this.ctx;
    const store = new ConfigStore(configDir());
    const config = await store.read();
    const registry = (this.flags.registry ?? config.registry ?? DEFAULT_REGISTRY).replace(/\/+$/, '');
    try {
      new URL(registry);
    } catch {
      throw new UsageError(`Invalid registry URL "${registry}"`);
    }
    const envToken = process.env.AEROSTACK_TOKEN?.trim();
    const saved = config.auth?.[registryKey(registry)]?.token;
    const token = envToken || saved;
    this.ctx = {
      registry,
      client: new RegistryClient(registry, token),
      store,
      config,
      tokenSource: envToken ? 'AEROSTACK_TOKEN' : saved ? 'login' : null,
    };
    return this.ctx;
  }

  /** The context, or a 401 telling the user how to sign in, when there is no token at all. */
  protected async authed(): Promise<Context> {
    const ctx = await this.context();
    if (!ctx.client.hasToken)
      throw new ApiError(401, `Not signed in to ${ctx.registry}: run aerostack login (or set AEROSTACK_TOKEN)`);
    return ctx;
  }

  /** A `✓` line (suppressed with --json, where the returned object is printed instead). */
  protected success(line: string): void {
    this.log(`✓ ${line}`);
  }

  protected override catch(err: Error & { oclif?: { exit?: number } }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    // oclif's own parse errors (unknown flag, missing argument…) are usage errors.
    const usage = !(err instanceof ApiError) && err.oclif?.exit === 2;
    const status = usage ? 'invalid' : statusLabel(err);
    const code = usage ? 2 : exitCodeFor(err);
    const message = (
      usage
        ? err.message
            .split('\n')
            .map((l) => l.trim().replace(/:$/, ''))
            .filter((l) => l && !/^(The following errors? occurred|See more help with)/.test(l))
            .join(': ')
            .replace(/\s+/g, ' ')
        : (err.message || String(err)).split('\n')[0]!
    ).replace(/^Error: /, '');
    if (this.jsonEnabled())
      this.logJson({ ok: false, status: /^\d+$/.test(status) ? Number(status) : status, error: message });
    process.stderr.write(`✗ ${status}: ${message}\n`);
    if (process.env.AEROSTACK_DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
    return this.exit(code);
  }
}
