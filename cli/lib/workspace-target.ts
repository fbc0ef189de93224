import { Args, Flags } from '@oclif/core';
import type { CliConfig } from './config-store.js';
import { checkWorkspaceSlug } from '@aerostack/contract/names.js';
import { UsageError } from './errors.js';

/** The `WS` argument of the workspace commands: optional where the workspace in use can stand in. */
export const workspaceArg = (required: boolean) =>
  Args.string({
    description: required ? 'workspace slug' : 'workspace slug (default: the one in use, see aerostack workspace use)',
    required,
  });

/** `--workspace WS` on `skill install` / `skill uninstall`. */
export const workspaceFlag = Flags.string({
  description: 'also install into / remove from this workspace (default: the one in use, see aerostack workspace use)',
  helpValue: 'WS',
});

/** Checked before any request, so a typo is a usage error (exit 2), not a 404 from a mangled URL. */
export const checkSlug = checkWorkspaceSlug;

/** The workspace a command acts on: the argument, else the one in use, else a usage error. */
export function resolveWorkspace(arg: string | undefined, config: CliConfig): string {
  const slug = arg ?? config.workspace;
  if (!slug) throw new UsageError('No workspace given and none in use: name one, or run aerostack workspace use SLUG');
  return checkSlug(slug);
}
