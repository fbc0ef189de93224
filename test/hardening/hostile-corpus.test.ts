/**
 * A corpus of hostile inputs across every kind of input the registry takes — tarballs, manifests,
 * names, versions, JSON bodies, headers and tokens. Each one must be answered with a 4xx and a clear
 * JSON `{error}` (no stack trace, never a 5xx), store nothing (blob list and rows unchanged) and leave
 * the server healthy. test/registry/publish.test.ts covers the classic hostile tarballs (traversal,
 * absolute paths, links, devices, bombs, entry counts); this corpus covers the rest.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import ssri from 'ssri';
import { publishBody, signup } from '../helpers/api.js';
import { createWorkspace, workspaceToken } from '../helpers/gateway.js';
import { startTestRegistry, type TestRegistry } from '../helpers/registry.js';
import { gzip, rawTar, ustarHeader, validSkillEntries, type RawEntry } from '../helpers/tarballs.js';
import { assertClearError, call, quickTarball, rawHttp, storedState, type Answer } from './support.js';

const NAME = '@acme/hostile';
const SLUG = 'hostile';
const V = '1.0.0';

interface Ctx {
  r: TestRegistry;
  acme: string;
  bob: string;
  mwt: string;
  otherMwt: string;
  revokedAer: string;
  revokedMwt: string;
  /** Expires 60 s after it was minted (the case moves the registry's clock past that). */
  shortLivedAer: string;
}

interface Case {
  kind: 'tarball' | 'manifest' | 'name' | 'version' | 'json' | 'header' | 'token';
  label: string;
  send(c: Ctx): Promise<Answer>;
  status?: number | number[];
  message?: RegExp;
}

/** The entries of a valid @acme/hostile@1.0.0, to which a case adds or changes something. */
const entries = (opts: Parameters<typeof validSkillEntries>[0] = {}): RawEntry[] =>
  validSkillEntries({
    ...opts,
    manifest: { name: SLUG, version: V, ...opts.manifest },
    packageJson: opts.packageJson ?? { name: NAME, version: V },
  });
const withEntries = (...extra: RawEntry[]) => gzip(rawTar([...entries(), ...extra]));
const replacing = (file: string, body: string | Buffer) =>
  gzip(rawTar(entries().map((e) => (e.path === `package/${file}` ? { ...e, body } : e))));

/** PUT /@acme%2fhostile with npm's publish body around `tgz`. */
const publishTgz =
  (tgz: Buffer, opts: { name?: string; version?: string } = {}) =>
  (c: Ctx) => {
    const name = opts.name ?? NAME;
    return call(c.r.url, 'PUT', `/${name.replace('/', '%2f')}`, {
      token: c.acme,
      json: publishBody(name, opts.version ?? V, tgz),
    });
  };

/** tools/list on the acme-ws gateway, with `token` (or none). */
const gatewayList = (c: Ctx, token?: string) =>
  call(c.r.url, 'POST', '/ws/acme-ws', {
    token,
    json: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    headers: { accept: 'application/json, text/event-stream' },
  });

/** A publish body whose attachment, metadata and tarball all carry `version` (valid except for it). */
const publishVersion = (version: string) => (c: Ctx) => {
  const tgz = gzip(
    rawTar(validSkillEntries({ manifest: { name: SLUG, version }, packageJson: { name: NAME, version } })),
  );
  return call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, json: publishBody(NAME, version, tgz) });
};

/** One request over a raw socket, exactly as written (fetch would normalise or refuse it). */
const raw =
  (
    method: string,
    target: string,
    opts: { headers?: Record<string, string>; body?: string | Buffer; token?: (c: Ctx) => string } = {},
  ) =>
  async (c: Ctx) => {
    const { host } = new URL(c.r.url);
    const body =
      opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body, 'utf8');
    const lines = [`${method} ${target} HTTP/1.1`, `Host: ${host}`, 'Connection: close'];
    if (opts.token) lines.push(`Authorization: Bearer ${opts.token(c)}`);
    for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
    if (body) {
      if (!Object.keys(opts.headers ?? {}).some((k) => k.toLowerCase() === 'content-type'))
        lines.push('Content-Type: application/json');
      if (!Object.keys(opts.headers ?? {}).some((k) => /^(content-length|transfer-encoding)$/i.test(k)))
        lines.push(`Content-Length: ${body.length}`);
    }
    return rawHttp(
      c.r.url,
      Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), body ?? Buffer.alloc(0)]),
    );
  };

const validPublishJson = () => JSON.stringify(publishBody(NAME, V, quickTarball(NAME, V)));

/** `{"a":{"a":…}}` nested `depth` levels, built as text (JSON.stringify would recurse). */
const deepObject = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);
const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const signupJson = (over: Record<string, unknown> = {}) =>
  JSON.stringify({ username: 'mallory', email: 'mallory@example.com', password: 'correct horse battery', ...over });

const CASES: Case[] = [
  // ---- tarballs (beyond publish.test.ts: traversal, absolute, links, devices, bombs, counts) ----
  { kind: 'tarball', label: 'zero-byte tarball', send: publishTgz(Buffer.alloc(0)), status: 400, message: /empty/ },
  {
    kind: 'tarball',
    label: 'gzip of zero bytes',
    send: publishTgz(gzip(Buffer.alloc(0))),
    status: 400,
    message: /no entries/,
  },
  { kind: 'tarball', label: 'uncompressed tar', send: publishTgz(rawTar(entries())), status: 400, message: /not gzip/ },
  {
    kind: 'tarball',
    label: 'gzip magic then garbage',
    send: publishTgz(Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 0x41)])),
    status: 400,
    message: /not valid gzip/,
  },
  {
    kind: 'tarball',
    label: 'truncated gzip stream',
    send: publishTgz(withEntries().subarray(0, 60)),
    status: 400,
    message: /not valid gzip|truncated/i,
  },
  {
    kind: 'tarball',
    label: 'truncated tar header (200 of 512 bytes)',
    send: publishTgz(gzip(ustarHeader({ path: 'package/package.json', type: '0', size: 10 }).subarray(0, 200))),
    status: 400,
  },
  {
    kind: 'tarball',
    label: 'tar holding only a directory',
    send: publishTgz(gzip(rawTar([{ path: 'package/', type: '5' }]))),
    status: 400,
    message: /package\.json is missing/,
  },
  {
    kind: 'tarball',
    label: '0-size package.json',
    send: publishTgz(replacing('package.json', '')),
    status: 400,
    message: /package\.json is not valid JSON/,
  },
  {
    kind: 'tarball',
    label: 'package.json is a JSON array',
    send: publishTgz(replacing('package.json', '[1,2,3]')),
    status: 400,
    message: /package\.json/,
  },
  {
    kind: 'tarball',
    label: 'package.json is not UTF-8',
    send: publishTgz(replacing('package.json', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))),
    status: 400,
    message: /UTF-8/,
  },
  {
    kind: 'tarball',
    label: 'huge declared size (8 GiB) with a short body',
    send: publishTgz(
      gzip(
        Buffer.concat([
          rawTar(entries()).subarray(0, -1024),
          ustarHeader({ path: 'package/huge.bin', type: '0', size: 0o77777777777 }),
          Buffer.alloc(1024),
        ]),
      ),
    ),
    status: [400, 413],
  },
  {
    kind: 'tarball',
    label: 'NUL in an entry name (PAX path)',
    send: publishTgz(withEntries({ path: 'package/ok.js', pax: { path: 'package/a\u0000b.js' }, body: 'x' })),
    status: 400,
    message: /NUL|PAX/,
  },
  {
    kind: 'tarball',
    label: 'control characters in an entry name',
    send: publishTgz(withEntries({ path: 'package/\u001b[31mred.js', body: 'x' })),
    status: 400,
    message: /control character/,
  },
  {
    kind: 'tarball',
    label: 'unicode names colliding once normalised (NFC vs NFD)',
    send: publishTgz(
      withEntries({ path: 'package/caf\u00e9.js', body: 'a' }, { path: 'package/cafe\u0301.js', body: 'b' }),
    ),
    status: 400,
    message: /Duplicate path/,
  },
  {
    kind: 'tarball',
    label: 'names differing only by case',
    send: publishTgz(withEntries({ path: 'package/Index.js', body: 'shadow' })),
    status: 400,
    message: /Duplicate path/,
  },
  {
    kind: 'tarball',
    label: 'the same path twice',
    send: publishTgz(withEntries({ path: 'package/package.json', body: '{"name":"@acme/other","version":"1.0.0"}' })),
    status: 400,
    message: /Duplicate path/,
  },
  {
    kind: 'tarball',
    label: 'an entry inside a regular file',
    send: publishTgz(withEntries({ path: 'package/index.js/evil.js', body: 'x' })),
    status: 400,
    message: /inside file/,
  },
  {
    kind: 'tarball',
    label: 'a FIFO',
    send: publishTgz(withEntries({ path: 'package/pipe', type: '6' })),
    status: 400,
    message: /FIFO/,
  },
  {
    kind: 'tarball',
    label: 'a GNU long name that climbs out',
    send: publishTgz(
      withEntries({
        path: 'package/short.js',
        gnuLongName: `package/${'a/'.repeat(60)}../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../x.js`,
        body: 'x',
      }),
    ),
    status: 400,
    message: /\.\./,
  },
  {
    kind: 'tarball',
    label: 'a path longer than 1024 characters',
    send: publishTgz(
      withEntries({ path: 'package/long.js', pax: { path: `package/${'\u00e9'.repeat(1100)}.js` }, body: 'x' }),
    ),
    status: 400,
    message: /longer than/,
  },
  {
    kind: 'tarball',
    label: 'a corrupted header checksum',
    send: (c) => {
      const tar = rawTar(entries());
      tar[148] = 0x37; // checksum field of the first header
      tar[149] = 0x37;
      return publishTgz(gzip(tar))(c);
    },
    status: 400,
  },
  {
    kind: 'tarball',
    label: 'gzip inside gzip',
    send: publishTgz(gzip(withEntries())),
    status: 400,
    message: /more than once/,
  },
  {
    kind: 'tarball',
    label: 'zstd frame inside the gzip',
    send: publishTgz(gzip(Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(2048)]))),
    status: 400,
    message: /more than once/,
  },
  {
    kind: 'tarball',
    label: 'attachment length that lies',
    send: (c) => {
      const body = publishBody(NAME, V, quickTarball(NAME, V));
      body._attachments[`${NAME}-${V}.tgz`]!.length += 7;
      return call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, json: body });
    },
    status: 400,
    message: /length/,
  },
  {
    kind: 'tarball',
    label: 'dist.integrity that is not an SRI string',
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, {
        token: c.acme,
        json: publishBody(NAME, V, quickTarball(NAME, V), { integrity: 'sha512-!!!not base64!!!' }),
      }),
    status: 400,
    message: /Integrity/,
  },
  {
    kind: 'tarball',
    label: 'dist.shasum of other bytes',
    send: (c) => {
      const body = publishBody(NAME, V, quickTarball(NAME, V));
      body.versions[V]!.dist.shasum = createHash('sha1').update('other').digest('hex');
      return call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, json: body });
    },
    status: 400,
    message: /shasum/,
  },

  // ---- manifests ----
  {
    kind: 'manifest',
    label: 'aerostack.json is an array',
    send: publishTgz(replacing('aerostack.json', '[]')),
    status: 400,
    message: /aerostack\.json/,
  },
  {
    kind: 'manifest',
    label: 'aerostack.json with a trailing comma',
    send: publishTgz(replacing('aerostack.json', '{"name":"hostile",}')),
    status: 400,
    message: /aerostack\.json is not valid JSON/,
  },
  {
    kind: 'manifest',
    label: 'aerostack.json over 1 MiB',
    send: publishTgz(replacing('aerostack.json', `{"name":"hostile"${' '.repeat(1100 * 1024)}}`)),
    status: 400,
    message: /larger than/,
  },
  {
    kind: 'manifest',
    label: 'main climbing out of the package',
    send: publishTgz(gzip(rawTar(entries({ manifest: { main: '../../../etc/passwd' } })))),
    status: 400,
    message: /main/,
  },
  {
    kind: 'manifest',
    label: 'main naming a file that is not there',
    send: publishTgz(gzip(rawTar(entries({ manifest: { main: 'lib/missing.js' } })))),
    status: 400,
    message: /not in the tarball/,
  },
  {
    kind: 'manifest',
    label: 'tool name that is not snake_case',
    send: publishTgz(
      gzip(
        rawTar(
          entries({ manifest: { tool: { name: 'Get-Weather', description: 'x', input_schema: { type: 'object' } } } }),
        ),
      ),
    ),
    status: 400,
    message: /snake_case/,
  },
  {
    kind: 'manifest',
    label: 'input_schema whose root is not an object',
    send: publishTgz(
      gzip(
        rawTar(
          entries({ manifest: { tool: { name: 'get_weather', description: 'x', input_schema: { type: 'string' } } } }),
        ),
      ),
    ),
    status: 400,
    message: /input_schema/,
  },
  {
    kind: 'manifest',
    label: 'type "mcp" without a command',
    send: publishTgz(gzip(rawTar(entries({ manifest: { type: 'mcp', tool: undefined, main: undefined } })))),
    status: 400,
    message: /command/,
  },
  {
    kind: 'manifest',
    label: 'manifest version differs from package.json',
    send: publishTgz(gzip(rawTar(entries({ manifest: { version: '1.0.1' } })))),
    status: 400,
    message: /version/,
  },
  {
    kind: 'manifest',
    label: 'a __proto__ key in aerostack.json',
    send: publishTgz(replacing('aerostack.json', '{"__proto__":{"type":"skill","name":"hostile"},"version":"1.0.0"}')),
    status: 400,
    message: /aerostack\.json/,
  },

  // ---- names (sent byte for byte: fetch would normalise "..") ----
  {
    kind: 'name',
    label: 'PUT /@..%2fx',
    send: raw('PUT', '/@..%2fx', { body: validPublishJson(), token: (c) => c.acme }),
  },
  {
    kind: 'name',
    label: 'PUT /@acme%2f..%2f..%2fx',
    send: raw('PUT', '/@acme%2f..%2f..%2fx', { body: validPublishJson(), token: (c) => c.acme }),
  },
  {
    kind: 'name',
    label: 'PUT /@acme/%2e%2e',
    send: raw('PUT', '/@acme/%2e%2e', { body: validPublishJson(), token: (c) => c.acme }),
  },
  { kind: 'name', label: 'GET /@acme/%2e%2e/%2e%2e/etc/passwd', send: raw('GET', '/@acme/%2e%2e/%2e%2e/etc/passwd') },
  {
    kind: 'name',
    label: 'a 300-character skill name',
    send: raw('PUT', `/@acme%2f${'a'.repeat(300)}`, { body: validPublishJson(), token: (c) => c.acme }),
    status: 400,
  },
  {
    kind: 'name',
    label: 'a 5000-character namespace (GET)',
    send: raw('GET', `/@${'a'.repeat(5000)}/x`),
    status: [400, 404],
  },
  {
    kind: 'name',
    label: 'uppercase name',
    send: raw('PUT', '/@Acme%2fHostile', { body: validPublishJson(), token: (c) => c.acme }),
    status: 400,
  },
  {
    kind: 'name',
    label: 'unicode name',
    send: raw('PUT', `/@acme%2f${encodeURIComponent('h\u00f6stile')}`, {
      body: validPublishJson(),
      token: (c) => c.acme,
    }),
    status: 400,
  },
  {
    kind: 'name',
    label: 'NUL in the name',
    send: raw('PUT', '/@acme%2fhost%00ile', { body: validPublishJson(), token: (c) => c.acme }),
    status: 400,
  },
  {
    kind: 'name',
    label: 'malformed percent-encoding',
    send: raw('GET', '/@acme%2fx%E0%A4%A'),
    status: 400,
    message: /Malformed URL encoding/,
  },
  {
    kind: 'name',
    label: 'malformed percent-encoding in a route parameter',
    send: raw('POST', '/-/api/v1/teams/%80%00/invitations', {
      body: '{"email":"x@example.com"}',
      token: (c) => c.acme,
    }),
    status: 400,
    message: /Malformed URL encoding/,
  },
  {
    kind: 'name',
    label: 'NUL in a workspace path parameter',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/workspaces/acme%00ws/skills', { token: c.acme }),
    status: 400,
    message: /NUL/,
  },
  {
    kind: 'name',
    label: 'NUL in a search query',
    send: (c) => call(c.r.url, 'GET', '/-/v1/search?text=crm%00'),
    status: 400,
    message: /NUL/,
  },
  {
    kind: 'name',
    label: 'an unscoped name',
    send: raw('PUT', '/hostile', { body: validPublishJson(), token: (c) => c.acme }),
    status: 404,
  },
  {
    kind: 'name',
    label: 'body names another skill than the URL',
    send: (c) =>
      call(c.r.url, 'PUT', '/@acme%2fother', { token: c.acme, json: publishBody(NAME, V, quickTarball(NAME, V)) }),
    status: 400,
  },

  // ---- versions ----
  { kind: 'version', label: '01.0.0', send: publishVersion('01.0.0'), status: 400, message: /semver/ },
  { kind: 'version', label: '1.0', send: publishVersion('1.0'), status: 400, message: /semver/ },
  { kind: 'version', label: 'v1.0.0', send: publishVersion('v1.0.0'), status: 400, message: /semver/ },
  {
    kind: 'version',
    label: 'numbers beyond 2^53',
    send: publishVersion('99999999999999999999.0.0'),
    status: 400,
    message: /semver/,
  },
  {
    kind: 'version',
    label: 'build metadata 1.0.0+build.5',
    send: publishVersion('1.0.0+build.5'),
    status: 400,
    message: /semver/,
  },
  {
    kind: 'version',
    label: 'dangling prerelease 1.0.0-',
    send: publishVersion('1.0.0-'),
    status: 400,
    message: /semver/,
  },
  {
    kind: 'version',
    label: 'numeric prerelease with a leading zero 1.0.0-01',
    send: publishVersion('1.0.0-01'),
    status: 400,
    message: /semver/,
  },
  {
    kind: 'version',
    label: 'a 300-character prerelease',
    send: publishVersion(`1.0.0-${'a'.repeat(300)}`),
    status: [400, 413],
  },

  // ---- JSON bodies ----
  {
    kind: 'json',
    label: 'objects nested 10,000 levels (signup)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: deepObject(10_000) }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'arrays nested 10,000 levels (publish)',
    send: (c) => call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, raw: deepArray(10_000) }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'objects nested 10,000 levels inside dist-tags (publish)',
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, {
        token: c.acme,
        raw: `{"dist-tags":${deepObject(10_000)},"versions":{}}`,
      }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'objects nested 10,000 levels inside a version (metadata update)',
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, raw: `{"versions":{"1.0.0":${deepObject(10_000)}}}` }),
    status: [400, 404],
  },
  {
    kind: 'json',
    label: 'a number as the body (signup)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: '42' }),
    status: 400,
    message: /JSON object/,
  },
  {
    kind: 'json',
    label: 'a string as the body (token create)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/tokens', { token: c.acme, raw: '"hello"' }),
    status: 400,
    message: /JSON object/,
  },
  {
    kind: 'json',
    label: 'null as the body (login)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/login', { raw: 'null' }),
    status: 400,
    message: /JSON object/,
  },
  {
    kind: 'json',
    label: 'an array as the body (workspace create)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/workspaces', { token: c.acme, raw: '[{"slug":"x"}]' }),
    status: 400,
    message: /JSON object/,
  },
  {
    kind: 'json',
    // Under the API's 1 MiB body limit, so the username rule answers.
    label: 'a 900 KB username',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: signupJson({ username: 'a'.repeat(900 * 1024) }) }),
    status: 400,
    message: /username/,
  },
  {
    kind: 'json',
    label: 'a body over the size limit',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: signupJson({ pad: 'x'.repeat(20 * 1024 * 1024) }) }),
    status: 413,
    message: /too large/,
  },
  {
    kind: 'json',
    label: 'duplicate keys (the last one, an object, wins)',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/signup', {
        raw: '{"username":"mallory","email":"m@example.com","password":"correct horse battery","username":{"$ne":null}}',
      }),
    status: 400,
    message: /username/,
  },
  {
    kind: 'json',
    label: 'invalid UTF-8 in a string',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/signup', {
        raw: Buffer.concat([
          Buffer.from('{"username":"'),
          Buffer.from([0xff, 0xfe, 0xc3]),
          Buffer.from('","email":"m@example.com","password":"correct horse battery"}'),
        ]),
      }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'a lone surrogate escape in the username',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: signupJson({ username: '\ud800x' }) }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'NUL in a login username (the database refuses NUL in text)',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/login', { json: { username: 'acme\u0000', password: 'x' } }),
    status: 400,
    message: /NUL/,
  },
  {
    kind: 'json',
    label: 'NUL in a token name',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/tokens', { token: c.acme, json: { name: 'ci\u0000' } }),
    status: 400,
    message: /NUL/,
  },
  {
    kind: 'json',
    label: 'NUL in an invitation email',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/teams/acme/invitations', {
        token: c.acme,
        json: { email: 'alice\u0000@example.com' },
      }),
    status: 400,
    message: /NUL/,
  },
  {
    kind: 'json',
    label: 'valid JSON sent as text/plain',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/signup', { raw: signupJson(), headers: { 'content-type': 'text/plain' } }),
    status: 400,
    message: /JSON object/,
  },
  {
    kind: 'json',
    label: 'JSON in an unsupported charset',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/signup', {
        raw: signupJson(),
        headers: { 'content-type': 'application/json; charset=koi8-r' },
      }),
    status: 415,
  },
  {
    kind: 'json',
    label: 'gzip Content-Encoding over garbage',
    send: raw('POST', '/-/api/v1/signup', { headers: { 'Content-Encoding': 'gzip' }, body: 'not gzip at all' }),
    status: 400,
  },
  {
    kind: 'json',
    label: 'an unknown Content-Encoding',
    send: raw('POST', '/-/api/v1/signup', { headers: { 'Content-Encoding': 'x-snappy' }, body: signupJson() }),
    status: 415,
  },
  {
    kind: 'json',
    label: 'malformed JSON',
    send: (c) => call(c.r.url, 'POST', '/-/api/v1/signup', { raw: '{"username": "mallory", ' }),
    status: 400,
    message: /Malformed JSON/,
  },
  {
    kind: 'json',
    label: '__proto__ pollution attempt (token create)',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/tokens', {
        token: c.acme,
        raw: '{"__proto__":{"polluted":true,"readonly":false},"constructor":{"prototype":{"polluted":true}}}',
      }),
    status: 400,
  },
  {
    kind: 'json',
    label: '1e999 as expiresInSeconds',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/tokens', { token: c.acme, raw: '{"name":"t","expiresInSeconds":1e999}' }),
    status: 400,
    message: /expiresInSeconds/,
  },
  {
    kind: 'json',
    label: 'an invitation email that is an object',
    send: (c) =>
      call(c.r.url, 'POST', '/-/api/v1/teams/acme/invitations', {
        token: c.acme,
        json: { email: { toString: 'x@example.com' } },
      }),
    status: 400,
    message: /email/,
  },
  {
    kind: 'json',
    label: 'a workspace install whose version is an array',
    send: (c) =>
      call(c.r.url, 'PUT', '/-/api/v1/workspaces/acme-ws/skills/@acme%2fweather', {
        token: c.acme,
        json: { version: ['1.0.0'] },
      }),
    status: 400,
    message: /version/,
  },
  {
    kind: 'json',
    label: 'a dist-tag body that is an object',
    send: (c) =>
      call(c.r.url, 'PUT', '/-/package/@acme%2fweather/dist-tags/beta', { token: c.acme, json: { version: '1.0.0' } }),
    status: 400,
  },

  // ---- headers ----
  {
    kind: 'header',
    label: 'a 12 KB Authorization header',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { token: `aer_${'A'.repeat(12 * 1024)}` }),
    status: 401,
  },
  {
    kind: 'header',
    label: 'an Authorization header over the server limit (40 KB)',
    send: raw('GET', '/-/api/v1/whoami', { headers: { Authorization: `Bearer aer_${'A'.repeat(40 * 1024)}` } }),
    status: 431,
  },
  {
    kind: 'header',
    label: 'Bearer with control characters',
    send: raw('GET', '/-/api/v1/whoami', { headers: { Authorization: 'Bearer aer_\u0001\u0002\u0003' } }),
    status: [400, 401],
  },
  {
    kind: 'header',
    label: 'Bearer with latin-1 bytes',
    send: raw('GET', '/-/api/v1/whoami', { headers: { Authorization: 'Bearer aer_\u00e9\u00e8\u00ff' } }),
    status: 401,
  },
  {
    kind: 'header',
    label: 'Basic credentials',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { headers: { authorization: 'Basic YWNtZTpwYXNzd29yZA==' } }),
    status: 401,
    message: /Bearer/,
  },
  {
    kind: 'header',
    label: 'Bearer with two tokens',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { headers: { authorization: `Bearer ${c.acme} ${c.acme}` } }),
    status: 401,
  },
  {
    kind: 'header',
    label: 'an empty Bearer',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { headers: { authorization: 'Bearer ' } }),
    status: 401,
  },
  {
    kind: 'header',
    // A browser (text/html first) is sent to the skill's page (test/dashboard/pages.test.ts); a client
    // that prefers JSON keeps the JSON answer whatever else its Accept names.
    label: 'Accept naming text/html after JSON on a missing skill',
    send: (c) => call(c.r.url, 'GET', '/@acme/nope', { headers: { accept: 'application/json, text/html;q=0.9' } }),
    status: 404,
  },
  {
    kind: 'header',
    label: 'a malformed Accept on a missing skill',
    send: (c) =>
      call(c.r.url, 'GET', '/@acme/nope', {
        headers: { accept: 'application/vnd.npm.install-v1+json;q=bogus, */*;;;q=' },
      }),
    status: 404,
  },
  {
    kind: 'header',
    label: 'an 8 KB Accept on a missing skill',
    send: (c) => call(c.r.url, 'GET', '/@acme/nope', { headers: { accept: `application/${'x'.repeat(8 * 1024)}` } }),
    status: 404,
  },
  {
    kind: 'header',
    label: 'Content-Length and Transfer-Encoding together',
    send: raw('POST', '/-/api/v1/signup', {
      headers: { 'Content-Length': '4', 'Transfer-Encoding': 'chunked' },
      body: '0\r\n\r\n',
    }),
    status: 400,
  },
  {
    kind: 'header',
    label: 'a non-numeric Content-Length',
    send: raw('POST', '/-/api/v1/signup', { headers: { 'Content-Length': 'abc' }, body: '{}' }),
    status: 400,
  },

  // ---- tokens ----
  {
    kind: 'token',
    label: 'aer_ of the wrong length',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { token: 'aer_short' }),
    status: 401,
    message: /Invalid token/,
  },
  {
    kind: 'token',
    label: 'aer_ of 300 characters',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { token: `aer_${'z'.repeat(296)}` }),
    status: 401,
    message: /Invalid token/,
  },
  {
    kind: 'token',
    label: 'a valid aer_ with one character changed',
    send: (c) =>
      call(c.r.url, 'GET', '/-/api/v1/whoami', { token: c.acme.slice(0, -1) + (c.acme.endsWith('A') ? 'B' : 'A') }),
    status: 401,
    message: /Invalid token/,
  },
  {
    kind: 'token',
    label: 'mwt_ used on the API',
    send: (c) => call(c.r.url, 'GET', '/-/api/v1/whoami', { token: c.mwt }),
    status: 401,
    message: /Invalid token/,
  },
  {
    kind: 'token',
    label: 'mwt_ used to publish',
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.mwt, json: publishBody(NAME, V, quickTarball(NAME, V)) }),
    status: 401,
  },
  {
    kind: 'token',
    label: 'aer_ used on the gateway',
    send: (c) => gatewayList(c, c.acme),
    status: 401,
    message: /workspace token/,
  },
  {
    kind: 'token',
    label: 'no token on the gateway',
    send: (c) => gatewayList(c),
    status: 401,
  },
  {
    kind: 'token',
    label: "another workspace's mwt_",
    send: (c) => gatewayList(c, c.otherMwt),
    status: 401,
  },
  {
    kind: 'token',
    label: 'a revoked mwt_',
    send: (c) => gatewayList(c, c.revokedMwt),
    status: 401,
    message: /revoked/,
  },
  {
    kind: 'token',
    label: 'a revoked aer_',
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, {
        token: c.revokedAer,
        json: publishBody(NAME, V, quickTarball(NAME, V)),
      }),
    status: 401,
    message: /revoked/,
  },
  {
    kind: 'token',
    label: 'an expired aer_',
    send: async (c) => {
      c.r.clock.advance(120_000);
      try {
        return await call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, {
          token: c.shortLivedAer,
          json: publishBody(NAME, V, quickTarball(NAME, V)),
        });
      } finally {
        c.r.clock.advance(-120_000);
      }
    },
    status: 401,
    message: /expired/,
  },
  {
    kind: 'token',
    label: "another user's aer_ publishing into @acme",
    send: (c) =>
      call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.bob, json: publishBody(NAME, V, quickTarball(NAME, V)) }),
    status: 403,
  },
];

describe('hardening: hostile input corpus', function () {
  this.timeout(120_000);
  let c: Ctx;

  before(async () => {
    const r = await startTestRegistry();
    const acme = await signup(r.url, 'acme');
    const bob = await signup(r.url, 'bob');
    // A published skill, a workspace with tokens (one revoked) and a second workspace.
    const tgz = quickTarball('@acme/weather', '1.0.0');
    const pub = await call(r.url, 'PUT', '/@acme%2fweather', {
      token: acme,
      json: publishBody('@acme/weather', '1.0.0', tgz),
    });
    assert.equal(pub.status, 201, pub.text);
    await createWorkspace(r.url, acme, 'acme-ws');
    await createWorkspace(r.url, acme, 'acme-other');
    const mwt = await workspaceToken(r.url, acme, 'acme-ws', { name: 'Editor' });
    const otherMwt = await workspaceToken(r.url, acme, 'acme-other', { name: 'Other' });
    const revokedMwt = await workspaceToken(r.url, acme, 'acme-ws', { name: 'Gone' });
    assert.equal(
      (await call(r.url, 'DELETE', '/-/api/v1/workspaces/acme-ws/tokens/Gone', { token: acme })).status,
      200,
    );
    const ci = await call(r.url, 'POST', '/-/api/v1/tokens', { token: acme, json: { name: 'revoked-ci' } });
    assert.equal(ci.status, 201);
    assert.equal((await call(r.url, 'DELETE', '/-/api/v1/tokens/revoked-ci', { token: acme })).status, 200);
    const short = await call(r.url, 'POST', '/-/api/v1/tokens', {
      token: acme,
      json: { name: 'short-lived', expiresInSeconds: 60 },
    });
    assert.equal(short.status, 201);
    c = {
      r,
      acme,
      bob,
      mwt,
      otherMwt,
      revokedMwt,
      revokedAer: (ci.body as { token: string }).token,
      shortLivedAer: (short.body as { token: string }).token,
    };
  });
  after(() => c?.r.close());

  it(`holds at least 40 cases across every kind of input`, () => {
    const kinds = new Set(CASES.map((k) => k.kind));
    assert.ok(CASES.length >= 40, `${CASES.length} cases`);
    assert.deepEqual([...kinds].sort(), ['header', 'json', 'manifest', 'name', 'tarball', 'token', 'version']);
    assert.equal(new Set(CASES.map((k) => `${k.kind}: ${k.label}`)).size, CASES.length, 'labels are unique');
    const perKind = [...kinds].map((kind) => `${kind} ${CASES.filter((k) => k.kind === kind).length}`).join(', ');

    console.log(`      corpus: ${CASES.length} hostile inputs (${perKind})`);
  });

  for (const k of CASES) {
    it(`${k.kind}: ${k.label} → ${String(k.status ?? '4xx')}, clear JSON error, nothing stored`, async () => {
      const before = await storedState(c.r.db, c.r.blobs);
      const answer = await k.send(c);
      assertClearError(answer, `${k.kind}: ${k.label}`, { status: k.status, message: k.message });
      assert.deepEqual(await storedState(c.r.db, c.r.blobs), before, 'nothing was stored or changed');
      assert.equal((await call(c.r.url, 'GET', '/healthz')).status, 200, 'the server still answers');
    });
  }

  it('no prototype was polluted', () => {
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
  });

  it('afterwards the server is healthy: /healthz and /readyz answer, a normal publish works byte for byte', async () => {
    assert.equal((await call(c.r.url, 'GET', '/healthz')).status, 200);
    assert.equal((await call(c.r.url, 'GET', '/readyz')).status, 200);
    const tgz = quickTarball(NAME, V);
    const pub = await call(c.r.url, 'PUT', `/@acme%2f${SLUG}`, { token: c.acme, json: publishBody(NAME, V, tgz) });
    assert.equal(pub.status, 201, pub.text);
    const file = await fetch(`${c.r.url}/${NAME}/-/${SLUG}-${V}.tgz`);
    const bytes = Buffer.from(await file.arrayBuffer());
    assert.equal(file.status, 200);
    assert.ok(bytes.equals(tgz));
    assert.ok(ssri.checkData(bytes, (pub.body as { integrity: string }).integrity));
    const who = await call(c.r.url, 'GET', '/-/api/v1/whoami', { token: c.acme });
    assert.equal((who.body as { username: string }).username, 'acme');
  });
});
