import { canPrompt, readStdin, valueOrPrompt } from './prompt.js';
import { UsageError } from './errors.js';

/** A new password: asked twice on a terminal (a typo would lock the user out), else a usage error. */
export async function promptNewPassword(): Promise<string> {
  const first = await valueOrPrompt(undefined, { flag: '--password-stdin', message: 'New password:', secret: true });
  if (!canPrompt()) return first;
  const again = await valueOrPrompt(undefined, {
    flag: '--password-stdin',
    message: 'New password, again:',
    secret: true,
  });
  if (again !== first) throw new UsageError('The two passwords are not the same');
  return first;
}

/** `--password-stdin` for `password change`: the current password on the first line, the new one on the second. */
export async function readPasswordPair(): Promise<{ current: string; next: string }> {
  const usage = `--password-stdin expects the current and the new password on two lines, e.g. printf '%s\\n%s\\n' "$OLD" "$NEW" | aerostack password change --password-stdin`;
  const input = await readStdin(usage);
  const [current, next, ...rest] = input.split(/\r?\n/);
  if (current === undefined || next === undefined || rest.length) throw new UsageError(usage);
  return { current, next };
}
