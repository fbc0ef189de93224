/**
 * Drives the real `npm` client (whatever `npm` is on PATH) against a test registry, isolated from the
 * machine's and the outer `npm test`'s configuration: its own HOME, user and global .npmrc, cache,
 * and no inherited `npm_*` / `NODE_OPTIONS` variables.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface NpmResult {
  /** Exit code, or null when the process was killed (timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command line, for assertion messages. */
  command: string;
}

/** A prompt npm prints on stdout (e.g. `Username: `) and the line typed in answer. */
export interface PromptAnswer {
  prompt: RegExp;
  answer: string;
}

export interface NpmRunOptions {
  cwd?: string;
  /**
   * Answers typed one at a time, each only once its prompt has appeared on stdout. npm's `read`
   * opens a fresh readline per prompt and drops whatever else was buffered, so answers written in
   * one go are lost; waiting for each prompt is what makes this work without a TTY.
   */
  prompts?: PromptAnswer[];
  timeoutMs?: number;
  env?: Record<string, string>;
}

/** Environment variables that would leak the outer npm/node configuration into the child. */
const LEAKY =
  /^(npm_|node_options$|node_auth_token$|npm_token$|force_color$|no_color$|actions_id_token_request_|npm_id_token$)/i;

/** Runs `npm ...args` without a shell; resolves (never rejects) with the exit code and output. */
export function runNpm(args: string[], env: Record<string, string>, opts: NpmRunOptions = {}): Promise<NpmResult> {
  const command = `npm ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('npm', args, { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let stderr = '';
    const pending = [...(opts.prompts ?? [])];
    let scanned = 0; // stdout before this index has already answered a prompt
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      const next = pending[0];
      if (!next) return;
      const m = next.prompt.exec(stdout.slice(scanned));
      if (m) {
        scanned += m.index + m[0].length;
        pending.shift();
        child.stdin.write(`${next.answer}\n`);
        if (pending.length === 0) child.stdin.end();
      }
    });
    child.stderr.on('data', (chunk: string) => void (stderr += chunk));
    child.stdin.on('error', () => {}); // EPIPE if npm exits before reading its answers
    if (pending.length === 0) child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const result = { code, stdout, stderr, command };
      if (process.env.AEROSTACK_NPM_DEBUG) process.stderr.write(`\n${describeRun(result)}\n`);
      resolve(result);
    });
  });
}

/** Formats a result for an assertion message. */
export const describeRun = (r: NpmResult): string =>
  `${r.command} exited ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** One npm identity: its own HOME, .npmrc files and cache, pointed at one registry. */
export class NpmSandbox {
  private constructor(
    readonly root: string,
    readonly registry: string,
    readonly userconfig: string,
    readonly env: Record<string, string>,
  ) {}

  /** `registry` is the registry's base URL (a trailing slash is added). `scopes` get `@scope:registry`. */
  static async create(registry: string, opts: { scopes?: string[] } = {}): Promise<NpmSandbox> {
    const root = await mkdtemp(path.join(tmpdir(), 'aerostack-npm-'));
    const home = path.join(root, 'home');
    await mkdir(home, { recursive: true });
    const reg = registry.endsWith('/') ? registry : `${registry}/`;
    const userconfig = path.join(home, '.npmrc');
    const globalconfig = path.join(root, 'global-npmrc');
    await writeFile(
      userconfig,
      (opts.scopes ?? []).map((s) => `${s.startsWith('@') ? s : `@${s}`}:registry=${reg}\n`).join(''),
    );
    await writeFile(globalconfig, '');
    // npm looks for its project (and a project .npmrc) by walking up from the working directory;
    // this package.json stops that walk inside the sandbox.
    await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'npm-sandbox', private: true }));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !LEAKY.test(e[0])),
    );
    const env: Record<string, string> = {
      ...inherited,
      HOME: home,
      npm_config_userconfig: userconfig,
      npm_config_globalconfig: globalconfig,
      npm_config_cache: path.join(root, 'cache'),
      npm_config_registry: reg,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
      npm_config_color: 'false',
      npm_config_progress: 'false',
      // A dead registry should fail a test quickly rather than after npm's minute of retries.
      npm_config_fetch_retries: '0',
      npm_config_fetch_timeout: '20000',
    };
    return new NpmSandbox(root, reg, userconfig, env);
  }

  /** npm's "nerf dart" for the registry: `//127.0.0.1:1234/`, the prefix of its credential keys. */
  get nerfDart(): string {
    const u = new URL(this.registry);
    return `//${u.host}${u.pathname}`;
  }

  run(args: string[], opts: NpmRunOptions = {}): Promise<NpmResult> {
    return runNpm(args, { ...this.env, ...opts.env }, { cwd: this.root, ...opts });
  }

  /** The `_authToken` npm saved for this registry, if any. */
  async savedToken(): Promise<string | null> {
    const rc = await readFile(this.userconfig, 'utf8');
    const line = rc.split(/\r?\n/).find((l) => l.startsWith(`${this.nerfDart}:_authToken=`));
    return line ? line.slice(line.indexOf('=') + 1).trim() : null;
  }

  /** Stores a token the way `npm adduser`/`npm login` would. */
  async saveToken(token: string): Promise<void> {
    const rc = await readFile(this.userconfig, 'utf8');
    await writeFile(this.userconfig, `${rc}${this.nerfDart}:_authToken=${token}\n`);
  }

  /** A fresh directory inside the sandbox. */
  async dir(name: string): Promise<string> {
    const d = path.join(this.root, name);
    await mkdir(d, { recursive: true });
    return d;
  }

  async cleanup(): Promise<void> {
    await rm(this.root, { recursive: true, force: true });
  }
}

/** Writes `files` (relative paths) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, body] of Object.entries(files)) {
    const full = path.join(dir, rel);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, body);
  }
}
