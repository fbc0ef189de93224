/**
 * Decide whether an uploaded skill tarball is acceptable, before anything is stored.
 *
 * The upload is hostile until proven otherwise, so this reads it in memory only, with every size
 * bounded up front: the compressed size, the inflated size (enforced by zlib while inflating, so a
 * gzip bomb stops early), the number of entries and the declared file sizes. Entries are read with
 * node-tar's Parser in strict mode so that any header it would otherwise skip with a warning
 * (bad checksum, truncated body) refuses the whole tarball instead of hiding an entry.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { DomainError, badRequest, payloadTooLarge } from '../errors.js';
import { SchemaError, type SchemaCompiler } from '../json-schema.js';
import type { TarballLimits } from '../limits.js';
import { parseManifest, type AerostackManifest } from '../manifest.js';
import { SKILL_MD, checkSkillMd } from '../agent-skill.js';

export interface InspectedTarball {
  fileCount: number;
  /** Sum of the sizes of the regular files. */
  unpackedSize: number;
  packageJson: Record<string, unknown>;
  manifest: AerostackManifest;
  readme: string | null;
  /** `package/SKILL.md` (an Agent Skill's instructions), first 64 KiB, or null when there is none. */
  skillMd: string | null;
  /** Regular files only, relative to `package/`, in tarball order. */
  files: string[];
}

const gunzipAsync = promisify(gunzip);

const ROOT = 'package/';
const MAX_JSON_BYTES = 1024 * 1024;
const MAX_README_BYTES = 64 * 1024;
const MAX_PATH_LENGTH = 1024;
/** PAX / GNU long-name headers only carry paths and times here; anything bigger is an attack. */
const MAX_META_ENTRY_BYTES = 64 * 1024;
/** README names npm recognises at the package root, best first (compared lower-cased). */
const README_NAMES = ['readme.md', 'readme.markdown', 'readme', 'readme.txt'];
/** gzip: 1f 8b. zstd: 28 b5 2f fd. node-tar would silently inflate either if it found it inside. */
const GZIP_MAGIC = [0x1f, 0x8b];
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd];

/**
 * Bytes the tar format adds on top of file contents: a 512-byte header and up to 511 bytes of padding
 * per entry, plus maybe a PAX header, plus end-of-archive blocks and record padding (10 KiB for GNU tar).
 */
function tarOverhead(limits: TarballLimits): number {
  return 2048 * limits.maxEntries + 64 * 1024;
}

/** `schemas` compiles the tool's input_schema: a schema the gateway could not check arguments with is refused here. */
export async function inspectTarball(
  bytes: Buffer,
  limits: TarballLimits,
  schemas: SchemaCompiler,
): Promise<InspectedTarball> {
  if (bytes.length > limits.maxTarballBytes) {
    throw payloadTooLarge(`Tarball is ${bytes.length} bytes; the limit is ${limits.maxTarballBytes} bytes`);
  }
  if (!startsWith(bytes, GZIP_MAGIC)) throw badRequest('Tarball is not gzip-compressed');

  const tar = await inflate(bytes, limits);
  // node-tar sniffs its input for gzip/zstd and would inflate a second layer with no size limit of ours.
  if (startsWith(tar, GZIP_MAGIC) || startsWith(tar, ZSTD_MAGIC)) {
    throw badRequest('Tarball is compressed more than once');
  }
  if (tar.every((b) => b === 0)) throw badRequest('Tarball contains no entries');

  const read = await readEntries(tar, limits);
  return checkContents(read, schemas);
}

function startsWith(buf: Buffer, magic: number[]): boolean {
  return buf.length >= magic.length && magic.every((b, i) => buf[i] === b);
}

async function inflate(bytes: Buffer, limits: TarballLimits): Promise<Buffer> {
  try {
    // maxOutputLength makes zlib stop as soon as the output passes the bound: the bomb never fully inflates.
    return await gunzipAsync(bytes, { maxOutputLength: limits.maxUnpackedBytes + tarOverhead(limits) });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw payloadTooLarge(`Tarball unpacks to more than ${limits.maxUnpackedBytes} bytes`);
    }
    throw badRequest(`Tarball is not valid gzip (corrupt or truncated): ${(err as Error).message}`);
  }
}

/** What the tar walk collects; contents are kept only for the few files the registry reads. */
interface ReadTarball {
  files: string[];
  unpackedSize: number;
  entryCount: number;
  packageJson?: Buffer;
  manifest?: Buffer;
  /** Lower-cased README name -> first 64 KiB. */
  readmes: Map<string, Buffer>;
  skillMd?: Buffer;
}

function readEntries(tar: Buffer, limits: TarballLimits): Promise<ReadTarball> {
  const out: ReadTarball = { files: [], unpackedSize: 0, entryCount: 0, readmes: new Map() };
  const seen = new PathRegistry();
  let refusal: DomainError | undefined;

  return new Promise((resolve, reject) => {
    const parser = new Parser({
      strict: true, // every warning (bad checksum, truncated body, unknown format) becomes an 'error'
      maxMetaEntrySize: MAX_META_ENTRY_BYTES,
      // The input is already inflated: never let node-tar decompress anything itself.
      brotli: false,
      zstd: false,
    });
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      if (refusal) reject(refusal);
      else resolve(out);
    };
    // Record the first refusal and keep draining: the input is bounded, and stopping a node-tar
    // Parser mid-stream leaves it without an 'end' event.
    const refuse = (err: unknown) => {
      refusal ??=
        err instanceof DomainError ? err : badRequest(`Tarball is not a valid tar archive: ${errMessage(err)}`);
    };

    parser.on('entry', (entry: ReadEntry) => {
      if (refusal) return void entry.resume();
      try {
        acceptEntry(entry, limits, out, seen);
      } catch (err) {
        refuse(err);
        entry.resume();
      }
    });
    // Entries node-tar skips on its own: unknown type flags and oversized PAX / long-name headers.
    parser.on('ignoredEntry', (entry: ReadEntry) => {
      if (entry.meta) refuse(badRequest(`Tarball has an extended header larger than ${MAX_META_ENTRY_BYTES} bytes`));
      else refuse(badRequest(`Entry type ${entry.type} is not allowed: ${show(entry.path)}`));
    });
    // Raw text of each PAX / GNU long-name header, before node-tar's lenient parse (see checkMeta).
    parser.on('meta', (meta: string) => {
      if (refusal) return;
      try {
        checkMeta(meta);
      } catch (err) {
        refuse(err);
      }
    });
    parser.on('error', refuse);
    parser.on('end', finish);
    parser.on('close', finish);

    try {
      parser.end(tar);
    } catch (err) {
      // Parser should report through 'error', but hostile input must never escape as a 500.
      refuse(err);
      finish();
    }
  });
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Validate one entry's path and type, count it, and capture the contents the registry needs. */
function acceptEntry(entry: ReadEntry, limits: TarballLimits, out: ReadTarball, seen: PathRegistry): void {
  out.entryCount += 1;
  if (out.entryCount > limits.maxEntries) {
    throw payloadTooLarge(`Tarball has more than ${limits.maxEntries} entries`);
  }
  // entry.path is what extraction uses (PAX / GNU long name applied); header.path is node-tar's view of
  // the header block (ustar prefix + name, or prefix + PAX path). Both must be safe.
  checkPath(entry.path);
  if (entry.header.path !== undefined && entry.header.path !== entry.path) checkPath(entry.header.path);

  const isFile = entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile';
  if (!isFile && entry.type !== 'Directory') throw refusedType(entry);

  const rel = relativeToRoot(entry.path, isFile);
  seen.add(rel, isFile, entry.path);
  if (!isFile) return void entry.resume();
  // Skills run under Node's --no-addons: a native addon (a bundled dependency's build output, say)
  // could never load, so it is refused here, naming the file, rather than failing at the first call.
  if (/\.node$/i.test(rel)) throw badRequest(`Native addons cannot run in the sandbox: ${show(entry.path)}`);

  out.unpackedSize += entry.size;
  if (out.unpackedSize > limits.maxUnpackedBytes) {
    throw payloadTooLarge(`Files in the tarball add up to more than ${limits.maxUnpackedBytes} bytes`);
  }
  out.files.push(rel);

  const lower = rel.toLowerCase();
  if (rel === 'package.json' || rel === 'aerostack.json') {
    if (entry.size > MAX_JSON_BYTES) throw badRequest(`${rel} is larger than ${MAX_JSON_BYTES} bytes`);
    collect(entry, MAX_JSON_BYTES, (buf) => (rel === 'package.json' ? (out.packageJson = buf) : (out.manifest = buf)));
  } else if (rel === SKILL_MD) {
    collect(entry, MAX_README_BYTES, (buf) => (out.skillMd = buf));
  } else if (README_NAMES.includes(lower)) {
    collect(entry, MAX_README_BYTES, (buf) => out.readmes.set(lower, buf));
  } else {
    entry.resume();
  }
}

function refusedType(entry: ReadEntry): DomainError {
  const path = show(entry.path);
  switch (entry.type) {
    case 'SymbolicLink':
    case 'Link':
      return badRequest(`Links are not allowed: ${path} -> ${show(entry.linkpath ?? '')}`);
    case 'CharacterDevice':
    case 'BlockDevice':
      return badRequest(`Device files are not allowed: ${path}`);
    case 'FIFO':
      return badRequest(`FIFOs (named pipes) are not allowed: ${path}`);
    default:
      return badRequest(`Entry type ${entry.type} is not allowed: ${path}`);
  }
}

/** Read at most `cap` bytes of an entry's body (declared sizes were checked, this is belt and braces). */
function collect(entry: ReadEntry, cap: number, done: (buf: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let kept = 0;
  // 'end' first: attaching 'data' starts the flow, and an empty entry ends at once.
  entry.on('end', () => done(Buffer.concat(chunks)));
  entry.on('data', (chunk: Buffer) => {
    if (kept >= cap) return;
    const part = chunk.subarray(0, cap - kept);
    chunks.push(part);
    kept += part.length;
  });
}

/**
 * Refuse any path that could land outside the unpack directory or mean different things to
 * different tools. Runs on node-tar's raw strings: node-tar only sanitises paths when extracting.
 */
function checkPath(path: string): void {
  const p = show(path);
  if (path.includes('\0')) throw badRequest(`Entry path contains a NUL byte: ${p}`);
  if (/\p{Cc}/u.test(path)) throw badRequest(`Entry path contains a control character: ${p}`);
  if (path.includes('\\')) throw badRequest(`Entry path contains a backslash: ${p}`);
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) throw badRequest(`Absolute paths are not allowed: ${p}`);
  if (path.split('/').includes('..')) throw badRequest(`Path traversal ("..") is not allowed: ${p}`);
  if (path.length > MAX_PATH_LENGTH) throw badRequest(`Entry path is longer than ${MAX_PATH_LENGTH} characters: ${p}`);
  if (!path.startsWith(ROOT) && path !== 'package') throw badRequest(`Entry is outside package/: ${p}`);
}

/**
 * node-tar reads PAX records line by line, drops any record whose length does not match and cuts
 * values at the first NUL; GNU tar and libarchive honour the length prefix instead. So a crafted
 * header can show node-tar a safe path and another tool a different one. Read the records the
 * strict way and refuse anything the two readings could disagree on.
 */
function checkMeta(meta: string): void {
  const buf = Buffer.from(meta, 'utf8');
  // A GNU long name ('L' / 'K') is a NUL-terminated string; PAX records always start with a length.
  if (!/^[0-9]/.test(meta)) {
    const nul = buf.indexOf(0);
    if (nul >= 0 && buf.subarray(nul).some((b) => b !== 0)) {
      throw badRequest(`Entry path contains a NUL byte: ${show(meta)}`);
    }
    return;
  }
  const malformed = () => badRequest('Tarball has a malformed PAX extended header');
  let pos = 0;
  while (pos < buf.length) {
    if (buf.subarray(pos).every((b) => b === 0)) break; // some writers pad with NULs
    const space = buf.indexOf(0x20, pos);
    const lengthText = space < 0 ? '' : buf.toString('latin1', pos, space);
    if (!/^[1-9][0-9]{0,7}$/.test(lengthText)) throw malformed();
    const end = pos + Number(lengthText);
    if (end > buf.length || end <= space + 1 || buf[end - 1] !== 0x0a) throw malformed();
    const record = buf.toString('utf8', space + 1, end - 1);
    const eq = record.indexOf('=');
    if (eq <= 0) throw malformed();
    checkPaxRecord(record.slice(0, eq), record.slice(eq + 1));
    pos = end;
  }
}

function checkPaxRecord(key: string, value: string): void {
  if (key === 'path') checkPath(value);
  // 'type' is node-tar only (it can turn a link into a file for node-tar alone); GNU.sparse.* renames
  // and reshapes the file for GNU tar alone. Neither is ever written by npm, so neither is allowed.
  if (key === 'type' || key.startsWith('GNU.sparse.')) {
    throw badRequest(`PAX header key ${show(key)} is not allowed`);
  }
}

/** `package/lib/x.js` -> `lib/x.js`; the root directory itself -> ''. Refuses `//` and `.` segments. */
function relativeToRoot(path: string, isFile: boolean): string {
  const rel = path === 'package' ? '' : path.slice(ROOT.length).replace(/\/$/, '');
  if (isFile && rel === '') throw badRequest(`Entry is outside package/: ${show(path)}`);
  // A path with several spellings defeats duplicate detection, and npm never writes one.
  if (rel !== '' && rel.split('/').some((seg) => seg === '' || seg === '.')) {
    throw badRequest(`Entry path is not normalized: ${show(path)}`);
  }
  return rel;
}

/**
 * Tracks every path so the same file cannot appear twice (a later entry silently overwriting an
 * earlier, inspected one) nor differ only by case or Unicode form (which collide on macOS / Windows),
 * and no entry can sit "inside" a regular file.
 */
class PathRegistry {
  private readonly byKey = new Map<string, { path: string; isFile: boolean }>();
  private readonly dirs = new Set<string>();

  add(rel: string, isFile: boolean, path: string): void {
    const key = rel.normalize('NFC').toLowerCase();
    const earlier = this.byKey.get(key);
    if (earlier) {
      const also = earlier.path === path ? '' : ` (collides with ${show(earlier.path)})`;
      throw badRequest(`Duplicate path in tarball: ${show(path)}${also}`);
    }
    if (isFile && this.dirs.has(key)) throw badRequest(`File ${show(path)} is also used as a directory`);
    const segs = key.split('/');
    for (let i = 1; i < segs.length; i++) {
      const parent = segs.slice(0, i).join('/');
      const holder = this.byKey.get(parent);
      if (holder?.isFile) throw badRequest(`Entry ${show(path)} is inside file ${show(holder.path)}`);
      this.dirs.add(parent);
    }
    this.byKey.set(key, { path, isFile });
  }
}

/** Paths go into error messages: escape control characters and cap the length. */
function show(path: string): string {
  const escaped = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path).slice(1, -1);
  return escaped;
}

/** After the walk: the files every skill must carry, parsed and cross-checked. */
function checkContents(read: ReadTarball, schemas: SchemaCompiler): InspectedTarball {
  if (read.entryCount === 0) throw badRequest('Tarball contains no entries');

  if (!read.packageJson) throw badRequest('package.json is missing');
  const packageJson = parseJson(read.packageJson, 'package.json');
  if (typeof packageJson !== 'object' || packageJson === null || Array.isArray(packageJson)) {
    throw badRequest('package.json is not valid JSON: it must be an object');
  }

  if (!read.manifest) throw badRequest('aerostack.json is missing from the tarball');
  const manifest = parseManifest(parseJson(read.manifest, 'aerostack.json'));

  if (manifest.type === 'skill') {
    if (!read.files.includes(packagePath(manifest.main)))
      throw badRequest(`main "${show(manifest.main)}" is not in the tarball`);
    try {
      schemas.compile(manifest.tool.input_schema);
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err;
      throw badRequest(`Invalid aerostack.json: tool.input_schema ${err.message}`, 'invalid_manifest');
    }
  } else if (manifest.type === 'mcp' && !read.files.includes(packagePath(manifest.args[0]))) {
    throw badRequest(`args[0] "${show(manifest.args[0])}" (the server file) is not in the tarball`);
  } else if (manifest.type === 'agent-skill') {
    if (!read.skillMd) throw missingSkillMd(read.files);
    checkSkillMd(read.skillMd.toString('utf8'), manifest.name);
  }

  const readmeName = README_NAMES.find((name) => read.readmes.has(name));
  const readmeBytes = readmeName === undefined ? undefined : read.readmes.get(readmeName);

  return {
    fileCount: read.files.length,
    unpackedSize: read.unpackedSize,
    packageJson: packageJson as Record<string, unknown>,
    manifest,
    // A multi-byte character cut at 64 KiB decodes to U+FFFD, which is fine for display.
    readme: readmeBytes === undefined ? null : readmeBytes.toString('utf8'),
    skillMd: read.skillMd === undefined ? null : read.skillMd.toString('utf8'),
    files: read.files,
  };
}

/** An Agent Skill without `SKILL.md` at its root; a near miss (`skill.md`, `src/SKILL.md`) is named. */
function missingSkillMd(files: string[]): DomainError {
  const near = files.find((f) => f.split('/').pop()?.toLowerCase() === 'skill.md');
  return badRequest(
    `SKILL.md is missing: an Agent Skill (type "agent-skill") needs it at the package root${near ? ` (found ${show(near)})` : ''}`,
    'invalid_skill_md',
  );
}

/** `./lib//x.js` → `lib/x.js`, as the file list names it. */
const packagePath = (p: string) =>
  p
    .split('/')
    .filter((seg) => seg !== '' && seg !== '.')
    .join('/');

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(bytes: Buffer, name: string): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest(`${name} is not valid JSON: it is not UTF-8`);
  }
  try {
    // Editors on Windows like to add a byte-order mark; npm tolerates it, so do we.
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw badRequest(`${name} is not valid JSON: ${errMessage(err)}`);
  }
}
