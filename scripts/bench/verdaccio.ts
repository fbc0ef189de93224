/**
 * Verdaccio 6, the registry teams run today, measured in the same run on the same bytes: installed
 * from npm into a folder of its own (kept in the OS temp folder between runs), configured with
 * htpasswd and a scoped package readable by `$authenticated` only, the team skill's very tarballs
 * published to it, and read with the JWT its couch login gives — what `npm login` against it does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { publishBody, request } from '../../test/helpers/api.js';
import { freePort, log, sleep } from './util.js';

export interface Peer {
  name: string;
  url: string;
  pid: number;
  /** What the reads send: `Bearer <JWT>`. */
  authorization: string;
  packumentPath: string;
  tarballPath: string;
  stop(): Promise<void>;
}

const VERSION = '6';
const INSTALL_DIR = path.join(os.tmpdir(), `aerostack-bench-verdaccio-${VERSION}`);

/** npm install verdaccio@6 into INSTALL_DIR, once. */
function install(): string {
  const bin = path.join(INSTALL_DIR, 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  if (existsSync(bin)) return bin;
  log(`installing verdaccio@${VERSION} into ${INSTALL_DIR} (once)…`);
  mkdirSync(INSTALL_DIR, { recursive: true });
  // verdaccio-audit asks for a dist-tag of node-fetch that some registry mirrors lack.
  const manifest = {
    name: 'aerostack-bench-verdaccio',
    private: true,
    dependencies: { verdaccio: `^${VERSION}` },
    overrides: { 'node-fetch': '2.7.0' },
  };
  writeFileSync(path.join(INSTALL_DIR, 'package.json'), JSON.stringify(manifest, null, 2));
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--loglevel=error'], {
    cwd: INSTALL_DIR,
    encoding: 'utf8',
  });
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`npm install verdaccio@${VERSION} failed: ${r.stderr}`);
  return bin;
}

const config = (storage: string, htpasswd: string) => `storage: ${storage}
auth:
  htpasswd:
    file: ${htpasswd}
    max_users: 100
uplinks: {}
packages:
  '@acme/*':
    access: $authenticated
    publish: $authenticated
  '**':
    access: $authenticated
    publish: $authenticated
security:
  api:
    jwt:
      sign:
        expiresIn: 7d
server:
  keepAliveTimeout: 65
log: { type: stdout, format: json, level: warn }
`;

/** Starts Verdaccio, signs up a user, publishes `tarballs` of `name` to it. */
export async function startVerdaccio(
  workDir: string,
  name: string,
  tarballs: Array<{ version: string; tgz: Buffer }>,
): Promise<Peer> {
  const bin = install();
  const dir = path.join(workDir, 'verdaccio');
  await mkdir(path.join(dir, 'storage'), { recursive: true });
  const configFile = path.join(dir, 'config.yaml');
  await writeFile(configFile, config(path.join(dir, 'storage'), path.join(dir, 'htpasswd')));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc: ChildProcess = spawn(process.execPath, [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  let stderr = '';
  proc.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const stop = async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await Promise.race([new Promise((r) => proc.once('exit', r)), sleep(5000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ping = await request(url, 'GET', '/-/ping').catch(() => null);
      if (ping?.status === 200) break;
      if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`verdaccio did not start: ${stderr}`);
      await sleep(200);
    }
    const user = await request(url, 'PUT', '/-/user/org.couchdb.user:bench', {
      body: { name: 'bench', password: 'bench-peer-password', email: 'bench@example.com' },
    });
    const token = (user.body as { token?: unknown }).token;
    if (user.status !== 201 || typeof token !== 'string')
      throw new Error(`verdaccio adduser: HTTP ${user.status} ${JSON.stringify(user.body)}`);
    for (const { version, tgz } of tarballs) {
      const res = await request(url, 'PUT', `/${name.replace('/', '%2f')}`, {
        token,
        body: publishBody(name, version, tgz),
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`verdaccio publish ${name}@${version}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    }
    const slug = name.split('/')[1]!;
    const last = tarballs.at(-1)!.version;
    return {
      name: 'verdaccio',
      url,
      pid: proc.pid!,
      authorization: `Bearer ${token}`,
      packumentPath: `/${name.replace('/', '%2f')}`,
      tarballPath: `/${name}/-/${slug}-${last}.tgz`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
