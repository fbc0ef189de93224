import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { UsageError } from './errors.js';

/**
 * The production dependencies a skill carries inside its tarball, as npm's `bundleDependencies` does.
 * The gateway runs a skill with no network and no `npm install`, so everything its code imports must
 * already be in the package. The closure is found the way Node resolves it at run time — a package's
 * own `node_modules` first, then each parent's, up to the skill folder (never above it: the sandbox
 * shows the skill folder alone) — reading only the package.json files on disk, so it bundles exactly
 * what `npm install` left there and refuses what would fail in the sandbox.
 */

export interface BundledPackage {
  name: string;
  version: string;
  /** Where it sits, relative to the skill folder: `node_modules/a` or `node_modules/a/node_modules/b`. */
  path: string;
  /** Bytes of its files. */
  size: number;
}

export interface Bundle {
  /** The skill's own dependencies that were bundled: the packed package.json's `bundleDependencies`. */
  dependencies: string[];
  /** Every package of the closure, by path. */
  packages: BundledPackage[];
  /** Files to pack, relative to the skill folder and `/`-separated. */
  files: string[];
  /** Bytes of all those files. */
  size: number;
}

type Json = Record<string, unknown>;

/** One dependency a package declares. */
interface Edge {
  name: string;
  spec: string;
  field: 'dependencies' | 'optionalDependencies' | 'peerDependencies';
}

/** A package of the closure while it is being found; `dir` is absolute. */
interface Found {
  name: string;
  version: string;
  dir: string;
  rel: string;
  pkg: Json;
}

// npm's package-name rules, loosely (old names may have capitals): never a path that leaves node_modules.
const PACKAGE_NAME_RE = /^(?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*$/i;

const relOf = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join('/');

/** Finds, checks and lists the production dependency closure of the skill folder `dir` (package.json `pkg`). */
export async function collectBundle(dir: string, pkg: Json): Promise<Bundle> {
  // Absolute and normalized: the upward walk in resolve() must stop exactly at the skill folder.
  const root = path.resolve(dir);
  const found = new Map<string, Found>();
  const direct: string[] = [];

  // The skill's own edges: devDependencies never run in the gateway; an absent optional one is fine.
  for (const edge of edgesOf(pkg, 'package.json', false)) {
    const at = await resolve(root, root, edge.name);
    if (!at) {
      if (edge.field === 'optionalDependencies') continue;
      throw new UsageError(`${edge.name} is declared in package.json ${edge.field} but not installed: run npm install`);
    }
    const dep = await visit(root, at, found);
    checkVersion(dep, edge, `package.json ${edge.field} asks for`);
    direct.push(edge.name);
  }

  // Then what each bundled package needs, breadth first; each location is visited once.
  const queue = [...found.values()];
  for (let next = queue.shift(); next; next = queue.shift()) {
    for (const edge of edgesOf(next.pkg, `${next.rel}/package.json`, true)) {
      const at = await resolve(root, next.dir, edge.name);
      if (!at) {
        // npm installs peers itself (or not, with --legacy-peer-deps); an absent optional one is fine.
        if (edge.field !== 'dependencies') continue;
        throw new UsageError(
          `${edge.name}, a dependency of ${next.name}@${next.version}, is not installed: run npm install`,
        );
      }
      const known = found.has(at);
      const dep = await visit(root, at, found);
      // A peer's range is npm's business at install time (it warns); the code runs either way.
      if (edge.field !== 'peerDependencies') checkVersion(dep, edge, `${next.name}@${next.version} needs`);
      if (!known) queue.push(dep);
    }
  }

  const packages: BundledPackage[] = [];
  const files: string[] = [];
  for (const dep of [...found.values()].sort((a, b) => (a.rel < b.rel ? -1 : 1))) {
    const own = await packageFiles(root, dep);
    files.push(...own.files);
    packages.push({ name: dep.name, version: dep.version, path: dep.rel, size: own.size });
  }
  return {
    dependencies: direct.sort(),
    packages,
    files,
    size: packages.reduce((n, p) => n + p.size, 0),
  };
}

const stringRecord = (v: unknown): Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};

/**
 * What a package needs at run time: dependencies and optionalDependencies (a name in both is optional,
 * npm's rule), and for a bundled package its peers too (bundled when installed). Never devDependencies.
 */
function edgesOf(pkg: Json, where: string, peers: boolean): Edge[] {
  const optional = stringRecord(pkg.optionalDependencies);
  const edges: Edge[] = Object.entries(stringRecord(pkg.dependencies))
    .filter(([name]) => !(name in optional))
    .map(([name, spec]) => ({ name, spec, field: 'dependencies' }));
  for (const [name, spec] of Object.entries(optional)) edges.push({ name, spec, field: 'optionalDependencies' });
  if (peers)
    for (const [name, spec] of Object.entries(stringRecord(pkg.peerDependencies)))
      if (!edges.some((e) => e.name === name)) edges.push({ name, spec, field: 'peerDependencies' });
  for (const e of edges)
    if (!PACKAGE_NAME_RE.test(e.name)) throw new UsageError(`${where} declares an invalid dependency name "${e.name}"`);
  return edges;
}

/**
 * Node's lookup of the bare name `name` from a package in `from`: `<dir>/node_modules/<name>` for
 * `from` and each parent that is not itself a node_modules folder, nearest first, stopping at the
 * skill folder. Gives the absolute path found (a link too, which visit() refuses), or null.
 */
async function resolve(root: string, from: string, name: string): Promise<string | null> {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      const st = await lstat(candidate).catch(() => null);
      if (st?.isSymbolicLink()) return candidate;
      // A folder without package.json (a half-finished install) is passed over, as Node does.
      if (st?.isDirectory() && (await lstat(path.join(candidate, 'package.json')).catch(() => null))?.isFile())
        return candidate;
    }
    if (dir === root || path.dirname(dir) === dir) return null;
  }
}

/** Reads the package at `dir` (once), refusing what cannot be published: links. */
async function visit(root: string, dir: string, found: Map<string, Found>): Promise<Found> {
  const seen = found.get(dir);
  if (seen) return seen;
  const rel = relOf(root, dir);
  // A scope folder can be a link too (a linked workspace under @scope/).
  for (let p = dir; p !== root && p !== path.dirname(p); p = path.dirname(p)) {
    if ((await lstat(p)).isSymbolicLink()) throw linkRefusal(root, relOf(root, p), await readlink(p), p);
  }
  const pkg = await readPackageJson(dir, rel);
  const name = typeof pkg.name === 'string' ? pkg.name : path.basename(dir);
  const version = typeof pkg.version === 'string' ? pkg.version : '';
  const dep: Found = { name, version, dir, rel, pkg };
  found.set(dir, dep);
  return dep;
}

function linkRefusal(root: string, rel: string, target: string, at: string): UsageError {
  const resolved = path.resolve(path.dirname(at), target);
  const where = path.relative(root, resolved).startsWith('..') ? ', outside the skill folder' : '';
  return new UsageError(
    `${rel} is a symbolic link to ${target}${where} (npm link or a workspace): links cannot be published; install the package from a registry instead`,
  );
}

async function readPackageJson(dir: string, rel: string): Promise<Json> {
  try {
    const value = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Json;
  } catch (err) {
    throw new UsageError(`${rel}/package.json is not valid JSON (${(err as Error).message}): run npm install`);
  }
}

/** npm: `1.2.3`, `^1`, `npm:other@^2` (an alias). Git URLs, tarballs, `file:` and tags cannot be checked here. */
function rangeOf(spec: string): string | null {
  const alias = /^npm:(?:@[^/@]+\/)?[^@]+@(.+)$/.exec(spec);
  const range = alias ? alias[1]! : spec;
  return semver.validRange(range) === null ? null : range;
}

function checkVersion(dep: Found, edge: Edge, asker: string): void {
  const range = rangeOf(edge.spec);
  if (range === null) return;
  if (semver.valid(dep.version) && semver.satisfies(dep.version, range, { includePrerelease: true })) return;
  throw new UsageError(
    `${edge.name}@${dep.version || '(no version)'} is installed but ${asker} ${edge.spec}: run npm install`,
  );
}

/**
 * Every file of one installed package except its own node_modules (its nested dependencies are
 * packages of the closure in their own right, and only those are bundled). Refuses links and native
 * addons: the sandbox runs Node with --no-addons, so a `.node` file or a `binding.gyp` cannot work.
 */
async function packageFiles(root: string, dep: Found): Promise<{ files: string[]; size: number }> {
  const files: string[] = [];
  let size = 0;
  const walk = async (dir: string): Promise<void> => {
    const here: string[] = [];
    for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, entry.name);
      const rel = relOf(root, abs);
      if (dir === dep.dir && entry.name === 'node_modules') continue;
      if (entry.isSymbolicLink()) throw linkRefusal(root, rel, await readlink(abs), abs);
      if (entry.isDirectory()) {
        await walk(abs);
        continue;
      }
      if (!entry.isFile()) continue;
      if (/\.node$/i.test(entry.name) || entry.name === 'binding.gyp')
        throw new UsageError(
          `${dep.name}@${dep.version} contains a native addon (${rel}): native addons cannot run in the sandbox (Node runs with --no-addons); use a pure-JavaScript package instead`,
        );
      files.push(rel);
      here.push(abs);
    }
    for (const st of await Promise.all(here.map((f) => lstat(f)))) size += st.size;
  };
  await walk(dep.dir);
  return { files, size };
}
