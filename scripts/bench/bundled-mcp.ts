/**
 * The cold start of an MCP server that bundles its dependencies: the CLI's own
 * `skill init --type mcp` template (a server on the MCP SDK and zod), `npm install`ed and packed by
 * the CLI's `packSkill` as `skill publish` does, then installed into fresh workspaces. The first
 * tools/list in each starts the server's sandboxed process (bubblewrap, cgroups, Node loading the
 * SDK from the unpacked tarball); a warm tools/list is taken away, leaving the start itself.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { packSkill } from 'aerostack/lib/pack.js';
import { scaffoldFiles } from 'aerostack/lib/scaffold.js';
import { request } from '../../test/helpers/api.js';
import { connectGateway, timeSeq } from './gateway.js';
import { publish } from './seed-api.js';
import { median } from './util.js';

const NAME = '@acme/bench-mcp';

export interface BundledMcpFigures {
  /** First tools/list in a fresh workspace minus a warm one, median over the workspaces. */
  coldStartMs: number;
  warmListMs: number;
  tarballBytes: number;
  files: number;
  bundledPackages: number;
}

export async function measureBundledMcp(base: string, ownerToken: string, runs: number): Promise<BundledMcpFigures> {
  const work = await mkdtemp(path.join(tmpdir(), 'aerostack-bench-mcp-'));
  try {
    const dir = path.join(work, 'bench-mcp');
    await mkdir(dir);
    for (const [file, text] of Object.entries(scaffoldFiles('mcp', 'bench-mcp', NAME)))
      await writeFile(path.join(dir, file), text);
    // As the author does; the repository's own install already put these packages in npm's cache.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|node_options$)/i.test(k)));
    await promisify(execFile)('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], {
      cwd: dir,
      env,
      timeout: 300_000,
    });
    const packed = await packSkill(dir, { namespace: () => Promise.resolve('acme') });
    await publish(base, ownerToken, NAME, packed.version, packed.tarball, 'team');

    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < runs; i++) {
      const slug = `bench-mcp-${i}`;
      const auth = { token: ownerToken };
      await ok(request(base, 'POST', '/-/api/v1/workspaces', { ...auth, body: { slug } }), 201, `create ${slug}`);
      await ok(
        request(base, 'PUT', `/-/api/v1/workspaces/${slug}/skills/${NAME.replace('/', '%2f')}`, {
          ...auth,
          body: { version: packed.version },
        }),
        200,
        `install into ${slug}`,
      );
      const mwt = (
        await ok<{ token: string }>(
          request(base, 'POST', `/-/api/v1/workspaces/${slug}/tokens`, { ...auth, body: { name: 'bench' } }),
          201,
          `token for ${slug}`,
        )
      ).token;
      const client = await connectGateway(base, slug, mwt);
      try {
        const t0 = performance.now();
        const { tools } = await client.listTools();
        cold.push(performance.now() - t0);
        if (tools.length === 0) throw new Error(`the bundled MCP server listed no tools in ${slug}`);
        warm.push(median(await timeSeq(5, 1, () => client.listTools())));
      } finally {
        await client.close();
      }
    }
    const warmListMs = median(warm);
    return {
      coldStartMs: median(cold) - warmListMs,
      warmListMs,
      tarballBytes: packed.tarball.length,
      files: packed.files.length,
      bundledPackages: packed.bundled.length,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function ok<T = unknown>(res: Promise<{ status: number; body: unknown }>, status: number, what: string) {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return r.body as T;
}
