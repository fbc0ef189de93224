import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import ignore from 'ignore';
import ssri from 'ssri';
import { create } from 'tar';
import { parseManifest, type AerostackManifest } from '@aerostack/contract/manifest.js';
import { SKILL_MD } from '@aerostack/contract/agent-skill.js';
import { inspectTarball } from '@aerostack/contract/tarball/inspect.js';
import { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import { DEFAULT_TARBALL_LIMITS } from '@aerostack/contract/limits.js';
import { collectBundle, type BundledPackage } from './bundle.js';
import { UsageError } from './errors.js';

export interface PackedSkill {
  name: string;
  namespace: string;
  slug: string;
  version: string;
  manifest: AerostackManifest;
  tarball: Buffer;
  integrity: string;
  shasum: string;
  files: string[];
  unpackedSize: number;
  /** The production dependency closure packed under node_modules/ (see bundle.ts). */
  bundled: BundledPackage[];
  /** Bytes of the bundled packages' files. */
  bundledSize: number;
}

/**
 * Never packed, whatever the ignore files say (as npm does for these). node_modules is the exception
 * only for the production dependency closure, which collectBundle() adds on its own.
 */
const ALWAYS_IGNORED = [
  '.git',
  '.svn',
  '.hg',
  'node_modules',
  '.DS_Store',
  'npm-debug.log',
  '.npmrc',
  '.env',
  '.env.*',
  '*.tgz',
  '.aerostackignore',
];
/** Always packed, even when `files` does not list them. */
const ALWAYS_INCLUDED = new Set(['package.json', 'aerostack.json']);
// The same limits the registry applies by default, so --dry-run says what publish would.
// npm packs with this fixed mtime so the same files always give the same tarball (and integrity).
const FIXED_MTIME = new Date('1985-10-26T08:15:00.000Z');
/** Files copied into the staging folder at once: a bundled MCP SDK is thousands of small files. */
const COPY_BATCH = 64;

const readJson = async (file: string): Promise<Record<string, unknown> | null> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`${path.basename(file)} is not valid JSON (${(err as Error).message})`);
  }
};

/**
 * Packs a skill folder into an npm-shaped tarball (`package/…`): aerostack.json validated, the
 * package.json name and version made to agree with it, `.aerostackignore` (or package.json `files`)
 * honoured, the installed production dependencies bundled under node_modules/ (bundle.ts). The result
 * is checked with the registry's own tarball inspection before it is returned.
 */
export async function packSkill(
  dir: string,
  opts: { namespace: (pkgScope: string | null) => Promise<string>; name?: string },
): Promise<PackedSkill> {
  const raw = await readJson(path.join(dir, 'aerostack.json'));
  if (!raw) throw new UsageError(`No aerostack.json in ${dir}: run "aerostack skill init" first`);
  if (opts.name !== undefined) raw.name = opts.name;
  const manifest = parseManifest(raw);
  const pkg = (await readJson(path.join(dir, 'package.json'))) ?? {};
  const pkgScope =
    typeof pkg.name === 'string' && /^@[^/]+\//.test(pkg.name) ? pkg.name.slice(1, pkg.name.indexOf('/')) : null;
  const namespace = await opts.namespace(pkgScope);
  const name = `@${namespace}/${manifest.name}`;
  const bundle = await collectBundle(dir, pkg);
  const { bundleDependencies: _b, bundledDependencies: _d, ...rest } = pkg;
  const finalPkg = {
    ...rest,
    name,
    version: manifest.version,
    description: pkg.description ?? manifest.description,
    // What was bundled, so npm clients installing the tarball use these copies too.
    ...(bundle.dependencies.length ? { bundleDependencies: bundle.dependencies } : {}),
  };

  const own = await listFiles(
    dir,
    Array.isArray(pkg.files) ? pkg.files.filter((f): f is string => typeof f === 'string') : null,
  );
  const files = [...own, ...bundle.files];
  const staging = await mkdtemp(path.join(tmpdir(), 'aerostack-pack-'));
  try {
    const root = path.join(staging, 'package');
    await mkdir(root);
    const copied = files.filter((f) => !ALWAYS_INCLUDED.has(f));
    for (const parent of new Set(copied.map((f) => path.dirname(path.join(root, f)))))
      await mkdir(parent, { recursive: true });
    for (let i = 0; i < copied.length; i += COPY_BATCH)
      await Promise.all(copied.slice(i, i + COPY_BATCH).map((f) => copyFile(path.join(dir, f), path.join(root, f))));
    await writeFile(path.join(root, 'package.json'), JSON.stringify(finalPkg, null, 2) + '\n');
    await writeFile(path.join(root, 'aerostack.json'), JSON.stringify({ ...raw, name: manifest.name }, null, 2) + '\n');
    const entries = [...new Set(['package.json', 'aerostack.json', ...files])].sort().map((f) => `package/${f}`);
    const tarball = await streamToBuffer(
      create({ cwd: staging, gzip: true, portable: true, mtime: FIXED_MTIME, noDirRecurse: true }, entries),
    );
    const inspected = await inspectTarball(tarball, DEFAULT_TARBALL_LIMITS, new SchemaCompiler());
    return {
      name,
      namespace,
      slug: manifest.name,
      version: manifest.version,
      manifest,
      tarball,
      integrity: ssri.fromData(tarball, { algorithms: ['sha512'] }).toString(),
      shasum: createHash('sha1').update(tarball).digest('hex'),
      files: inspected.files,
      unpackedSize: inspected.unpackedSize,
      bundled: bundle.packages,
      bundledSize: bundle.size,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Files to pack, relative and `/`-separated. Links are refused: the registry would refuse them anyway. */
async function listFiles(dir: string, allow: string[] | null): Promise<string[]> {
  const ig = ignore().add(ALWAYS_IGNORED);
  const ignoreFile = await readFile(path.join(dir, '.aerostackignore'), 'utf8').catch(() => '');
  ig.add(ignoreFile);
  // `files` is an allow-list: everything else is ignored (npm's semantics, gitignore syntax).
  const allowed = allow
    ? ignore().add(allow.flatMap((p) => [p.replace(/^\.?\//, ''), `${p.replace(/^\.?\//, '').replace(/\/$/, '')}/**`]))
    : null;
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${entry.name}` : entry.name;
      if (ig.ignores(entry.isDirectory() ? `${relPath}/` : relPath)) continue;
      const st = await lstat(path.join(dir, relPath));
      if (st.isSymbolicLink())
        throw new UsageError(`${relPath} is a symbolic link; links cannot be published (add it to .aerostackignore)`);
      if (st.isDirectory()) await walk(relPath);
      else if (
        st.isFile() &&
        (ALWAYS_INCLUDED.has(relPath) ||
          /^readme(\.|$)/i.test(relPath) ||
          relPath === SKILL_MD || // an Agent Skill's instructions, like the README, whatever `files` says
          !allowed ||
          allowed.ignores(relPath))
      )
        out.push(relPath);
    }
  };
  await walk('');
  return out.sort();
}

async function streamToBuffer(stream: AsyncIterable<Uint8Array | Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}
