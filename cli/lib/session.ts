import type { Context } from '../base-command.js';
import { registryKey } from './config-store.js';

/** Saves a login for the registry in use, and makes that registry the default. */
export async function saveLogin(ctx: Context, username: string, token: string): Promise<void> {
  await ctx.store.update((c) => {
    c.registry = ctx.registry;
    c.auth = { ...c.auth, [registryKey(ctx.registry)]: { token, username } };
  });
}

export async function forgetLogin(ctx: Context): Promise<void> {
  await ctx.store.update((c) => {
    if (c.auth) delete c.auth[registryKey(ctx.registry)];
  });
}
