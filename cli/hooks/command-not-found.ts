import { type Hook, toConfiguredId } from '@oclif/core';
import { closest, distance } from 'fastest-levenshtein';
import { EXIT } from '../lib/errors.js';

/**
 * An unknown command is a usage error like any other: a `✗ invalid:` line and exit 2 (the README's
 * exit codes), never oclif's own text or a prompt, so scripts see the same failure format everywhere.
 * The nearest command is suggested when it is close enough to be what was meant.
 */
const commandNotFound: Hook<'command_not_found'> = async function (opts) {
  const bin = opts.config.bin;
  const lines = [`✗ invalid: "${bin} ${toConfiguredId(opts.id, opts.config)}" is not a command; see ${bin} --help`];
  const ids = opts.config.commands.filter((c) => !c.hidden).map((c) => c.id);
  const nearest = suggestion(opts.id, ids);
  if (nearest) lines.push(`Did you mean "${bin} ${toConfiguredId(nearest, opts.config)}"?`);
  // Written, and flushed to a pipe, before the process exits.
  await new Promise<void>((resolve) => process.stderr.write(`${lines.join('\n')}\n`, () => resolve()));
  return this.exit(EXIT.usage);
};

/**
 * The closest command id, if at most about a third of it differs (a typo, not another word). oclif
 * folds the arguments into the id (`skill serch crm` → `skill:serch:crm`), so shorter prefixes are
 * tried too, longest first.
 */
export function suggestion(id: string, ids: string[]): string | null {
  if (!ids.length) return null;
  const parts = id.split(':');
  for (let n = parts.length; n > 0; n--) {
    const typed = parts.slice(0, n).join(':');
    const best = closest(typed, ids);
    if (distance(typed, best) <= Math.max(2, Math.floor(best.length / 3))) return best;
  }
  return null;
}

export default commandNotFound;
