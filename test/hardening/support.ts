/**
 * Shared pieces of the hardening suites: raw HTTP for requests `fetch` refuses to send, the
 * "clear JSON error" assertion, snapshots of everything a refused request must not change, the
 * registry run as a real child process (for SIGKILL), a fresh Postgres database, an S3 server whose
 * outage keeps its data, and fast in-memory skill tarballs.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '@aerostack/registry/db/schema.js';
import type { BlobStore } from '@aerostack/storage/blob-store.js';
import { gzip, rawTar, validSkillEntries } from '../helpers/tarballs.js';
import { TEST_DATABASE_URL } from '../helpers/registry.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** `registry/bin/aerostack-registry.js`, run exactly as operators run it. */
export const REGISTRY_BIN = path.resolve(here, '../../../registry/bin/aerostack-registry.js');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// Answers

/** What a leaked internal error looks like: stack frames, source paths, module folders, raw errno names. */
const LEAK_RE =
  /\n\s+at\s|\bat\s+\S+\s+\(|\.(?:ts|js|mjs):\d+|node_modules|\/work\/|\bTypeError\b|\bReferenceError\b|\bSyntaxError: Unexpected|Cannot read propert/;

export interface Answer {
  status: number;
  contentType: string;
  body: unknown;
  text: string;
}

/** The status is a 4xx (or one of `allowed`), the body is JSON `{error: "<clear message>"}` and leaks nothing. */
export function assertClearError(
  a: Answer,
  label: string,
  opts: { status?: number | number[]; message?: RegExp } = {},
): void {
  const where = `${label}: ${a.status} ${a.text.slice(0, 300)}`;
  if (opts.status !== undefined) {
    const ok = Array.isArray(opts.status) ? opts.status : [opts.status];
    assert.ok(ok.includes(a.status), `expected ${ok.join('/')}; ${where}`);
  } else {
    assert.ok(a.status >= 400 && a.status < 500, `expected a 4xx; ${where}`);
  }
  assert.match(a.contentType, /json/, `JSON content type; ${where}`);
  const body = a.body as { error?: unknown } | null;
  assert.ok(body && typeof body === 'object' && !Array.isArray(body), `a JSON object; ${where}`);
  assert.equal(typeof body.error, 'string', `an "error" string; ${where}`);
  const error = body.error as string;
  assert.ok(error.length >= 5 && error.length <= 2000, `a message of sensible length; ${where}`);
  assert.doesNotMatch(error, LEAK_RE, `no stack trace or internals; ${where}`);
  assert.doesNotMatch(a.text, LEAK_RE, `no internals anywhere in the body; ${where}`);
  if (opts.message) assert.match(error, opts.message, where);
}

/** fetch → Answer (never throws on a non-JSON body; `body` is then the text). */
export async function call(
  base: string,
  method: string,
  urlPath: string,
  opts: {
    token?: string;
    json?: unknown;
    raw?: string | Buffer;
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers['content-type'] ??= 'application/json';
  } else if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + urlPath, {
    method,
    headers,
    body,
    signal: opts.signal ?? AbortSignal.timeout(60_000),
  });
  const buf = Buffer.from(await res.arrayBuffer());
  return toAnswer(res.status, res.headers.get('content-type') ?? '', buf);
}

export function toAnswer(status: number, contentType: string, buf: Buffer): Answer {
  const text = buf.toString('utf8');
  let body: unknown = text;
  if (/json/.test(contentType)) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status, contentType, body, text };
}

/**
 * Sends bytes as they are over a fresh TCP connection and parses the HTTP response (Content-Length,
 * chunked or read-to-close). For requests fetch will not send: control characters in headers,
 * conflicting framing, malformed request lines.
 */
export function rawHttp(
  base: string,
  request: string | Buffer,
  timeoutMs = 10_000,
): Promise<Answer & { headers: Record<string, string> }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request got no complete answer within ${timeoutMs} ms: ${String(request).slice(0, 80)}`));
    }, timeoutMs);
    let done = false;
    const tryParse = (final: boolean) => {
      if (done) return;
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end < 0) {
        if (final) {
          done = true;
          clearTimeout(timer);
          reject(new Error(`connection closed without an HTTP answer (${all.length} bytes)`));
        }
        return;
      }
      const head = all.subarray(0, end).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? NaN);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      let rest = all.subarray(end + 4);
      let body: Buffer | null = null;
      if (headers['content-length'] !== undefined) {
        const n = Number(headers['content-length']);
        if (rest.length >= n) body = rest.subarray(0, n);
      } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
        const parts: Buffer[] = [];
        for (;;) {
          const nl = rest.indexOf('\r\n');
          if (nl < 0) break;
          const size = parseInt(rest.subarray(0, nl).toString('latin1'), 16);
          if (size === 0) {
            body = Buffer.concat(parts);
            break;
          }
          if (rest.length < nl + 2 + size + 2) break;
          parts.push(rest.subarray(nl + 2, nl + 2 + size));
          rest = rest.subarray(nl + 2 + size + 2);
        }
      } else if (final) body = rest;
      if (body === null && !final) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...toAnswer(status, headers['content-type'] ?? '', body ?? rest), headers });
    };
    socket.on('data', (d) => {
      chunks.push(d);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (err) => {
      // A reset after the server answered still counts as the answer.
      if (chunks.length) return tryParse(true);
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    socket.write(request);
  });
}

// ---------------------------------------------------------------------------------------------
// State a refused request must leave alone

const COUNTED_TABLES = [
  'users',
  'tokens',
  'skills',
  'skill_versions',
  'dist_tags',
  'memberships',
  'invitations',
  'workspaces',
  'workspace_skills',
  'workspace_tokens',
] as const;

export interface StoredState {
  blobs: string[];
  rows: Record<string, number>;
}

export async function blobKeys(blobs: BlobStore, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const k of blobs.list(prefix)) keys.push(k);
  return keys.sort();
}

export async function storedState(db: Db, blobs: BlobStore): Promise<StoredState> {
  const rows: Record<string, number> = {};
  for (const t of COUNTED_TABLES) {
    const r = await db
      .selectFrom(t)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    rows[t] = Number(r.n);
  }
  return { blobs: await blobKeys(blobs), rows };
}

// ---------------------------------------------------------------------------------------------
// Tarballs

/** A valid skill tarball for `@ns/slug@version`, built in memory (fast enough for load tests). */
export function quickTarball(fullName: string, version: string, files: Record<string, string> = {}): Buffer {
  const slug = fullName.split('/')[1]!;
  return gzip(
    rawTar(validSkillEntries({ manifest: { name: slug, version }, packageJson: { name: fullName, version }, files })),
  );
}

// ---------------------------------------------------------------------------------------------
// The registry as a child process

/** The environment a child registry gets: ours, minus anything that would configure it by accident. */
export function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (
      /^(AEROSTACK_|S3_|SMTP_|npm_)/.test(k) ||
      ['DATABASE_URL', 'PORT', 'HOST', 'PUBLIC_URL', 'LOG_LEVEL', 'LOG_FORMAT', 'MAIL_FROM', 'CI'].includes(k)
    )
      continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

export interface ChildRegistry {
  url: string;
  proc: ChildProcess;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  /** Each stream alone, from the start (the log on stdout; outbox links and fatal lines on stderr). */
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `aerostack-registry serve` and waits (bounded) until /readyz answers 200. */
export async function spawnRegistry(
  env: Record<string, string>,
  opts: { readyTimeoutMs?: number } = {},
): Promise<ChildRegistry> {
  const port = env.PORT;
  assert.ok(port, 'spawnRegistry needs PORT');
  const proc = spawn(process.execPath, [REGISTRY_BIN, 'serve'], {
    env: cleanEnv({ HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const streams = { stdout: '', stderr: '' };
  const keep = (name: keyof typeof streams) => (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 200_000) out = out.slice(-100_000);
    if (streams[name].length < 1_000_000) streams[name] += d.toString('utf8');
  };
  proc.stdout.on('data', keep('stdout'));
  proc.stderr.on('data', keep('stderr'));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  let exitedEarly = false;
  void exited.then(() => (exitedEarly = true));
  for (;;) {
    if (exitedEarly) throw new Error(`the registry exited during start-up:\n${out}`);
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`the registry was not ready within ${opts.readyTimeoutMs ?? 60_000} ms:\n${out}`);
    }
    await sleep(100);
  }
  return {
    url,
    proc,
    output: () => out,
    stdout: () => streams.stdout,
    stderr: () => streams.stderr,
    exited,
    kill: async (signal) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A GET on a connection of its own: a cluster's primary hands each new connection to a worker in turn. */
export function freshGet(url: string, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      { agent: false, headers: { connection: 'close', ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
  });
}

/** The worker that answered /readyz on a fresh connection (undefined: not clustered). */
export const workerOf = async (base: string) =>
  (JSON.parse((await freshGet(`${base}/readyz`)).body) as { worker?: number }).worker;

/** Workers finish starting one after the other: the worker ids seen once two answered (bounded wait). */
export async function twoWorkersAnswering(base: string): Promise<(number | undefined)[]> {
  const seen = new Set<number | undefined>();
  for (let i = 0; i < 100 && seen.size < 2; i++) {
    seen.add(await workerOf(base));
    if (seen.size < 2) await sleep(50);
  }
  return [...seen].sort();
}

/** Runs `aerostack-registry <args>` to completion (bounded) and returns its exit code and output. */
export function runRegistryCommand(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [REGISTRY_BIN, ...args], {
      env: cleanEnv({ LOG_LEVEL: 'warn', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => (stdout += d));
    proc.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal)
        return reject(new Error(`aerostack-registry ${args.join(' ')} was killed (${signal}):\n${stdout}\n${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
}

export async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `aerostack-${label}-`));
  await mkdir(dir, { recursive: true });
  return dir;
}

let template: Promise<string> | undefined;

/**
 * A data folder for a child registry with the embedded PGlite database already migrated: initdb costs
 * seconds, so it runs once per test process (`aerostack-registry migrate`) and each registry gets a copy.
 */
export async function freshDataDir(label: string): Promise<string> {
  const source = await (template ??= (async () => {
    const dir = await tempDir('pglite-template');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const res = await runRegistryCommand(['migrate'], { AEROSTACK_DATA_DIR: dir }, 120_000);
    if (res.code !== 0)
      throw new Error(`aerostack-registry migrate failed (${res.code}):\n${res.stdout}\n${res.stderr}`);
    return dir;
  })());
  const dir = await tempDir(label);
  await cp(path.join(source, 'pglite'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true, maxRetries: 3 });

// ---------------------------------------------------------------------------------------------
// Postgres

/**
 * A fresh database on the TEST_DATABASE_URL server (the registry's config has no schema setting, so
 * a child process is isolated by database, created and dropped here).
 */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  assert.ok(TEST_DATABASE_URL, 'TEST_DATABASE_URL is not set');
  const { default: pg } = await import('pg');
  const name = `aerostack_hardening_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL! });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
