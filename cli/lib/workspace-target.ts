import { Args, Flags } from '@oclif/core';
import type { CliConfig } from './config-store.js';
import { UsageError } from './errors.js';

/** The `WS` argument of the workspace commands: optional where the workspace in use can stand in. */
export const workspaceArg = (required: boolean) =>
  Args.string({ description: required ? 'workspace slug' : 'workspace slug (default: the one in use, see aerostack workspace use)', required });

/** `--workspace WS` on `skill install` / `skill uninstall`. */
export const workspaceFlag = Flags.string({
  description: 'also install into / remove from this workspace (default: the one in use, see aerostack workspace use)',
  helpValue: 'WS',
});

// The registry's WORKSPACE_SLUG_RE (registry/domain/workspaces/workspaces.ts), copied: importing that
// module would load the server's database code into the CLI.
const WORKSPACE_SLUG_RE = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Checked before any request, so a typo is a usage error (exit 2), not a 404 from a mangled URL. */
export function checkSlug(slug: string): string {
  if (!WORKSPACE_SLUG_RE.test(slug)) throw new UsageError(`Invalid workspace name "${slug}": use lowercase letters, digits and "-" (at most 63)`);
  return slug;
}

/** The workspace a command acts on: the argument, else the one in use, else a usage error. */
export function resolveWorkspace(arg: string | undefined, config: CliConfig): string {
  const slug = arg ?? config.workspace;
  if (!slug) throw new UsageError('No workspace given and none in use: name one, or run aerostack workspace use SLUG');
  return checkSlug(slug);
}
