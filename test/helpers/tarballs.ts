/**
 * Build skill tarballs for tests: valid ones through node-tar's own `create` (so they look exactly
 * like what a real client uploads), and hostile ones through a small raw ustar writer, because
 * node-tar refuses to emit absolute paths, `..`, links out of the tree, devices and duplicates.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create } from 'tar';

export const gzip = (tar: Buffer): Buffer => gzipSync(tar);

export const validSkillManifest = (): Record<string, unknown> => ({
  name: 'weather',
  type: 'skill',
  version: '1.0.0',
  description: 'Look up the weather for a city',
  category: 'data',
  tags: ['weather', 'demo'],
  tool: {
    name: 'get_weather',
    description: 'Return the current weather for a city',
    input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  main: 'index.js',
});

export const validMcpManifest = (): Record<string, unknown> => ({
  name: 'files',
  type: 'mcp',
  version: '0.1.0',
  description: 'An MCP server that lists files',
  command: 'node',
  args: ['server.js'],
});

export interface SkillTarballOptions {
  /** Shallow-merged over the default manifest; a key set to undefined is removed. */
  manifest?: Record<string, unknown>;
  /** Written verbatim as aerostack.json (for invalid JSON). */
  rawManifest?: string;
  packageJson?: Record<string, unknown>;
  rawPackageJson?: string;
  /** Extra or replacement files, relative to package/. */
  files?: Record<string, string | Buffer>;
  /** Default files to leave out: 'aerostack.json', 'package.json', 'index.js', 'README.md'. */
  omit?: string[];
  kind?: 'skill' | 'mcp';
}

/** The files (relative to package/) of a tarball built from these options. */
export function skillFiles(opts: SkillTarballOptions = {}): Record<string, string | Buffer> {
  const mcp = opts.kind === 'mcp';
  const manifest = { ...(mcp ? validMcpManifest() : validSkillManifest()), ...opts.manifest };
  const files: Record<string, string | Buffer> = {
    'package.json':
      opts.rawPackageJson ??
      JSON.stringify(
        opts.packageJson ?? { name: `@acme/${String(manifest.name)}`, version: manifest.version },
        null,
        2,
      ),
    'aerostack.json': opts.rawManifest ?? JSON.stringify(manifest, null, 2),
    ...(mcp
      ? { 'server.js': 'console.log("mcp server");\n' }
      : {
          'index.js': 'export default async ({ city }) => `sunny in ${city}`;\n',
          'README.md': '# weather\n\nSays it is sunny.\n',
        }),
    ...opts.files,
  };
  for (const name of opts.omit ?? []) delete files[name];
  return files;
}

/** A gzipped tarball made by node-tar's `create`, as `npm pack` would make it. */
export function makeSkillTarball(opts: SkillTarballOptions = {}): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'aerostack-tgz-'));
  try {
    for (const [rel, body] of Object.entries(skillFiles(opts))) {
      const full = join(dir, 'package', rel);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, body);
    }
    const out = join(dir, 'out.tgz');
    create({ gzip: true, cwd: dir, file: out, sync: true, portable: true, mtime: new Date(0) }, ['package']);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const makeMcpTarball = (opts: SkillTarballOptions = {}): Buffer => makeSkillTarball({ ...opts, kind: 'mcp' });

// ---------------------------------------------------------------------------------------------
// Raw ustar writer, for hostile fixtures only.

/** ustar type flags: 0 file, 1 hardlink, 2 symlink, 3 char dev, 4 block dev, 5 dir, 6 FIFO, x PAX, L GNU long name. */
export type TypeFlag = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | 'D' | 'g' | 'x' | 'L' | 'K' | 'Z' | 'S' | 'V';

export interface RawEntry {
  path: string;
  type?: TypeFlag;
  body?: string | Buffer;
  linkpath?: string;
  /** Declared size, when it should differ from the body's length. */
  size?: number;
  /** ustar prefix field; readers join it to the name with '/'. */
  prefix?: string;
  /** PAX records emitted in an 'x' header right before this entry (e.g. { path: '../evil' }). */
  pax?: Record<string, string>;
  /** A raw PAX header body, written verbatim (for malformed records). */
  paxRaw?: string;
  /** Path carried by a GNU 'L' long-name header right before this entry. */
  gnuLongName?: string;
}

function writeString(block: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`test fixture: "${value}" does not fit in ${length} bytes`);
  bytes.copy(block, offset);
}

function writeOctal(block: Buffer, offset: number, length: number, value: number): void {
  writeString(block, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** One 512-byte ustar header with a correct checksum. */
export function ustarHeader(e: {
  path: string;
  type: string;
  size: number;
  linkpath?: string;
  prefix?: string;
}): Buffer {
  const block = Buffer.alloc(512);
  writeString(block, 0, 100, e.path);
  writeOctal(block, 100, 8, e.type === '5' ? 0o755 : 0o644);
  writeOctal(block, 108, 8, 0); // uid
  writeOctal(block, 116, 8, 0); // gid
  writeOctal(block, 124, 12, e.size);
  writeOctal(block, 136, 12, 0); // mtime
  block.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  writeString(block, 156, 1, e.type);
  writeString(block, 157, 100, e.linkpath ?? '');
  writeString(block, 257, 8, 'ustar\u000000');
  writeOctal(block, 329, 8, 0); // devmajor
  writeOctal(block, 337, 8, 0); // devminor
  writeString(block, 345, 155, e.prefix ?? '');
  let sum = 0;
  for (const b of block) sum += b;
  writeString(block, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return block;
}

const pad512 = (body: Buffer): Buffer => Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);

/** A PAX record is "<len> key=value\n" where <len> counts its own digits too. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(rest);
  while (String(len).length + Buffer.byteLength(rest) !== len) len = String(len).length + Buffer.byteLength(rest);
  return `${len}${rest}`;
}

function metaEntry(type: 'x' | 'L', name: string, body: Buffer): Buffer {
  return Buffer.concat([ustarHeader({ path: name, type, size: body.length }), pad512(body)]);
}

/** A tar (uncompressed) of the given entries, ending with the two zero blocks. */
export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.pax || e.paxRaw !== undefined) {
      const records =
        e.paxRaw ??
        Object.entries(e.pax ?? {})
          .map(([k, v]) => paxRecord(k, v))
          .join('');
      parts.push(metaEntry('x', 'PaxHeader/entry', Buffer.from(records, 'utf8')));
    }
    if (e.gnuLongName !== undefined) {
      parts.push(metaEntry('L', '././@LongLink', Buffer.from(e.gnuLongName + '\0', 'utf8')));
    }
    const body = typeof e.body === 'string' ? Buffer.from(e.body, 'utf8') : (e.body ?? Buffer.alloc(0));
    const type = e.type ?? '0';
    parts.push(
      ustarHeader({ path: e.path, type, size: e.size ?? body.length, linkpath: e.linkpath, prefix: e.prefix }),
    );
    parts.push(pad512(body));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** The entries of a valid skill, to which a test adds one hostile entry. */
export function validSkillEntries(opts: SkillTarballOptions = {}): RawEntry[] {
  return [
    { path: 'package/', type: '5' },
    ...Object.entries(skillFiles(opts)).map(([rel, body]): RawEntry => ({ path: `package/${rel}`, body })),
  ];
}

/** gzip(rawTar(valid skill + extra entries)): an otherwise acceptable upload with something hostile in it. */
export const hostileTarball = (...extra: RawEntry[]): Buffer => gzip(rawTar([...validSkillEntries(), ...extra]));
