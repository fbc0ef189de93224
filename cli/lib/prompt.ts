import { UsageError } from './errors.js';

/** CI (`CI=true`) or no terminal on both ends: never prompt, fail with what is missing instead. */
export function canPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return !ci && Boolean(process.stdin.isTTY) && Boolean(process.stdout.isTTY);
}

/** Reads all of stdin (for `--password-stdin`), without the trailing newline. */
export async function readStdin(
  onTerminal = '--password-stdin expects the password piped in, e.g. echo "$PASSWORD" | aerostack login --password-stdin',
): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError(onTerminal);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** A value from a flag, else an interactive prompt, else a usage error naming the flag. */
export async function valueOrPrompt(
  value: string | undefined,
  opts: { flag: string; message: string; secret?: boolean },
): Promise<string> {
  if (value !== undefined && value !== '') return value;
  if (!canPrompt()) throw new UsageError(`Missing ${opts.flag} (there is no terminal to ask on)`);
  // Loaded only when needed: keeps the CLI's start-up fast.
  if (opts.secret) {
    const { default: password } = await import('@inquirer/password');
    return password({ message: opts.message, mask: '*' });
  }
  const { default: input } = await import('@inquirer/input');
  return input({ message: opts.message });
}
