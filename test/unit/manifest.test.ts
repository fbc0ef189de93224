import assert from 'node:assert/strict';
import { DomainError } from '@aerostack/contract/errors.js';
import { declaredNetwork, declaredSecrets, parseManifest } from '@aerostack/contract/manifest.js';
import { SKILL_SLUG_RE } from '@aerostack/contract/names.js';
import { validMcpManifest, validSkillManifest } from '../helpers/tarballs.js';

/** parseManifest must refuse with a 400 whose message matches `pattern`. */
function refuses(json: unknown, pattern: RegExp): void {
  assert.throws(
    () => parseManifest(json),
    (err: unknown) => {
      assert.ok(err instanceof DomainError, `expected DomainError, got ${String(err)}`);
      assert.equal(err.status, 400);
      assert.match(err.message, /^Invalid aerostack\.json: /);
      assert.match(err.message, pattern);
      return true;
    },
  );
}

const skill = (over: Record<string, unknown>) => ({ ...validSkillManifest(), ...over });
const mcp = (over: Record<string, unknown>) => ({ ...validMcpManifest(), ...over });
const tool = (over: Record<string, unknown>) =>
  skill({ tool: { ...(validSkillManifest().tool as Record<string, unknown>), ...over } });

describe('parseManifest', () => {
  it('accepts a valid skill manifest', () => {
    const m = parseManifest(validSkillManifest());
    assert.equal(m.type, 'skill');
    assert.equal(m.name, 'weather');
    if (m.type !== 'skill') throw new Error('narrowing');
    assert.equal(m.tool.name, 'get_weather');
    assert.equal(m.main, 'index.js');
  });

  it('accepts a valid mcp manifest', () => {
    const m = parseManifest(validMcpManifest());
    assert.equal(m.type, 'mcp');
    if (m.type !== 'mcp') throw new Error('narrowing');
    assert.equal(m.command, 'node');
    assert.deepEqual(m.args, ['server.js']);
  });

  it('keeps unknown keys (passthrough)', () => {
    const m = parseManifest(skill({ homepage: 'https://example.com', future: { x: 1 } }));
    assert.equal(m['homepage'], 'https://example.com');
    assert.deepEqual(m['future'], { x: 1 });
  });

  it('accepts prerelease versions and ./ in main', () => {
    parseManifest(skill({ version: '2.0.0-beta.1', main: './lib/index.js' }));
  });

  it('refuses something that is not an object', () => {
    for (const v of [null, [], 'x', 3, true]) refuses(v, /must be a JSON object/);
  });

  it('refuses bad top-level fields, naming the field', () => {
    refuses(skill({ name: 'Weather' }), /name must be a URL-safe slug/);
    refuses(skill({ name: '-weather' }), /name must be a URL-safe slug/);
    refuses(skill({ name: 'a'.repeat(65) }), /name must be a URL-safe slug/);
    refuses(skill({ name: 'we/ather' }), /name must be a URL-safe slug/);
    refuses(skill({ name: undefined }), /name is required/);
    refuses(skill({ type: 'plugin' }), /type must be "skill", "mcp" or "agent-skill"/);
    refuses(skill({ type: undefined }), /type must be "skill", "mcp" or "agent-skill"/);
    refuses(skill({ version: 'v1.0.0' }), /version must be a valid semver/);
    refuses(skill({ version: '1.0' }), /version must be a valid semver/);
    refuses(skill({ version: '=1.0.0' }), /version must be a valid semver/);
    refuses(skill({ version: '1.0.0+build.5' }), /version must be a valid semver/);
    refuses(skill({ version: 1 }), /version must be a string/);
    refuses(skill({ description: '' }), /description must not be empty/);
    refuses(skill({ description: 'x'.repeat(1025) }), /description must be at most 1024 characters/);
    refuses(skill({ category: 'c'.repeat(65) }), /category must be at most 64 characters/);
    refuses(skill({ tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }), /tags must have at most 20 entries/);
    refuses(skill({ tags: ['ok', 't'.repeat(41)] }), /tags\[1\] must be at most 40 characters/);
    refuses(skill({ tags: 'weather' }), /tags must be an array of strings/);
  });

  it('refuses bad skill tool definitions', () => {
    refuses(skill({ tool: undefined }), /tool is required/);
    refuses(tool({ name: 'GetWeather' }), /tool\.name must be snake_case/);
    refuses(tool({ name: '1weather' }), /tool\.name must be snake_case/);
    refuses(tool({ name: 'get-weather' }), /tool\.name must be snake_case/);
    refuses(tool({ description: undefined }), /tool\.description is required/);
    refuses(tool({ description: 'd'.repeat(2049) }), /tool\.description must be at most 2048/);
    refuses(tool({ input_schema: undefined }), /tool\.input_schema is required/);
    refuses(tool({ input_schema: { type: 'string' } }), /tool\.input_schema\.type must be "object"/);
    refuses(tool({ input_schema: 'object' }), /tool\.input_schema must be a JSON Schema object/);
  });

  it('refuses a main that could escape the package', () => {
    refuses(skill({ main: undefined }), /main is required/);
    refuses(skill({ main: '' }), /main must not be empty/);
    refuses(skill({ main: '/etc/passwd' }), /main must be a relative path/);
    refuses(skill({ main: 'C:/x.js' }), /main must be a relative path/);
    refuses(skill({ main: '../index.js' }), /main must not contain a "\.\." segment/);
    refuses(skill({ main: 'lib/../../index.js' }), /main must not contain a "\.\." segment/);
    refuses(skill({ main: 'lib\\index.js' }), /main must use "\/" as separator/);
    refuses(skill({ main: 'index.js\u0000.png' }), /main must not contain control characters/);
  });

  it('refuses bad mcp fields', () => {
    refuses(mcp({ command: undefined }), /command is required/);
    refuses(mcp({ command: '' }), /command must be "node"/);
    refuses(mcp({ args: ['ok', 3] }), /args\[1\] must be a string/);
    refuses(mcp({ args: ['server.js', 'a\u0000b'] }), /args\[1\] must not contain control characters/);
    refuses(mcp({ args: Array.from({ length: 65 }, () => 'a') }), /args must have at most 64 entries/);
    refuses(
      mcp({ env: { TOKEN: 'secret' } }),
      /env must be an array of \{ "name": "CRM_API_KEY" \}: values are set per workspace/,
    );
  });

  it('names secrets in env, never their values, on both kinds of skill', () => {
    const ok = parseManifest(
      mcp({
        env: [
          { name: 'CRM_API_KEY', description: 'The CRM key' },
          { name: 'REGION', required: false },
        ],
      }),
    );
    assert.deepEqual(declaredSecrets(ok), [
      { name: 'CRM_API_KEY', description: 'The CRM key', required: true },
      { name: 'REGION', required: false },
    ]);
    assert.deepEqual(declaredSecrets(parseManifest(skill({ env: [{ name: 'A_KEY' }] }))), [
      { name: 'A_KEY', required: true },
    ]);
    assert.deepEqual(declaredSecrets(parseManifest(skill({}))), []);
    refuses(
      mcp({ env: [{ name: 'CRM_API_KEY', value: 'sk-live-123' }] }),
      /env\[0\] must not have "value": a manifest names secrets, their values are set per workspace/,
    );
    refuses(skill({ env: [{ name: 'crm_key' }] }), /env\[0\]\.name must be upper snake case/);
    refuses(skill({ env: [{ name: 'A', required: 'yes' }] }), /env\[0\]\.required must be true or false/);
    refuses(skill({ env: ['CRM_API_KEY'] }), /env\[0\] must be an object such as/);
    refuses(skill({ env: [{ name: 'A' }, { name: 'A' }] }), /env must not name a secret twice/);
    for (const name of ['PATH', 'HOME', 'NODE_OPTIONS', 'LD_PRELOAD', 'HTTPS_PROXY', 'NO_PROXY', 'TZ', 'AEROSTACK_X'])
      refuses(mcp({ env: [{ name }] }), /env\[0\]\.name is set by the sandbox or changes how Node starts/);
  });

  it('declares network targets as host:port; absent means no network', () => {
    const m = parseManifest(
      mcp({ network: ['API.crm.acme.com:443', '*.hubapi.com:443', '10.0.0.1:80', 'api.crm.acme.com:443'] }),
    );
    assert.deepEqual(declaredNetwork(m), ['api.crm.acme.com:443', '*.hubapi.com:443', '10.0.0.1:80']);
    assert.deepEqual(declaredNetwork(parseManifest(skill({}))), []);
    for (const bad of [
      'api.crm.acme.com',
      'https://x.com:443',
      '*.com:443',
      'x.com:0',
      'x.com:70000',
      '*:443',
      'a b:1',
    ])
      refuses(skill({ network: [bad] }), /network\[0\] must be host:port/);
    refuses(skill({ network: 'x.com:443' }), /network must be an array of "host:port" strings/);
  });

  it('runs only node, on a server file inside the package: no Node or sandbox option can be set', () => {
    for (const command of ['python3', '/usr/bin/node', 'bash', 'node --inspect', 'npx']) {
      refuses(
        mcp({ command }),
        /^Invalid aerostack\.json: command must be "node": the gateway runs Node stdio servers, with the server file first in args$/,
      );
    }
    refuses(mcp({ args: undefined }), /args is required/);
    refuses(mcp({ args: [] }), /args\[0\] is required|args must be an array/);
    // What made the permission model switch itself off: flags before the script.
    refuses(
      mcp({ args: ['--allow-child-process', '--allow-fs-read=*', 'server.js'] }),
      /args\[0\] must be the server file to run .*not an option/,
    );
    refuses(mcp({ args: ['-e', 'require("child_process")'] }), /args\[0\] must be the server file to run/);
    refuses(mcp({ args: ['--', 'server.js'] }), /args\[0\] must be the server file to run/);
    refuses(mcp({ args: ['/etc/passwd'] }), /args\[0\] must be a relative path/);
    refuses(mcp({ args: ['../server.js'] }), /args\[0\] must not contain a "\.\." segment/);
    // After the server file, arguments belong to the server (process.argv), never to Node.
    const m = parseManifest(mcp({ command: 'nodejs', args: ['dist/server.js', '--stdio', '--allow-child-process'] }));
    assert.deepEqual(m.type === 'mcp' && m.args, ['dist/server.js', '--stdio', '--allow-child-process']);
  });

  it('reports several bad fields at once', () => {
    refuses(skill({ name: 'Bad Name', version: 'latest', tool: { name: 'X' } }), /name .*; version .*; tool\.name/);
  });

  it('SKILL_SLUG_RE matches URL-safe slugs only', () => {
    for (const ok of ['a', 'weather', 'my-skill.v2', 'a_b', '0x']) assert.match(ok, SKILL_SLUG_RE);
    for (const bad of ['', '.', '..', '.hidden', 'A', 'a b', 'a/b', 'é', 'a'.repeat(65)]) {
      assert.doesNotMatch(bad, SKILL_SLUG_RE);
    }
  });
});
