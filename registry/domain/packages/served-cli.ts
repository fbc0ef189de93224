/**
 * The aerostack CLI as an npm package every registry serves under the unscoped name `aerostack`, so a
 * new machine needs only the registry's URL: `npm install -g aerostack --registry URL`. The tarball is
 * the one `npm run build` packs from cli/ (scripts/pack-cli.mjs); it has no dependencies, so the
 * install needs no other registry. Its version is the server's own (cli/package.json). Nothing is in
 * the database: the package document is made from the tarball's own package.json, and every read is
 * the policy's `cli.read`, every change its `cli.publish` (nobody).
 */
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ssri from 'ssri';
import { Parser, type ReadEntry } from 'tar';
import { notFound, unavailable } from '@aerostack/contract/errors.js';
import { CLI_PACKAGE_NAME, tarballFileName } from '@aerostack/contract/names.js';
import type { AccessControl } from '../access/access-control.js';
import type { Viewer } from '../access/viewer.js';
import { INSTALL_FIELDS } from './packument.js';

/** Where scripts/pack-cli.mjs leaves it, seen from registry/dist/domain/packages/. */
export const SERVED_CLI_TARBALL = fileURLToPath(new URL('../../../../cli/dist/served/aerostack.tgz', import.meta.url));

interface PackedCli {
  bytes: Buffer;
  /** The tarball's package/package.json. */
  manifest: Record<string, unknown>;
  version: string;
  /** sha512, as npm checks it. */
  integrity: string;
  /** sha1 hex, for older clients. */
  shasum: string;
  fileCount: number;
  unpackedSize: number;
  packedAt: Date;
}

export class ServedCli {
  private packed: Promise<PackedCli> | undefined;

  constructor(private readonly opts: { tarball: string; publicUrl: string; access: AccessControl }) {}

  /** npm's package document: the full one, or the abbreviated one its installer asks for. */
  async packument(viewer: Viewer, opts: { abbreviated: boolean }): Promise<Record<string, unknown>> {
    await this.opts.access.assertCan(viewer, 'cli.read', {});
    const p = await this.load();
    const dist = {
      tarball: `${this.opts.publicUrl}/${CLI_PACKAGE_NAME}/-/${tarballFileName(CLI_PACKAGE_NAME, p.version)}`,
      integrity: p.integrity,
      shasum: p.shasum,
      fileCount: p.fileCount,
      unpackedSize: p.unpackedSize,
    };
    const base = { name: CLI_PACKAGE_NAME, version: p.version };
    if (opts.abbreviated) {
      const install: Record<string, unknown> = Object.fromEntries(
        INSTALL_FIELDS.filter((f) => p.manifest[f] !== undefined).map((f) => [f, p.manifest[f]]),
      );
      return {
        name: CLI_PACKAGE_NAME,
        modified: p.packedAt.toISOString(),
        'dist-tags': { latest: p.version },
        versions: { [p.version]: { ...base, ...install, dist } },
      };
    }
    const at = p.packedAt.toISOString();
    return {
      _id: CLI_PACKAGE_NAME,
      name: CLI_PACKAGE_NAME,
      description: p.manifest.description,
      'dist-tags': { latest: p.version },
      versions: { [p.version]: { ...p.manifest, ...base, _id: `${CLI_PACKAGE_NAME}@${p.version}`, dist } },
      time: { created: at, modified: at, [p.version]: at },
      license: p.manifest.license,
      readme: '',
    };
  }

  async distTags(viewer: Viewer): Promise<Record<string, string>> {
    await this.opts.access.assertCan(viewer, 'cli.read', {});
    return { latest: (await this.load()).version };
  }

  /** `aerostack-<version>.tgz`, the only file there is. */
  async tarball(viewer: Viewer, file: string): Promise<{ bytes: Buffer; shasum: string }> {
    await this.opts.access.assertCan(viewer, 'cli.read', {});
    const p = await this.load();
    const name = tarballFileName(CLI_PACKAGE_NAME, p.version);
    if (file !== name)
      throw notFound(`No tarball ${file}: this registry serves ${CLI_PACKAGE_NAME} ${p.version} as ${name}`);
    return { bytes: p.bytes, shasum: p.shasum };
  }

  /** Publish, deprecate, unpublish, dist-tag changes: refused for everyone, with the policy's reason. */
  async refuseChange(viewer: Viewer): Promise<never> {
    await this.opts.access.assertCan(viewer, 'cli.publish', {});
    throw new Error('cli.publish is never allowed');
  }

  /** Read once; a failed read is tried again next time (the build may have run since). */
  private load(): Promise<PackedCli> {
    this.packed ??= readPacked(this.opts.tarball).catch((err: unknown) => {
      this.packed = undefined;
      if ((err as { code?: unknown }).code === 'ENOENT')
        throw unavailable(`This registry has no ${CLI_PACKAGE_NAME} package to serve: npm run build packs it`);
      throw err;
    });
    return this.packed;
  }
}

async function readPacked(file: string): Promise<PackedCli> {
  const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
  const { manifest, fileCount, unpackedSize } = await readTarball(bytes);
  if (manifest.name !== CLI_PACKAGE_NAME || typeof manifest.version !== 'string')
    throw new Error(`${file} is not the ${CLI_PACKAGE_NAME} package (name ${String(manifest.name)})`);
  return {
    bytes,
    manifest,
    version: manifest.version,
    integrity: ssri.fromData(bytes, { algorithms: ['sha512'] }).toString(),
    shasum: ssri.fromData(bytes, { algorithms: ['sha1'] }).hexDigest(),
    fileCount,
    unpackedSize,
    packedAt: info.mtime,
  };
}

/** The package.json inside, and the file count and size npm shows (our own build's output: trusted). */
function readTarball(
  bytes: Buffer,
): Promise<{ manifest: Record<string, unknown>; fileCount: number; unpackedSize: number }> {
  return new Promise((resolve, reject) => {
    let fileCount = 0;
    let unpackedSize = 0;
    const json: Buffer[] = [];
    const parser = new Parser({ strict: true });
    parser.on('entry', (entry: ReadEntry) => {
      if (entry.type === 'File') {
        fileCount += 1;
        unpackedSize += entry.size;
      }
      if (entry.path !== 'package/package.json') return void entry.resume();
      entry.on('data', (chunk: Buffer) => void json.push(chunk));
    });
    parser.on('error', reject);
    parser.on('end', () => {
      try {
        resolve({
          manifest: JSON.parse(Buffer.concat(json).toString('utf8')) as Record<string, unknown>,
          fileCount,
          unpackedSize,
        });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    parser.end(bytes);
  });
}
