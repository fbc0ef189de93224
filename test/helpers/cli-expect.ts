import assert from 'node:assert/strict';
import type { CliResult, CliUser } from './cli.js';

export type RunOpts = { input?: string; cwd?: string; env?: Record<string, string | undefined> };

const STACK_LINE = /^\s+at /m;

export const linesOf = (s: string): string[] => (s === '' ? [] : s.replace(/\n$/, '').split('\n'));
export const keys = (o: object): string[] => Object.keys(o).sort();
/** The keys of one event in `aerostack workspace audit --json`, sorted. */
export const AUDIT_EVENT_KEYS = ['action', 'at', 'detail', 'durationMs', 'skill', 'status', 'tool', 'user'];

/**
 * Assertions on what the CLI printed, shared by the CLI suites. `names` labels users in failure
 * messages (`alice$ aerostack …`); every run is also checked for stack traces.
 */
export function cliExpect() {
  const names = new Map<CliUser, string>();
  const describeRun = (u: CliUser, args: string[], res: CliResult) =>
    `${names.get(u) ?? '?'}$ aerostack ${args.join(' ')} → exit ${res.code}\n--- stdout\n${res.stdout}--- stderr\n${res.stderr}`;

  async function run(u: CliUser, args: string[], opts?: RunOpts): Promise<CliResult> {
    const res = await u.run(args, opts);
    assert.doesNotMatch(res.stdout + res.stderr, STACK_LINE, `stack trace printed by ${describeRun(u, args, res)}`);
    return res;
  }

  /** Success: exit 0, nothing on stderr, and stdout is exactly these lines (a RegExp must match its line). */
  async function prints(u: CliUser, args: string[], expected: (string | RegExp)[], opts?: RunOpts): Promise<string> {
    const res = await run(u, args, opts);
    const where = describeRun(u, args, res);
    assert.equal(res.code, 0, where);
    assert.equal(res.stderr, '', where);
    const lines = linesOf(res.stdout);
    assert.equal(lines.length, expected.length, `expected ${expected.length} lines: ${where}`);
    expected.forEach((e, i) =>
      typeof e === 'string'
        ? assert.equal(lines[i], e, `line ${i + 1}: ${where}`)
        : assert.match(lines[i]!, e, `line ${i + 1}: ${where}`),
    );
    return res.stdout;
  }

  /** Success with any output; returns stdout. */
  async function ok(u: CliUser, args: string[], opts?: RunOpts): Promise<string> {
    const res = await run(u, args, opts);
    assert.equal(res.code, 0, describeRun(u, args, res));
    return res.stdout;
  }

  /** Refusal: this exit code, nothing on stdout, exactly this one `✗` line on stderr. */
  async function fails(u: CliUser, args: string[], code: number, line: string | RegExp, opts?: RunOpts): Promise<void> {
    const res = await run(u, args, opts);
    const where = describeRun(u, args, res);
    assert.equal(res.code, code, where);
    assert.equal(res.stdout, '', where);
    if (typeof line === 'string') assert.equal(res.stderr, `${line}\n`, where);
    else {
      assert.match(res.stderr, /^✗ [^\n]+\n$/, where);
      assert.match(res.stderr.trimEnd(), line, where);
    }
  }

  /** The parsed `--json` output of a run that exits with `code`. */
  async function json<T = any>(u: CliUser, args: string[], code = 0, opts?: RunOpts): Promise<T> {
    const res = await run(u, [...args, '--json'], opts);
    assert.equal(res.code, code, describeRun(u, [...args, '--json'], res));
    try {
      return JSON.parse(res.stdout) as T;
    } catch {
      throw new assert.AssertionError({ message: `stdout is not JSON: ${describeRun(u, args, res)}` });
    }
  }

  return { names, describeRun, run, prints, ok, fails, json };
}
