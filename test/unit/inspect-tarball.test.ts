import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DomainError } from '@aerostack/contract/errors.js';
import type { TarballLimits } from '@aerostack/contract/limits.js';
import { inspectTarball } from '@aerostack/contract/tarball/inspect.js';
import { SchemaCompiler } from '@aerostack/contract/json-schema.js';
import {
  gzip,
  hostileTarball,
  makeMcpTarball,
  makeSkillTarball,
  rawTar,
  skillFiles,
  validSkillEntries,
} from '../helpers/tarballs.js';

const MB = 1024 * 1024;
const schemas = new SchemaCompiler();
const limits: TarballLimits = { maxTarballBytes: 5 * MB, maxUnpackedBytes: 5 * MB, maxEntries: 100 };

/** inspectTarball must reject with `status` and a message matching `pattern`. */
async function refuses(bytes: Buffer, status: number, pattern: RegExp, lim: TarballLimits = limits): Promise<void> {
  await assert.rejects(inspectTarball(bytes, lim, schemas), (err: unknown) => {
    assert.ok(err instanceof DomainError, `expected DomainError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.status, status, err.message);
    return true;
  });
}

const byteLength = (files: Record<string, string | Buffer>) =>
  Object.values(files).reduce((n, body) => n + Buffer.byteLength(body), 0);

describe('inspectTarball', () => {
  describe('accepts', () => {
    it('a valid skill tarball made by node-tar', async () => {
      const got = await inspectTarball(makeSkillTarball(), limits, schemas);
      const files = skillFiles();
      assert.equal(got.fileCount, 4);
      assert.deepEqual([...got.files].sort(), Object.keys(files).sort());
      assert.equal(got.unpackedSize, byteLength(files));
      assert.equal(got.readme, '# weather\n\nSays it is sunny.\n');
      assert.equal(got.manifest.type, 'skill');
      assert.equal(got.packageJson['name'], '@acme/weather');
    });

    it('a valid mcp tarball, with no README', async () => {
      const got = await inspectTarball(makeMcpTarball(), limits, schemas);
      assert.equal(got.manifest.type, 'mcp');
      assert.equal(got.fileCount, 3);
      assert.equal(got.unpackedSize, byteLength(skillFiles({ kind: 'mcp' })));
      assert.equal(got.readme, null);
    });

    it('the same skill written by the raw test writer (fixture sanity check)', async () => {
      const got = await inspectTarball(gzip(rawTar(validSkillEntries())), limits, schemas);
      assert.equal(got.fileCount, 4);
    });

    it('nested files, main in a subfolder, and other README spellings', async () => {
      const got = await inspectTarball(
        makeSkillTarball({
          manifest: { main: './lib/run.js' },
          omit: ['README.md', 'index.js'],
          files: { 'lib/run.js': 'x', 'readme.txt': 'plain text', 'docs/README.md': 'not the root one' },
        }),
        limits,
        schemas,
      );
      assert.equal(got.readme, 'plain text');
      assert.ok(got.files.includes('lib/run.js'));
    });

    it('README without extension, and only the first 64 KiB', async () => {
      const big = 'r'.repeat(100 * 1024);
      const got = await inspectTarball(
        makeSkillTarball({ omit: ['README.md'], files: { README: big } }),
        limits,
        schemas,
      );
      assert.equal(got.readme?.length, 64 * 1024);
    });

    it('a PAX path override that stays inside package/', async () => {
      const long = `package/${'d'.repeat(120)}/file.txt`;
      const got = await inspectTarball(
        hostileTarball({ path: 'package/short.txt', pax: { path: long }, body: 'hi' }),
        limits,
        schemas,
      );
      assert.ok(got.files.includes(long.slice('package/'.length)));
    });
  });

  describe('refuses by size', () => {
    it('a compressed tarball over the limit (413)', async () => {
      const tgz = makeSkillTarball();
      await refuses(tgz, 413, new RegExp(`^Tarball is ${tgz.length} bytes; the limit is 100 bytes$`), {
        ...limits,
        maxTarballBytes: 100,
      });
    });

    it('a gzip bomb: 20 MB of zeros against a 5 MB limit (413, stopped while inflating)', async () => {
      const bomb = gzip(Buffer.alloc(20 * MB));
      assert.ok(bomb.length < 100 * 1024);
      await refuses(bomb, 413, /^Tarball unpacks to more than 5242880 bytes$/);
    });

    it('files that add up to more than the unpacked limit (413)', async () => {
      // Tar overhead allowance (2 KiB per allowed entry) lets this 1.2 MB tar inflate; the file sum is then over 1 MB.
      const tgz = hostileTarball(
        { path: 'package/a.bin', body: Buffer.alloc(600_000) },
        { path: 'package/b.bin', body: Buffer.alloc(600_000) },
      );
      await refuses(tgz, 413, /^Files in the tarball add up to more than 1048576 bytes$/, {
        ...limits,
        maxUnpackedBytes: MB,
        maxEntries: 1000,
      });
    });

    it('a declared size far beyond the data, before reading any of it (413)', async () => {
      const tgz = hostileTarball({ path: 'package/huge.bin', pax: { size: String(1e12) } });
      await refuses(tgz, 413, /add up to more than/);
    });

    it('too many entries (413)', async () => {
      const extra = Array.from({ length: 10 }, (_, i) => ({ path: `package/f${i}.txt`, body: 'x' }));
      await refuses(hostileTarball(...extra), 413, /^Tarball has more than 8 entries$/, { ...limits, maxEntries: 8 });
    });
  });

  describe('refuses bad compression', () => {
    it('a plain, uncompressed tar', async () => {
      await refuses(rawTar(validSkillEntries()), 400, /^Tarball is not gzip-compressed$/);
    });

    it('an empty upload', async () => {
      await refuses(Buffer.alloc(0), 400, /not gzip-compressed/);
    });

    it('a truncated gzip', async () => {
      const tgz = makeSkillTarball();
      await refuses(tgz.subarray(0, Math.floor(tgz.length / 2)), 400, /not valid gzip.*unexpected end of file/);
    });

    it('corrupt gzip data', async () => {
      const tgz = Buffer.from(makeSkillTarball());
      for (let i = 20; i < tgz.length - 8; i += 7) tgz[i] = (tgz[i] ?? 0) ^ 0xff;
      await refuses(tgz, 400, /not valid gzip/);
    });

    it('a tarball gzipped twice (node-tar would inflate the inner layer unbounded)', async () => {
      await refuses(gzip(makeSkillTarball()), 400, /compressed more than once/);
    });
  });

  describe('refuses a bad tar stream', () => {
    it('gzip of bytes that are not a tar', async () => {
      await refuses(gzip(Buffer.from('hello world '.repeat(100))), 400, /not a valid tar archive/);
    });

    it('a header with a wrong checksum (node-tar would skip it with only a warning)', async () => {
      const tar = rawTar(validSkillEntries());
      tar[600] = (tar[600] ?? 0) ^ 0x01; // inside the second header's name
      await refuses(gzip(tar), 400, /not a valid tar archive.*checksum/);
    });

    it('a tar truncated inside a file body', async () => {
      const tar = rawTar([...validSkillEntries(), { path: 'package/big.bin', body: Buffer.alloc(4096, 1) }]);
      await refuses(gzip(tar.subarray(0, tar.length - 1024 - 2048)), 400, /not a valid tar archive.*Truncated/);
    });

    it('an empty tar', async () => {
      await refuses(gzip(Buffer.alloc(1024)), 400, /^Tarball contains no entries$/);
    });
  });

  describe('refuses hostile entries, naming the entry', () => {
    it('path traversal with ../', async () => {
      await refuses(
        hostileTarball({ path: '../evil.js', body: 'x' }),
        400,
        /^Path traversal \(".."\) is not allowed: \.\.\/evil\.js$/,
      );
      await refuses(
        hostileTarball({ path: 'package/../../etc/cron.d/x', body: 'x' }),
        400,
        /Path traversal.*package\/\.\.\/\.\.\/etc\/cron\.d\/x/,
      );
    });

    it('absolute paths', async () => {
      await refuses(
        hostileTarball({ path: '/etc/passwd', body: 'x' }),
        400,
        /^Absolute paths are not allowed: \/etc\/passwd$/,
      );
      await refuses(
        hostileTarball({ path: 'C:/Windows/evil.dll', body: 'x' }),
        400,
        /Absolute paths are not allowed: C:\/Windows/,
      );
    });

    it('backslashes (a separator on Windows)', async () => {
      await refuses(
        hostileTarball({ path: 'package\\..\\..\\evil', body: 'x' }),
        400,
        /contains a backslash: package\\\\\.\.\\\\/,
      );
    });

    it('a traversal smuggled in the ustar prefix field', async () => {
      await refuses(
        hostileTarball({ path: 'package/x.js', prefix: '..', body: 'x' }),
        400,
        /Path traversal.*\.\.\/package\/x\.js/,
      );
    });

    it('a PAX header that overrides a safe name with a traversal or absolute path', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { path: '../../evil.sh' }, body: 'x' }),
        400,
        /Path traversal.*\.\.\/\.\.\/evil\.sh/,
      );
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { path: '/etc/passwd' }, body: 'x' }),
        400,
        /Absolute paths.*\/etc\/passwd/,
      );
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { path: 'elsewhere/x' }, body: 'x' }),
        400,
        /outside package\/: elsewhere\/x/,
      );
    });

    it('a ustar prefix that node-tar joins to a PAX path (header.path is checked too)', async () => {
      // entry.path is the PAX path alone; entry.header.path is "../package/ok.txt".
      await refuses(
        hostileTarball({ path: 'package/ok.txt', prefix: '..', pax: { path: 'package/ok.txt' }, body: 'x' }),
        400,
        /Path traversal.*\.\.\/package\/ok\.txt/,
      );
    });

    it('an oversized PAX header (node-tar would silently skip it)', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { comment: 'c'.repeat(70_000) }, body: 'x' }),
        400,
        /extended header larger than 65536 bytes/,
      );
    });

    it('a PAX path with a NUL byte', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { path: 'package/a.js\u0000.png' }, body: 'x' }),
        400,
        /NUL byte: package\/a\.js\\u0000\.png/,
      );
    });

    it('a PAX record that node-tar would skip but GNU tar would honour', async () => {
      // The length prefix covers both lines: strict readers see one path containing a newline,
      // node-tar sees a mismatched first line (dropped) and then "path=../evil".
      const inner = '16 path=../evil\n';
      const first = `path=package/ok\n${inner}`;
      const record = `${first.length + 3} ${first}`;
      assert.equal(Buffer.byteLength(record), first.length + 3);
      await refuses(
        hostileTarball({ path: 'package/ok.txt', paxRaw: record, body: 'x' }),
        400,
        /control character|Path traversal/,
      );
    });

    it('PAX keys that only some tar readers honour', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { 'GNU.sparse.name': '../evil' }, body: 'x' }),
        400,
        /PAX header key GNU\.sparse\.name is not allowed/,
      );
      await refuses(
        hostileTarball({ path: 'package/ok.txt', pax: { type: 'File' }, body: 'x' }),
        400,
        /PAX header key type is not allowed/,
      );
    });

    it('a malformed PAX header', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', paxRaw: '99 path=package/x\n', body: 'x' }),
        400,
        /malformed PAX/,
      );
    });

    it('a GNU long-name header with a traversal', async () => {
      await refuses(
        hostileTarball({ path: 'package/ok.txt', gnuLongName: 'package/../../../evil', body: 'x' }),
        400,
        /Path traversal/,
      );
    });

    it('a symlink to /etc/passwd', async () => {
      await refuses(
        hostileTarball({ path: 'package/passwd', type: '2', linkpath: '/etc/passwd' }),
        400,
        /^Links are not allowed: package\/passwd -> \/etc\/passwd$/,
      );
    });

    it('a hardlink', async () => {
      await refuses(
        hostileTarball({ path: 'package/hard', type: '1', linkpath: 'package/index.js' }),
        400,
        /^Links are not allowed: package\/hard/,
      );
    });

    it('character and block devices', async () => {
      await refuses(
        hostileTarball({ path: 'package/tty', type: '3' }),
        400,
        /^Device files are not allowed: package\/tty$/,
      );
      await refuses(
        hostileTarball({ path: 'package/sda', type: '4' }),
        400,
        /^Device files are not allowed: package\/sda$/,
      );
    });

    it('a FIFO', async () => {
      await refuses(
        hostileTarball({ path: 'package/pipe', type: '6' }),
        400,
        /FIFOs \(named pipes\) are not allowed: package\/pipe/,
      );
    });

    it('unknown and exotic entry types', async () => {
      await refuses(
        hostileTarball({ path: 'package/z', type: 'Z', body: 'x' }),
        400,
        /Entry type Unsupported is not allowed: package\/z/,
      );
      await refuses(hostileTarball({ path: 'package/dump', type: 'D' }), 400, /Entry type GNUDumpDir is not allowed/);
      await refuses(
        hostileTarball({ path: 'package/sparse', type: 'S', body: 'x' }),
        400,
        /Entry type SparseFile is not allowed/,
      );
    });

    it('a duplicate path, which would overwrite an inspected file', async () => {
      await refuses(
        hostileTarball({ path: 'package/aerostack.json', body: '{}' }),
        400,
        /^Duplicate path in tarball: package\/aerostack\.json$/,
      );
    });

    it('paths that differ only by case', async () => {
      await refuses(
        hostileTarball({ path: 'package/INDEX.js', body: 'x' }),
        400,
        /Duplicate path.*package\/INDEX\.js \(collides with package\/index\.js\)/,
      );
    });

    it('an entry outside package/', async () => {
      await refuses(
        hostileTarball({ path: 'other/file.txt', body: 'x' }),
        400,
        /^Entry is outside package\/: other\/file\.txt$/,
      );
      await refuses(hostileTarball({ path: 'package', body: 'x' }), 400, /outside package\//);
    });

    it('non-normalized paths', async () => {
      await refuses(hostileTarball({ path: 'package//x.js', body: 'x' }), 400, /not normalized: package\/\/x\.js/);
      await refuses(hostileTarball({ path: 'package/./index.js', body: 'x' }), 400, /not normalized/);
    });

    it('an entry inside a regular file', async () => {
      await refuses(hostileTarball({ path: 'package/index.js/x', body: 'x' }), 400, /inside file package\/index\.js/);
    });

    it('a native addon (a .node file) anywhere, naming it: skills run under Node’s --no-addons', async () => {
      const elf = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
      await refuses(
        makeMcpTarball({ files: { 'node_modules/fast/build/Release/fast.node': elf } }),
        400,
        /^Native addons cannot run in the sandbox: package\/node_modules\/fast\/build\/Release\/fast\.node$/,
      );
      await refuses(
        hostileTarball({ path: 'package/addon.NODE', body: 'x' }),
        400,
        /^Native addons cannot run in the sandbox: package\/addon\.NODE$/,
      );
      // A folder named like one is no addon, nor is a file whose name only contains ".node".
      const ok = await inspectTarball(
        makeMcpTarball({ files: { 'lib/x.node/index.js': 'x', 'binding.node.js': 'x' } }),
        limits,
        schemas,
      );
      assert.ok(ok.files.includes('lib/x.node/index.js'));
    });
  });

  describe('refuses bad package contents', () => {
    it('aerostack.json missing', async () => {
      await refuses(
        makeSkillTarball({ omit: ['aerostack.json'] }),
        400,
        /^aerostack\.json is missing from the tarball$/,
      );
    });

    it('aerostack.json not JSON', async () => {
      await refuses(makeSkillTarball({ rawManifest: '{ name: weather' }), 400, /^aerostack\.json is not valid JSON/);
    });

    it('aerostack.json with invalid fields', async () => {
      await refuses(
        makeSkillTarball({ manifest: { tool: { name: 'Bad', description: 'd', input_schema: { type: 'object' } } } }),
        400,
        /^Invalid aerostack\.json: tool\.name must be snake_case/,
      );
      await refuses(makeSkillTarball({ manifest: { version: 'v1' } }), 400, /Invalid aerostack\.json: version/);
      await refuses(makeSkillTarball({ manifest: { type: 'plugin' } }), 400, /Invalid aerostack\.json: type/);
      await refuses(
        makeMcpTarball({ manifest: { env: { A: 'b' } } }),
        400,
        /Invalid aerostack\.json: env must be an array/,
      );
    });

    it('package.json missing', async () => {
      await refuses(makeSkillTarball({ omit: ['package.json'] }), 400, /^package\.json is missing$/);
    });

    it('package.json not JSON, or not an object', async () => {
      await refuses(makeSkillTarball({ rawPackageJson: '{"name": ' }), 400, /^package\.json is not valid JSON/);
      await refuses(
        makeSkillTarball({ rawPackageJson: '[1, 2]' }),
        400,
        /^package\.json is not valid JSON: it must be an object$/,
      );
      await refuses(
        makeSkillTarball({ rawPackageJson: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1') }),
        400,
        /^package\.json is not valid JSON/,
      );
    });

    it('package.json over 1 MiB', async () => {
      const big = JSON.stringify({ name: 'x', pad: 'p'.repeat(MB) });
      await refuses(makeSkillTarball({ rawPackageJson: big }), 400, /package\.json is larger than 1048576 bytes/);
    });

    it('main that is not in the tarball', async () => {
      await refuses(makeSkillTarball({ omit: ['index.js'] }), 400, /^main "index\.js" is not in the tarball$/);
      // A directory of that name is not a file.
      await refuses(
        makeSkillTarball({ omit: ['index.js'], files: { 'index.js/x': 'x' } }),
        400,
        /^main "index\.js" is not in the tarball$/,
      );
    });
  });

  describe('never fails with anything but a 400/413 DomainError', () => {
    const small: TarballLimits = { maxTarballBytes: MB, maxUnpackedBytes: 256 * 1024, maxEntries: 50 };

    async function onlyDomainErrors(bytes: Uint8Array): Promise<void> {
      try {
        await inspectTarball(Buffer.from(bytes), small, schemas);
      } catch (err) {
        if (!(err instanceof DomainError) || (err.status !== 400 && err.status !== 413)) throw err;
      }
    }

    const mutations = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 16 });
    const mutate = (base: Buffer, edits: [number, number][], cut: number | null): Buffer => {
      const out = Buffer.from(base);
      for (const [at, value] of edits) out[at % out.length] = value;
      return cut === null ? out : out.subarray(0, cut % (out.length + 1));
    };

    it('random bytes, with and without a gzip header', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.boolean(), async (bytes, magic) => {
          await onlyDomainErrors(magic ? Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), bytes]) : bytes);
        }),
        { numRuns: 300 },
      );
    });

    it('gzip of random bytes and of random mutations of a valid tar', async () => {
      const tar = rawTar(validSkillEntries());
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), async (bytes) =>
          onlyDomainErrors(gzip(Buffer.from(bytes))),
        ),
        { numRuns: 200 },
      );
      await fc.assert(
        fc.asyncProperty(mutations, fc.option(fc.nat()), async (edits, cut) =>
          onlyDomainErrors(gzip(mutate(tar, edits, cut))),
        ),
        { numRuns: 500 },
      );
    });

    it('random mutations of a valid .tgz', async () => {
      const tgz = makeSkillTarball();
      await fc.assert(
        fc.asyncProperty(mutations, fc.option(fc.nat()), async (edits, cut) =>
          onlyDomainErrors(mutate(tgz, edits, cut)),
        ),
        { numRuns: 300 },
      );
    });
  });
});
